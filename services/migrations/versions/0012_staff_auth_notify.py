"""staff session changes announced (`NOTIFY ykt_staff_auth`) for the workers' session caches

Revision ID: 0012_staff_auth_notify
Revises: 0001
Create Date: 2026-12-08

Every change that can end a session is announced in its own transaction, whichever code (or
person at a psql prompt) made it: a session revoked, expired, deleted or moved back in idle time;
any change of a staff account (disabled, role, region, lock, deleted); a TRUNCATE of either table.
The idle clock moving forward (`last_seen_at` touched once a minute) is not announced.
"""

from __future__ import annotations

from alembic import op

revision = "0012_staff_auth_notify"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = """
create function staff_session_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('ykt_staff_auth', 's:' || old.token_hash);
  return null;
end $$;

create trigger staff_session_notify after update on staff_session for each row
  when (old.revoked_at is distinct from new.revoked_at
        or old.expires_at is distinct from new.expires_at
        or old.user_id is distinct from new.user_id
        or old.token_hash is distinct from new.token_hash
        or new.last_seen_at < old.last_seen_at)
  execute function staff_session_notify();
create trigger staff_session_notify_delete after delete on staff_session for each row
  execute function staff_session_notify();

create function staff_user_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('ykt_staff_auth', 'u:' || old.id);
  return null;
end $$;

create trigger staff_user_notify after update or delete on staff_user for each row
  execute function staff_user_notify();

create function staff_auth_notify_all() returns trigger language plpgsql as $$
begin
  perform pg_notify('ykt_staff_auth', '*');
  return null;
end $$;

create trigger staff_session_notify_truncate after truncate on staff_session
  for each statement execute function staff_auth_notify_all();
create trigger staff_user_notify_truncate after truncate on staff_user
  for each statement execute function staff_auth_notify_all();
"""

DOWNGRADE = """
drop trigger staff_user_notify_truncate on staff_user;
drop trigger staff_session_notify_truncate on staff_session;
drop function staff_auth_notify_all();
drop trigger staff_user_notify on staff_user;
drop function staff_user_notify();
drop trigger staff_session_notify_delete on staff_session;
drop trigger staff_session_notify on staff_session;
drop function staff_session_notify();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
