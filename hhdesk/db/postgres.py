"""Agency mode's engine: one PostgreSQL database that the whole team shares, reached only over verified TLS.

A workstation is given a libpq URL (``postgresql://HOST:PORT/DB?sslmode=verify-full&sslrootcert=CA.crt``);
the person's own user name and password log in to PostgreSQL itself (SCRAM-SHA-256), so there is no shared
application password anywhere. Every connection insists on ``sslmode=verify-full`` against the pinned
certificate and ``channel_binding=require``, whatever the URL says; a weaker URL is refused before any
byte is sent. Driver errors become one sentence in the user's words (`describe_connection_error`).

A server that moves while a session is open (an agency's host given a new address by the router) is found
again by the store's ``find_again`` hook, which the services give it: every new connection of the pool asks
it where the server went when the address it knows does not answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from hhdesk.errors import (
    InsecureConnection,
    ServerUnreachable,
    StoreTooNew,
    UserError,
    WrongPassword,
)

if TYPE_CHECKING:
    import psycopg

URL_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_SECONDS = 10
# Parameters that would weaken or sidestep the checks below; a URL carrying them is refused.
_FORBIDDEN_PARAMETERS = {
    "password": "The server address must not contain a password: hhdesk asks for it, or reads HHDESK_PASSWORD.",
    "passfile": "The server address must not name a password file: hhdesk asks for the password.",
    "sslcompression": "The server address must not turn on TLS compression.",
    "gssencmode": "The server address must not ask for Kerberos encryption: hhdesk uses TLS only.",
}


def is_server_url(text: str | Path | None) -> bool:
    """Whether a --store value names a PostgreSQL server rather than a store file."""
    return text is not None and str(text).lower().startswith(URL_SCHEMES)


@dataclass(frozen=True)
class ServerAddress:
    """A checked libpq URL: where the agency's database is and which certificate proves it."""

    url: str
    host: str
    port: str
    database: str
    url_user: str
    root_certificate: Path
    hostaddr: str = ""  # the address to reach while verifying the certificate for ``host`` ("" to look it up)

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """Check the URL; raise InsecureConnection or UserError with one sentence if it will not do."""
        from psycopg.conninfo import conninfo_to_dict

        if not is_server_url(text):
            raise UserError(f"{text} is not a server address: it starts with postgresql://.")
        try:
            params = conninfo_to_dict(text)
        except Exception:  # psycopg.ProgrammingError, with the URL in its text
            raise UserError("The server address is not a valid postgresql:// URL; check it with your "
                            "administrator.") from None
        for name, sentence in _FORBIDDEN_PARAMETERS.items():
            if params.get(name):
                raise InsecureConnection(sentence)
        sslmode = str(params.get("sslmode") or "verify-full")
        if sslmode != "verify-full":
            raise InsecureConnection(
                f"The server address asks for sslmode={sslmode}: hhdesk connects to a server only with "
                "TLS and a verified certificate (sslmode=verify-full)."
            )
        binding = str(params.get("channel_binding") or "require")
        if binding != "require":
            raise InsecureConnection(
                f"The server address asks for channel_binding={binding}: hhdesk requires channel binding "
                "(channel_binding=require)."
            )
        root = params.get("sslrootcert")
        if not root or root == "system":
            raise InsecureConnection(
                "The server address does not name the server's certificate: add "
                "sslrootcert=PATH-TO-THE-CERTIFICATE-FILE that your administrator gave you."
            )
        host = str(params.get("host") or "")
        if not host or host.startswith("/"):
            raise InsecureConnection("The server address names no server: hhdesk connects over TLS to a "
                                     "host name, not a local socket.")
        return cls(url=text, host=host, port=str(params.get("port") or "5432"),
                   database=str(params.get("dbname") or ""), url_user=str(params.get("user") or ""),
                   root_certificate=Path(str(root)).expanduser(), hostaddr=str(params.get("hostaddr") or ""))

    @property
    def display(self) -> str:
        """The address without its query, for messages: host:port/database."""
        return f"{self.host}:{self.port}/{self.database}"


def connect(address: ServerAddress, user: str, password: str, **options: Any) -> psycopg.Connection:
    """A verified-TLS, SCRAM, channel-bound connection as this user. Raises a UserError in plain words."""
    import psycopg

    if not address.root_certificate.is_file():
        raise InsecureConnection(
            f"The server's certificate file {address.root_certificate} does not exist: copy the file your "
            "administrator gave you there, or correct sslrootcert in the address."
        )
    try:
        return psycopg.connect(
            address.url, user=user, password=password, sslmode="verify-full",
            sslrootcert=str(address.root_certificate), channel_binding="require",
            connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name="hhdesk", **options,
        )
    except psycopg.OperationalError as exc:
        raise describe_connection_error(exc, address, user) from None


def describe_connection_error(exc: Exception, address: ServerAddress, user: str) -> UserError:
    """libpq's error for a failed connection, as one sentence that says which usual cause it was."""
    text = str(exc)
    lowered = text.lower()
    where = address.display
    if "password authentication failed" in lowered or "password must be" in lowered:
        return WrongPassword(f"Wrong user name or password for the server at {where}.")
    if "certificate verify failed" in lowered or "self-signed certificate" in lowered:
        return InsecureConnection(
            f"The server at {where} showed a certificate that this workstation does not trust: the server's "
            "certificate has changed or this is not your agency's server; ask your administrator for the "
            "current certificate file."
        )
    if "does not match host name" in lowered:
        return InsecureConnection(
            f"The server's certificate is not made out to the name {address.host}: connect by the name in "
            "the certificate (ask your administrator which)."
        )
    if "server does not support ssl" in lowered or "ssl was required" in lowered:
        return InsecureConnection(f"The server at {where} does not offer TLS, so hhdesk will not connect: "
                                  "ask your administrator to turn TLS on.")
    if "channel binding" in lowered:
        return InsecureConnection(
            f"The server at {where} did not prove itself with channel binding (it must use scram-sha-256 "
            "over TLS): ask your administrator."
        )
    if "root certificate file" in lowered or "could not read certificate" in lowered:
        return InsecureConnection(f"The certificate file {address.root_certificate} cannot be read: copy the "
                                  "file your administrator gave you there.")
    if "no pg_hba.conf entry" in lowered:
        return ServerUnreachable(f"The server at {where} does not let {user} connect from this workstation: "
                                 "ask your administrator to allow it.")
    if "is not permitted to log in" in lowered:
        return WrongPassword(f"The account {user} is disabled on the server. Ask your administrator.")
    if "database" in lowered and "does not exist" in lowered:
        return ServerUnreachable(f"There is no database {address.database!r} on the server at "
                                 f"{address.host}:{address.port}: check the address.")
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return ServerUnreachable(f"The server name {address.host} is not known on this network: check the "
                                 "address, or the network connection.")
    if "timeout expired" in lowered or "timed out" in lowered:
        return ServerUnreachable(f"The server at {address.host}:{address.port} did not answer in time: it may "
                                 "be switched off, or a firewall blocks the port.")
    if "connection refused" in lowered or "could not connect" in lowered:
        return ServerUnreachable(f"No database server answers at {address.host}:{address.port}: the server's "
                                 "database service may be stopped, or the address or port is wrong.")
    if "too many connections" in lowered or "starting up" in lowered or "shutting down" in lowered:
        return ServerUnreachable(f"The server at {where} is busy or restarting: try again in a minute.")
    return ServerUnreachable(f"The server at {where} refused the connection; ask your administrator "
                             "(the server's log says why).")


AUDIT_TRIGGERS = ("audit_events_chain", "audit_events_no_update", "audit_events_no_delete", "audit_events_no_truncate")


def safeguard_problems(session: Session) -> list[str]:
    """What `hhdesk verify` checks on a server instead of a file's encryption: this connection is TLS, the
    audit log's triggers are in place and on, and no hhdesk group may update, delete or truncate it."""
    problems = []
    connection = session.connection()
    tls = connection.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar()
    if not tls:
        problems.append("this connection to the server is not encrypted")
    return problems + audit_safeguard_problems(session)


def audit_safeguard_problems(session: Session) -> list[str]:
    """The audit log's triggers are in place and on, and no hhdesk group may update, delete or truncate it."""
    problems = []
    connection = session.connection()
    enabled = dict(connection.exec_driver_sql(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.audit_events'::regclass").all())
    for trigger in AUDIT_TRIGGERS:
        if trigger not in enabled:
            problems.append(f"the audit log's safeguard {trigger} is missing")
        elif enabled[trigger] == "D":
            problems.append(f"the audit log's safeguard {trigger} is switched off")
    rows = connection.exec_driver_sql(
        "SELECT r.rolname, p.privilege FROM pg_roles r CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) "
        "AS p(privilege) WHERE starts_with(r.rolname, current_database() || '_') "
        "AND has_table_privilege(r.oid, 'public.audit_events', p.privilege)").all()
    problems += [f"the role {name} may {privilege} the audit log" for name, privilege in rows]
    return problems


def server_error_reason(exc: Exception) -> str | None:
    """The first line of what the server said, for an error from the driver; None for any other error."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if orig is None or not type(orig).__module__.startswith("psycopg"):
        return None
    return (str(orig).splitlines() or ["no reason given"])[0]


def server_keeps_audit_chain(session: Session) -> bool:
    """On an agency's server a trigger links audit events (see the initial migration); in a file, hhdesk does."""
    return session.get_bind().dialect.name == "postgresql"


def make_engine(address: ServerAddress, user: str, password: str | Callable[[], str]) -> Engine:
    """A pooled SQLAlchemy engine whose every connection is made by `connect` (``password`` may be a function,
    so that connections made after a password change use the new one)."""
    return _pooled_engine(lambda: connect(address, user, password() if callable(password) else password))


def _pooled_engine(creator: Callable[[], psycopg.Connection]) -> Engine:
    return create_engine(
        "postgresql+psycopg://",
        creator=creator,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=4,
        # A pooled connection the server or the network dropped (the host restarted, or moved) is found at
        # checkout and replaced by a new one, instead of failing the next read or save.
        pool_pre_ping=True,
        # A failed statement's message then names the SQL but not its values (member data).
        hide_parameters=True,
    )


# Asked with the address that did not answer; gives the address to connect to instead (the same one when the
# server is still there, so that the first failure stands), or raises a UserError saying why it is nowhere.
FindAgain = Callable[[ServerAddress], ServerAddress]


@dataclass
class ServerStore:
    """An open agency database: the same session interface as a store file (`hhdesk.db.store.Store`).

    One engine serves both kinds of session: PostgreSQL's row versions let readers and writers run
    side by side, so there is no write lock to take up front as there is in a file. ``address`` is where
    the server answered last: ``find_again``, when given, moves it when the server moved.
    """

    address: ServerAddress
    username: str
    password: str = field(repr=False)
    path: None = None  # no file: backups and file checks do not apply (see README, agency mode)
    find_again: FindAgain | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.writer = _pooled_engine(self.new_connection)
        self.reader = self.writer
        self._sessions = sessionmaker(self.writer, expire_on_commit=False)

    @classmethod
    def open(cls, address: ServerAddress, username: str, password: str,
             find_again: FindAgain | None = None) -> ServerStore:
        """Log in and check the database holds an agency at this program's schema; raise a UserError."""
        store = cls(address, username, password, find_again=find_again)
        try:
            conn = store.new_connection()
            try:
                check_schema(conn, store.address)
            finally:
                conn.close()
        except BaseException:
            store.close()
            raise
        return store

    def new_connection(self) -> psycopg.Connection:
        """A connection where the server answers now (the pool's creator): at the last address, else, when it
        does not answer there, where ``find_again`` finds the server, which is then the address from now on."""
        address = self.address
        try:
            return connect(address, self.username, self.password)
        except ServerUnreachable:
            if self.find_again is None:
                raise
            elsewhere = self.find_again(address)
            if elsewhere == address:  # the server is there but said no (busy, not allowed): that sentence
                raise
        self.address = elsewhere
        return connect(elsewhere, self.username, self.password)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def key_was_rotated(self) -> bool:
        """A server has no store key to rotate (the file's `Store` does)."""
        return False

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction that sees one moment of the whole database (for a backup), however long
        it takes and whatever the other workstations commit meanwhile."""
        with snapshot(self.writer) as connection:
            yield connection

    def close(self) -> None:
        self.writer.dispose()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only, repeatable-read transaction on ``engine``: one moment of the whole database."""
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            yield connection


def schema_revision(conn: psycopg.Connection) -> str | None:
    """The database's Alembic revision, or None when it holds no hhdesk schema."""
    exists = conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def is_older_schema(revision: str | None) -> bool:
    """Whether ``revision`` is one of this program's, before its newest (an upgrade brings it up)."""
    from alembic.script import ScriptDirectory

    from hhdesk.db.store import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    return revision in known and revision != script.get_current_head()


def check_schema(conn: psycopg.Connection, address: ServerAddress) -> None:
    from alembic.script import ScriptDirectory

    from hhdesk.db.store import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    current = schema_revision(conn)
    if current is None:
        raise UserError(f"The database at {address.display} holds no hhdesk agency yet: create one with "
                        "'hhdesk init --store URL --org NAME --admin USER'.")
    if current == script.get_current_head():
        return
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise StoreTooNew("The agency's database was set up by a newer version of hhdesk. Install the latest "
                          "hhdesk on this workstation; nothing was changed.")
    raise StoreTooNew("The agency's database is older than this version of hhdesk. Ask your administrator "
                      "to upgrade it ('hhdesk server upgrade --store URL') before this workstation uses it; "
                      "nothing was changed.")


def migrate_in(connection: Connection) -> None:
    """Bring an agency's schema to this program's head in the caller's transaction (its owner only)."""
    from alembic import command

    from hhdesk.db.store import _alembic_config

    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def owns_schema(conn: psycopg.Connection) -> bool:
    """Whether this login may alter the agency's tables: it owns them (or is the server's superuser)."""
    row = conn.execute("SELECT pg_has_role(session_user, c.relowner, 'USAGE') FROM pg_class c "
                       "WHERE c.oid = 'public.alembic_version'::regclass").fetchone()
    return bool(row and row[0])


def upgrade_schema(connection: Connection, database: str, expected: str) -> bool:
    """Bring an agency at revision ``expected`` to this program's schema, in the caller's transaction.

    Holds the schema's version row locked while it works, so two upgrades cannot run over each other; returns
    False, changing nothing, when the schema is no longer at ``expected`` (someone else upgraded it). The
    groups' privileges and the account functions are then made again, exactly as setting up gives them.
    """
    from hhdesk.db import roles

    raw: psycopg.Connection = connection.connection.dbapi_connection  # type: ignore[assignment]
    raw.execute("LOCK TABLE alembic_version IN EXCLUSIVE MODE")
    if schema_revision(raw) != expected:
        return False
    migrate_in(connection)
    roles.grant_privileges(raw, database)
    roles.create_account_functions(raw, database)
    return True
