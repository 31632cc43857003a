"""`ykt simulate --advance 1d`: append one more day of changes after the last simulated day.

Per day: new applications and the stages planned for that day (cards made, batches, 回盘, cards
sent and collected), loss reports, replacements cancelling old cards, temporary losses, benefit
payments on each county's pay day, medical settlements and transactions, and the day's card-use
events. Every row written carries AAE036 on the new day. Random draws come from streams named
after the date, so the same state advanced by the same days gives the same rows and fingerprint.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulators import clock, dirt, events, insured, state
from simulators.advance_cards import PENDING_SCHEMA, Day, neutral_applications, plan_day
from simulators.advance_status import chained, final_states, new_cards, next_sim_cards, status_events
from simulators.cardplan import batch_city_time
from simulators.cardstatus import batch_table, writeback_table
from simulators.population import generate_residents
from simulators.scales import get_scale
from simulators.sources import SYSTEMS, business, card_system, holder
from simulators.sources.business_rows import BusinessContext
from simulators.sources.loader import connect, copy_rows, read_table
from simulators.world import SimResult, Stages, World, combine, contract_cards

APPLY_STAGE_COLUMNS = (  # what reaching each stage changes in kgl_apply, in stage order
    ("review_time", ("shzt", "shsj", "shyj")),
    ("bank_time", ("banktime",)),
    ("province_time", ("provincetime", "batchno", "zxwz", "aaz500")),
    ("city_time", ("citytime",)),
    ("city_send_time", ("citysendtime", "citysendaddr")),
    ("get_time", ("gettime",)),
)
ADVANCE_STAGES = ("读取状态", "卡管与持卡库", "社保业务库", "写入", "用卡轨迹")


def advance(days: int = 1, progress=None) -> SimResult:
    """Append `days` days after the last simulated day (refuses when nothing was simulated)."""
    if days < 1:
        raise ValueError(f"推进天数应为正整数，收到 {days}")
    st = state.load()
    sc = get_scale(st.scale)
    stages = Stages(progress, ADVANCE_STAGES)
    with stages.stage("读取状态"):
        residents = generate_residents(sc, st.seed)
        prof = insured.profile(residents, st.seed)
    rows: dict[str, dict[str, int]] = {}
    dirt_rows = event_rows = 0
    for _ in range(days):
        st, counts, n_dirt, n_events = _advance_day(st, sc, residents, prof, stages)
        dirt_rows, event_rows = dirt_rows + n_dirt, event_rows + n_events
        for database, tables in counts.items():
            for t, n in tables.items():
                rows.setdefault(database, {})[t] = rows.get(database, {}).get(t, 0) + n
    return SimResult(
        st.scale,
        st.seed,
        st.dirt_rate,
        st.as_of,
        st.fingerprint,
        rows,
        dirt_rows,
        event_rows,
        [],
        stages.timings,
    )


def _advance_day(st: state.SimState, sc, residents, prof, stages: Stages):
    day = st.as_of + timedelta(days=1)
    d = Day(st.seed, day, residents, state.load_cards(), st.next_card_serial)
    with stages.stage("卡管与持卡库"):
        inserts, updates, cards = _card_changes(d)
    with stages.stage("社保业务库"):
        ctx = BusinessContext(
            residents, prof, cards, st.seed, sc.settlements_per_day, sc.transactions_per_day
        )
        inserts[business.DATABASE] = business.tables_for_days(ctx, [day])
    serial = max(d.next_card_serial, _max_serial(inserts) + 1)
    dctx = dirt.DirtContext(
        st.seed,
        st.dirt_rate,
        clock.day_end(day),
        set(residents["id_number"].to_pylist()),
        serial,
        stream=f"dirt:{day}",
        at_least_one=False,
    )
    inserts = {db_: dirt.inject(dctx, db_, tables, SYSTEMS[db_].keys) for db_, tables in inserts.items()}
    with stages.stage("写入"):
        digests = _write(inserts, updates, dctx)
    world = World(sc, st.seed, st.dirt_rate, residents, contract_cards(cards), day)
    with stages.stage("用卡轨迹"):
        ev = events.write_events(world, day, day)
    fingerprint = combine([st.fingerprint, *digests, ev.digest])
    new_state = state.SimState(st.scale, st.seed, st.dirt_rate, day, fingerprint, dctx.next_card_serial)
    state.update(new_state, cards)
    counts = {db_: {t: rows.num_rows for t, rows in tables.items()} for db_, tables in inserts.items()}
    return new_state, counts, sum(m.num_rows for m in dctx.manifests), ev.rows


def _max_serial(inserts: dict) -> int:
    cards = inserts.get(card_system.DATABASE, {}).get("kgl_card")
    if cards is None or not cards.num_rows:
        return 0
    return max(int(c[1:]) for c in cards["aaz500"].to_pylist())


def _next_sqid_seq(conn, day) -> int:
    """The day's next SQID sequence: the card system's API may already have numbered live
    applications of that day (residents applying while the simulated days catch up)."""
    prefix = f"SQ{day:%Y%m%d}"
    row = conn.execute("SELECT max(sqid) FROM kgl_apply WHERE sqid LIKE %s", (prefix + "%",)).fetchone()
    return int(row[0][len(prefix) :]) + 1 if row and row[0] else 1


def _pending(conn) -> pa.Table:
    query = """SELECT sqid, aac002, ywlx, sqqd, applytime, aae008, lkwdbm, aaz500 FROM kgl_apply
               WHERE shzt <> '2' AND gettime IS NULL
                 AND sqid NOT IN (SELECT key_value FROM dirt_manifest WHERE "table" = 'kgl_apply')
               ORDER BY applytime, sqid"""
    return read_table(conn, query, PENDING_SCHEMA)


def _card_changes(d: Day):
    """(inserts, updates, new sim_cards) of the card systems for the day."""
    with connect(card_system.DATABASE) as conn:
        d = replace(d, first_sqid_seq=_next_sqid_seq(conn, d.day))
        ad = plan_day(d, _pending(conn))
        recent = _recent_cards(conn, d)
        open_batches = _open_batches(conn, d)
    with connect(holder.DATABASE) as conn:
        next_lsid = conn.execute("SELECT COALESCE(MAX(lsid), 0) + 1 FROM cyk_card_status_history").fetchone()[
            0
        ]
    apps = neutral_applications(d, ad)
    history = chained(d, status_events(d, ad))
    finals = final_states(history)
    made = new_cards(d, ad, apps, finals)
    inserts, updates = _card_rows(d, ad, apps, history, finals, made, next_lsid)
    inserts[card_system.DATABASE]["kgl_writeback"] = _writebacks(d, recent, made)
    updates += _batch_updates(d, open_batches)
    return inserts, updates, next_sim_cards(d, made, finals, ad)


def _card_rows(d: Day, ad, apps: pa.Table, history: pa.Table, finals: dict, made: pa.Table, next_lsid: int):
    native = card_system.apply_rows(apps)
    new_apps = native.filter(pa.array(ad.is_new))
    updates = _apply_updates(ad, native)
    changed = [c for c in finals if c not in set(made["card_no"].to_pylist())]
    status = [finals[c][0] for c in changed]
    when = clock.ts_array(np.array([finals[c][1] for c in changed], dtype="datetime64[s]"))
    card_codes = pa.array([card_system.STATUS_CODES[s] for s in status], pa.string())
    numbers = pa.array(changed, pa.string())
    updates.append(
        (
            card_system.DATABASE,
            "kgl_card",
            "aaz500",
            pa.table({"aaz500": numbers, "aaz502": card_codes, "aae036": when}),
        )
    )
    updates.append(
        (
            holder.DATABASE,
            "cyk_card",
            "aaz500",
            pa.table({"aaz500": numbers, "kzt": pa.array(status, pa.string()), "aae036": when}),
        )
    )
    closed = [i for i, s in enumerate(status) if s == "注销"]
    updates.append(
        (
            holder.DATABASE,
            "cyk_bank_account",
            "zhid",
            pa.table(
                {
                    "zhid": pa.array(["ZH" + changed[i][1:] for i in closed], pa.string()),
                    "zhzt": pa.array(["销户"] * len(closed), pa.string()),
                    "aae036": when.take(pa.array(closed, pa.int64())),
                }
            ),
        )
    )
    first_timers = made.filter(pc.invert(pc.is_in(made["person_id"], d.cards["person_id"])))
    inserts = {
        card_system.DATABASE: {
            "kgl_card": card_system.card_rows(made),
            "kgl_apply": new_apps,
            "kgl_batch": card_system.batch_rows(batch_table(apps)),
        },
        holder.DATABASE: {
            "cyk_holder": holder.holder_rows(d.residents, first_timers),
            "cyk_card": holder.card_rows(made),
            "cyk_card_status_history": holder.history_rows(history, next_lsid),
            "cyk_bank_account": holder.account_rows(made),
        },
    }
    return inserts, updates


def _apply_updates(ad, native: pa.Table) -> list:
    """kgl_apply updates of the pending applications, one group per stage reached today."""
    out = []
    stage_column = {
        "review_time": "shsj",
        "bank_time": "banktime",
        "province_time": "provincetime",
        "city_time": "citytime",
        "city_send_time": "citysendtime",
        "get_time": "gettime",
    }
    for stage, columns in APPLY_STAGE_COLUMNS:
        mask = pa.array(ad.today[stage] & ~ad.is_new)
        rows = native.filter(mask).select(["sqid", *columns])
        rows = rows.append_column("aae036", native.filter(mask)[stage_column[stage]])
        if rows.num_rows:
            out.append((card_system.DATABASE, "kgl_apply", "sqid", rows))
    return out


_RECENT_SCHEMA = pa.schema(
    [
        ("card_no", pa.string()),
        ("bank_account", pa.string()),
        ("chip_no", pa.string()),
        ("made_time", pa.timestamp("s")),
        ("kiosk", pa.bool_()),
    ]
)


def _recent_cards(conn, d: Day) -> pa.Table:
    since = d.day - timedelta(days=15)
    query = f"""SELECT c.aaz500, c.aae010, c.chipno, a.provincetime, a.sqqd = '02' FROM kgl_card c
                JOIN kgl_apply a ON a.aaz500 = c.aaz500
                WHERE a.provincetime >= DATE '{since}' ORDER BY c.aaz500"""
    return read_table(conn, query, _RECENT_SCHEMA)


def _writebacks(d: Day, recent: pa.Table, made: pa.Table) -> pa.Table:
    """回盘 attempts made today, for the cards made in the last two weeks."""
    cards = pa.concat_tables([recent, made.select(_RECENT_SCHEMA.names).cast(_RECENT_SCHEMA)])
    serial = pa.array([int(c[1:]) for c in cards["card_no"].to_pylist()], pa.int64())
    attempts = writeback_table(d.seed, cards.append_column("serial", serial), d.end)
    today = pc.greater(attempts["attempt_time"], pa.scalar(d.prev_end.astype(object), pa.timestamp("s")))
    return card_system.writeback_rows(attempts.filter(today))


_BATCH_SCHEMA = pa.schema([("batchno", pa.string()), ("aae008", pa.string()), ("zksj", pa.timestamp("s"))])


def _open_batches(conn, d: Day) -> pa.Table:
    since = d.day - timedelta(days=10)
    query = f"""SELECT batchno, aae008, zksj FROM kgl_batch
                 WHERE jssj IS NULL AND zksj >= DATE '{since}' ORDER BY batchno"""
    return read_table(conn, query, _BATCH_SCHEMA)


def _batch_updates(d: Day, batches: pa.Table) -> list:
    """Batches the city receives today (市级接收)."""
    from simulators.advance_cards import bank_index

    made = batches["zksj"].to_numpy().astype("datetime64[s]")
    city = batch_city_time(d.seed, made, bank_index(batches["aae008"]))
    today = (city > d.prev_end) & (city <= d.end)
    when = clock.ts_array(city[today])
    rows = pa.table({"batchno": batches["batchno"].filter(pa.array(today)), "jssj": when, "aae036": when})
    return [(card_system.DATABASE, "kgl_batch", "batchno", rows)] if rows.num_rows else []


def _write(inserts: dict, updates: list, dctx: dirt.DirtContext) -> list[str]:
    """Apply the day's updates and inserts, database by database; returns their digests in order."""
    digests = []
    for database in SYSTEMS:
        digest = hashlib.sha256(database.encode())
        manifest = dctx.manifests_for(database)
        with connect(database) as conn:
            for db_, table, key, rows in updates:
                if db_ == database:
                    digest.update(f"update {table}\n".encode())
                    update_rows(conn, table, key, rows, digest)
            for table, rows in inserts.get(database, {}).items():
                digest.update(f"insert {table}\n".encode())
                copy_rows(conn, table, rows, digest)
            copy_rows(conn, "dirt_manifest", manifest, digest)
        digests.append(digest.hexdigest())
    state.append_manifest_file(dirt.manifest_table(dctx.manifests))
    return digests


def update_rows(conn, table: str, key: str, rows: pa.Table, digest=None) -> None:
    """UPDATE `table` from `rows` (key + new values) through a temporary table filled by COPY."""
    if not rows.num_rows:
        return
    cols = ", ".join(rows.column_names)
    conn.execute(f"CREATE TEMP TABLE _upd AS SELECT {cols} FROM {table} WITH NO DATA")
    copy_rows(conn, "_upd", rows, digest)
    sets = ", ".join(f"{c} = _upd.{c}" for c in rows.column_names if c != key)
    conn.execute(f"UPDATE {table} AS t SET {sets} FROM _upd WHERE t.{key} = _upd.{key}")
    conn.execute("DROP TABLE _upd")
