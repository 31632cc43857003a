"""Runs inside `.venv-superset` (Superset's own Python): import the bundle, roles, row-level security, users.

Started by `superset_assets.loader` as `python -P superset_assets/inside.py` with the job as JSON on
stdin; prints what it did as JSON on the last line of stdout. It imports only Superset and the
standard library (this environment has none of the platform's packages).

The bundle goes through `ImportAssetsCommand`, the same command `POST /api/v1/assets/import/` runs:
it validates every file and fails loudly, and it overwrites by UUID, so loading twice is harmless.
"""

from __future__ import annotations

import json
import sys
import zipfile
from typing import Any


def import_bundle(zip_path: str) -> None:
    """Import as an administrator, as the REST endpoint would (the command checks `g.user`)."""
    from flask import g
    from superset import security_manager as sm
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.commands.importers.v1.utils import get_contents_from_bundle

    admins = [u for u in sm.get_all_users() if u.active and any(r.name == "Admin" for r in u.roles)]
    if not admins:
        raise RuntimeError("Superset 中没有管理员账号：请先运行 superset fab create-admin")
    g.user = admins[0]
    with zipfile.ZipFile(zip_path) as bundle:
        contents = get_contents_from_bundle(bundle)
    ImportAssetsCommand(contents, overwrite=True).run()


def ensure_role(name: str, tables: list[str], datasets: dict[str, Any]):
    """A data role: `datasource_access` on exactly these datasets (nothing else is granted here)."""
    from superset import security_manager as sm

    role = sm.find_role(name) or sm.add_role(name)
    wanted = {sm.add_permission_view_menu("datasource_access", datasets[t].perm) for t in tables}
    stale = [pv for pv in role.permissions if pv.permission.name == "datasource_access" and pv not in wanted]
    for pv in stale:
        role.permissions.remove(pv)
    for pv in wanted:
        if pv not in role.permissions:
            role.permissions.append(pv)
    return role


def ensure_rls(name: str, clause: str, role, tables: list[Any]) -> None:
    """行级安全: a Regular filter `clause` on these datasets for this role (group key `region`)."""
    from superset import db
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    rls = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
    if rls is None:
        rls = RowLevelSecurityFilter(name=name)
        db.session.add(rls)
    rls.filter_type = "Regular"
    rls.group_key = "region"
    rls.clause = clause
    rls.description = "按行政区划过滤（乐山市一卡通平台自动生成）"
    rls.roles = [role]
    rls.tables = tables


def ensure_user(spec: dict[str, Any]) -> None:
    from superset import db
    from superset import security_manager as sm

    roles = [sm.find_role(r) for r in spec["roles"]]
    if None in roles:
        raise RuntimeError(f"角色不存在 / missing role for {spec['username']}: {spec['roles']}")
    user = sm.find_user(username=spec["username"])
    if user is None:
        user = sm.add_user(
            spec["username"], spec["first_name"], spec["last_name"], spec["email"], roles, spec["password"]
        )
        if not user:
            raise RuntimeError(f"无法创建 Superset 用户 / cannot create user {spec['username']}")
    else:
        user.roles = roles
        user.active = True
        user.first_name, user.last_name, user.email = spec["first_name"], spec["last_name"], spec["email"]
        sm.reset_password(user.id, spec["password"])
    db.session.commit()


def remove_stale(database_uuid: str, keep: set[str]) -> None:
    """Charts and datasets on our database that the bundle no longer declares (assets as code)."""
    from superset import db
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.slice import Slice

    ours = {t.id: t for t in db.session.query(SqlaTable).all() if str(t.database.uuid) == database_uuid}
    for chart in db.session.query(Slice).filter(Slice.datasource_id.in_(list(ours))).all():
        if str(chart.uuid) not in keep:
            db.session.delete(chart)
    for table in ours.values():
        if str(table.uuid) not in keep:
            db.session.delete(table)
    db.session.commit()


def apply(job: dict[str, Any]) -> dict[str, Any]:
    from superset import db
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    for spec in job["users"]:
        if spec["roles"] == ["Admin"]:
            ensure_user(spec)
    import_bundle(job["zip_path"])
    database_uuid = job["database_uuid"]
    remove_stale(database_uuid, set(job["keep_uuids"]))
    datasets = {
        t.table_name: t for t in db.session.query(SqlaTable).all() if str(t.database.uuid) == database_uuid
    }
    ours = {r["rls_name"] for r in job["roles"] if r.get("rls_name")}
    for spec in job["roles"]:
        role = ensure_role(spec["name"], spec["tables"], datasets)
        if spec.get("clause"):
            ensure_rls(spec["rls_name"], spec["clause"], role, [datasets[t] for t in spec["rls_tables"]])
    # filters this loader made earlier for roles that no longer exist
    prefix = job["rls_prefix"]
    for rls in db.session.query(RowLevelSecurityFilter).filter(
        RowLevelSecurityFilter.name.like(f"{prefix}%")
    ):
        if rls.name not in ours:
            db.session.delete(rls)
    db.session.commit()
    for spec in job["users"]:
        ensure_user(spec)
    return {
        "datasets": len(datasets),
        "charts": db.session.query(Slice).count(),
        "dashboards": db.session.query(Dashboard).count(),
    }


def main() -> None:
    job = json.load(sys.stdin)
    from superset.app import create_app

    app = create_app()
    with app.test_request_context():
        result = apply(job)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
