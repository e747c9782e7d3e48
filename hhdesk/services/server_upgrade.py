"""Upgrading an agency's database to this program's schema (``hhdesk server upgrade --store URL``).

Who runs it: the set-up role that owns the schema (the URL's user, the role that ran ``hhdesk init``), since
only a table's owner may alter it and no hhdesk login owns a table; together with an hhdesk administrator
(``--user``), whose password keys the backup taken first, as every backup is keyed by an administrator's
password, and whose name the audit event records, since the set-up role is nobody's hhdesk account.

In order: refuse a database that holds no agency, a newer schema, or a role that does not own the schema,
changing nothing; write an encrypted backup of the database as it is (the server backup's format, at the
server's older schema, which a restore migrates like any older store); then, in one transaction, run the
migrations, give the groups exactly the privileges a fresh set-up gives, replace the account functions and
record the upgrade in the audit log. A failure anywhere in that transaction leaves the schema as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from hhdesk.clock import Clock
from hhdesk.db import postgres
from hhdesk.db.postgres import ServerAddress
from hhdesk.db.store import schema_head
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, StoreTooNew, UserError
from hhdesk.private_files import FOLDER_MODE
from hhdesk.services import audit, server_backup
from hhdesk.services.agency import setup_engine


@dataclass(frozen=True)
class UpgradeReport:
    """What an upgrade did: ``backup`` is None when the schema was already this program's."""

    from_revision: str
    to_revision: str
    backup: Path | None = None
    backup_sha256: str = ""

    @property
    def upgraded(self) -> bool:
        return self.backup is not None


def upgrade_server(address: ServerAddress, setup_user: str, setup_password: str, admin_username: str,
                   admin_password: str, backup_folder: Path, clock: Clock) -> UpgradeReport:
    """Upgrade the agency at ``address`` (see the module's docstring); raise a UserError with one sentence."""
    current = _check_administrator(address, admin_username, admin_password)
    head = schema_head()
    if current == head:
        return UpgradeReport(current, head)
    with setup_engine(address, setup_user, setup_password, "to upgrade the agency's schema") as engine:
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            if not postgres.owns_schema(raw):  # type: ignore[arg-type]
                raise PermissionDenied(
                    f"The server role {setup_user} does not own the agency's tables, so it may not upgrade them: "
                    "connect as the role that set the agency up (the one that ran 'hhdesk init'); nothing was "
                    "changed.")
        out = _backup_path(backup_folder, address, current, clock)
        with postgres.snapshot(engine) as source:
            digest = server_backup.write_backup_from(source, admin_username, admin_password, out, revision=current)
        with engine.begin() as connection:
            if not postgres.upgrade_schema(connection, address.database, current):
                raise UserError("Someone else upgraded the agency's schema meanwhile; nothing more was changed "
                                f"(the backup {out} is kept).")
            with Session(bind=connection) as session:
                audit.append(session, setup_user, "schema_upgraded", "store", detail=(
                    f"from {current} to {head} by administrator {admin_username}; backup first: {out.name} "
                    f"sha256 {digest[:16]}"))
                session.flush()
    return UpgradeReport(current, head, out, digest)


def _check_administrator(address: ServerAddress, username: str, password: str) -> str:
    """The schema's revision, once the server has taken this person's password and they are an enabled
    administrator; refuses a database without an agency, and a newer schema, changing nothing."""
    conn = postgres.connect(address, username, password)
    try:
        current = postgres.schema_revision(conn)
        try:
            postgres.check_schema(conn, address)
        except StoreTooNew:
            if not postgres.is_older_schema(current):
                raise  # a newer schema: this program cannot know how to upgrade it
        account = conn.execute("SELECT role, disabled FROM users WHERE username = %s", (username,)).fetchone()
    finally:
        conn.close()
    if account is None or account[1] or account[0] != Role.ADMIN.value:
        raise PermissionDenied(f"{username} is not an hhdesk administrator of this agency: only an administrator "
                               "upgrades its schema; nothing was changed.")
    assert current is not None
    return current


def _backup_path(folder: Path, address: ServerAddress, revision: str, clock: Clock) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    except OSError as exc:
        raise UserError(f"The backup folder {folder} cannot be made ({exc.strerror or 'unknown reason'}): choose "
                        "another with --backup-to; nothing was changed.") from None
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{address.database}-before-upgrade-{revision}-{stamp}.hhbak"
