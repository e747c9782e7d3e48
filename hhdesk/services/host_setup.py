"""The agency's host computer: setting it up once, then its status, backups, restores and checks.

``setup_host`` does in one sitting what an administrator would otherwise do by hand: check the computer,
create and start a PostgreSQL cluster in the data folder (hhdesk.db.cluster), create the agency in it with
the same code as ``hhdesk init --store URL`` (or move a store file up, as ``hhdesk server import``), give the
agency its id, and write the join file that each workstation needs. The PostgreSQL superuser's password is
random, used over TLS for the setup only, and sealed under the agency's recovery key (hhdesk.db.host_keys).

Afterwards the host's own commands reach the server through its private socket (see hhdesk.db.cluster),
so the nightly backup needs nobody's password: it seals each backup to the first administrator's slot and
the recovery slot (hhdesk.db.host_keys), in the same ``.hhbak`` format as a store's backup.

Only one host per agency: a setup is refused when the data folder already holds one, when the join file to
be written names a host of an agency that still answers on the network, and when the store to import was
already moved to a host (the store remembers the agency id it was given).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from hhdesk import __version__
from hhdesk.clock import AGENCY_ZONE, Clock
from hhdesk.config import keyslots_path
from hhdesk.db import cluster_upgrade, host_keys, host_service, postgres
from hhdesk.db.cluster import (
    DATABASE,
    FIXED_NAME,
    MAINTENANCE_SECRET_FILE,
    SUPERUSER,
    ClusterProblem,
    HostCluster,
    current_addresses,
)
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.models import Agency
from hhdesk.db.postgres import ServerAddress
from hhdesk.domain.passwords import password_problems
from hhdesk.errors import StoreExists, UserError, ValidationFailed, WrongPassword
from hhdesk.services import (
    agency,
    audit,
    host_firewall,
    host_retention,
    host_schedule,
    server_import,
    server_restore,
    users,
)
from hhdesk.services.host_checks import HostCheck, check_host
from hhdesk.services.join_file import JoinDetails, read_join_file, server_url, write_join_file
from hhdesk.services.settings import AgencyInfo

Progress = Callable[[str], None]
PROBE_SECONDS = 2.0
DEFAULT_STAFF, MINIMUM_STAFF, MAXIMUM_STAFF = 15, 1, 200


@dataclass(frozen=True)
class HostSetupRequest:
    data_dir: Path
    org: str
    admin: str
    admin_password: str = field(repr=False)
    join_file: Path
    port: int = 5432
    import_store: Path | None = None
    import_password: str | None = field(default=None, repr=False)
    allow_unencrypted_disk: str | None = None
    # The addresses workstations reach the host at (default: this computer's current ones, loopback last).
    addresses: tuple[str, ...] | None = None
    # Register the database service with the system's service manager (hhdesk.db.host_service).
    start_at_boot: bool = True
    # Schedule the nightly backup with the operating system (hhdesk.services.host_schedule), its files in
    # ``schedule_folder`` (None: where the system reads them).
    nightly_backup: bool = True
    schedule_folder: Path | None = None
    # How many people will use hhdesk at once: the server's connection limit is sized for them.
    staff: int = DEFAULT_STAFF
    # How the host's own commands reach the server (hhdesk.db.cluster: "peer" or "password"; None: what
    # this system can do).
    local_access: str | None = None


@dataclass(frozen=True)
class HostSetupReport:
    join_file: Path
    fingerprint: str
    url: str
    checks: list[HostCheck]
    # A new recovery key, to print and lock away (shown once); None when an imported store's key carries over.
    recovery_key: str | None = field(default=None, repr=False)
    agency_id: str = ""
    # Whether the service starts with the computer, or what the administrator must do for it.
    at_boot: str = ""
    # Whether the nightly backup is scheduled, or what the administrator must run for it.
    nightly_backup: str = ""
    # What was opened in the firewall, or what the administrator must allow.
    firewall: str = ""


@dataclass(frozen=True)
class HostStatus:
    running: bool
    version: str
    connections: int | None
    last_backup: datetime | None
    last_backup_file: Path | None
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class HostVerifyReport:
    audit_events: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- setting up ------------------------------------------------------------------------------------------
def setup_host(request: HostSetupRequest, progress: Progress = lambda _step: None) -> HostSetupReport:
    """Make this computer the agency's host; every step is undone if one fails. Raises a UserError."""
    progress("Checking this computer")
    checks = check_host(request.data_dir)
    override = _blocking_findings(checks, request.allow_unencrypted_disk)
    org = request.org
    if request.import_store is not None:
        org = _check_store_to_import(request.import_store, request.admin, request.import_password or "")
    problems = agency.setup_problems(AgencyInfo(name=org), request.admin, request.admin_password) \
        if request.import_store is None else []
    if not MINIMUM_STAFF <= request.staff <= MAXIMUM_STAFF:
        problems.append(f"The team's size must be between {MINIMUM_STAFF} and {MAXIMUM_STAFF} people.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    _refuse_second_host(request.data_dir, request.join_file)
    keys_path = request.data_dir / host_keys.FILE_NAME
    if request.import_store is not None:
        existing = KeySlots.load(keyslots_path(request.import_store))
        slots, superuser_password = host_keys.from_existing_slots(keys_path, existing, request.admin)
        recovery_key = None
    else:
        slots, recovery_key, superuser_password = host_keys.for_new_agency(keys_path, request.admin,
                                                                           request.admin_password)
    agency_id = str(uuid.uuid4())
    with _undone_on_failure(HostCluster(request.data_dir), keys_path) as cluster:
        details, address = _start_cluster(cluster, request.port, request.addresses, superuser_password, org,
                                          agency_id, progress, request.local_access, request.staff)
        progress("Creating the agency's database")
        if request.import_store is not None:
            server_import.import_store(request.import_store, request.admin, request.import_password or "",
                                       address, SUPERUSER, superuser_password)
        else:
            agency.create_agency(address, SUPERUSER, superuser_password, AgencyInfo(name=org), request.admin,
                                 request.admin_password)
        _record_host(cluster, agency_id, "set up", checks, override)
        host_keys.save(slots, keys_path)
        progress("Writing the join file")
        write_join_file(request.join_file, details)
    if request.import_store is not None:
        _mark_store_moved(request.import_store, request.admin, request.import_password or "", agency_id)
    return HostSetupReport(request.join_file, details.fingerprint, address.url, checks, recovery_key, agency_id,
                           *_hand_to_the_system(cluster, details, request.start_at_boot, request.nightly_backup,
                                                request.schedule_folder))


def _hand_to_the_system(cluster: HostCluster, details: JoinDetails, start_at_boot: bool, nightly_backup: bool,
                        schedule_folder: Path | None) -> tuple[str, str, str]:
    """What a new host asks of its computer: the service manager, the nightly backup, the firewall. Returns a
    sentence for each, saying what was done or what the administrator must do."""
    at_boot = host_service.register_at_boot(cluster) if start_at_boot else ""
    nightly = _schedule_backups(cluster.data_dir, schedule_folder) if nightly_backup else ""
    firewall = host_firewall.open_port(details.port, cluster.program("postgres"), details.addresses)
    return at_boot, nightly, firewall


def _schedule_backups(data_dir: Path, folder: Path | None) -> str:
    """Schedule the nightly backup; a scheduler that refuses leaves the host working, with what to run said."""
    try:
        return host_schedule.install_backup_schedule(data_dir, target_dir=folder).message
    except (OSError, UserError) as exc:
        return (f"The nightly backup could not be scheduled ({exc.strerror if isinstance(exc, OSError) else exc}): "
                f"run 'hhdesk host backup --data-dir {data_dir}' every night from the system's scheduler.")


def _blocking_findings(checks: list[HostCheck], allow_unencrypted_disk: str | None) -> str:
    """Refuse on a blocking finding, except unconfirmed disk encryption with the administrator's typed reason
    (returned, for the audit log)."""
    reason = (allow_unencrypted_disk or "").strip()
    for check in checks:
        if check.ok is True or not check.blocking:
            continue
        if "encrypt" in check.name.lower() and reason:
            continue
        hint = (" To go on without it, give the reason: --allow-unencrypted-disk REASON (it is written to the "
                "audit log).") if "encrypt" in check.name.lower() else ""
        raise UserError(f"{check.finding}{hint} Nothing was changed.")
    return reason


def _check_store_to_import(store: Path, admin: str, password: str) -> str:
    """Log in to the store (its administrator); refuse one already moved to a host. Returns its agency name."""
    app = users.login(store, admin, password)
    try:
        with app.read(None) as session:
            row = session.execute(select(Agency.name, Agency.agency_id)).first()
    finally:
        app.close()
    if row is not None and row.agency_id:
        raise StoreExists(f"This store was already moved to the agency's host (agency id {row.agency_id}): the "
                          "agency has a host. Join it with its join file instead; nothing was changed.")
    return row.name if row is not None else ""


def _refuse_second_host(data_dir: Path, join_file: Path) -> None:
    if HostCluster(data_dir).exists():
        raise StoreExists(f"{data_dir} already holds an hhdesk host; nothing was changed.")
    if not join_file.exists():
        return
    try:
        details = read_join_file(join_file)
    except UserError:
        return  # not a join file we could read: it is replaced as any other file
    answering = next((a for a in details.addresses if _answers(a, details.port)), None)
    if answering is not None:
        raise StoreExists(
            f"{join_file.name} belongs to the host of {details.organization} (agency id {details.agency_id}), "
            f"which answers at {answering}: an agency has one host. Give workstations that join file, or move "
            "the host with 'hhdesk host backup' and 'hhdesk host restore'; nothing was changed.")


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=PROBE_SECONDS):
            return True
    except OSError:
        return False


def _start_cluster(cluster: HostCluster, port: int, addresses: tuple[str, ...] | None, superuser_password: str,
                   org: str, agency_id: str, progress: Progress, local_access: str | None = None,
                   staff: int = DEFAULT_STAFF) -> tuple[JoinDetails, ServerAddress]:
    known = list(addresses or current_addresses())
    if _answers("127.0.0.1", port):
        raise UserError(f"Another program already uses port {port} on this computer (another database server?): "
                        "choose another port with --port; nothing was changed.")
    progress("Creating the database cluster")
    settings = cluster.create(port=port, addresses=known, superuser_password=superuser_password,
                              local_access=local_access, staff=staff)
    progress("Starting the database service")
    cluster.start()
    with cluster.superuser_connect("postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    details = JoinDetails(agency_id=agency_id, organization=org, host_name=FIXED_NAME, addresses=tuple(known),
                          port=port, database=DATABASE, certificate_pem=cluster.certificate_pem(),
                          computer_name=settings.computer_name)
    loopback = "127.0.0.1"  # the setup talks to its own server over TLS as workstations will
    return details, ServerAddress.parse(server_url(details, cluster.certificate_path, loopback))


@contextlib.contextmanager
def _undone_on_failure(cluster: HostCluster, keys_path: Path) -> Iterator[HostCluster]:
    """A failed setup stops the service and removes what it made, so it can simply be run again."""
    made = [cluster.pgdata, cluster.socket_dir, cluster.log_dir, cluster.certificate_path, cluster.settings_path,
            cluster.data_dir / MAINTENANCE_SECRET_FILE, keys_path]
    try:
        yield cluster
    except BaseException:
        with contextlib.suppress(UserError, OSError):
            if cluster.settings_path.exists():
                cluster.stop()
        for path in made:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        raise


def _record_host(cluster: HostCluster, agency_id: str | None, what: str, checks: list[HostCheck],
                 override: str) -> str:
    """Give the agency its id (unless it has one) and write the host's set-up to the audit log. Returns the id."""
    findings = [f"{check.name}: {'ok' if check.ok else 'not confirmed' if check.ok is None else 'failed'}"
                for check in checks]
    detail = f"host {what} (hhdesk {__version__}, port {cluster.settings.port}); " + "; ".join(findings)
    if override:
        detail += f"; disk encryption overridden by the administrator: {override}"
    with _superuser_engine(cluster) as engine, Session(engine) as session, session.begin():
        current = session.execute(select(Agency.agency_id)).scalar_one()
        if not current:
            current = agency_id or str(uuid.uuid4())
            session.execute(update(Agency).values(agency_id=current))
        audit.append(session, SUPERUSER, "host_set_up" if what == "set up" else "host_restored", "store",
                     detail=detail[:1000])
    return current


def _mark_store_moved(store: Path, admin: str, password: str, agency_id: str) -> None:
    """The store remembers that it moved to the agency's host, so a second host cannot be made from it."""
    app = users.login(store, admin, password)
    try:
        with app.work(None) as uow:
            uow.session.execute(update(Agency).values(agency_id=agency_id))
            uow.audit("store_moved_to_host", "store", detail=f"agency id {agency_id}")
    finally:
        app.close()


@contextlib.contextmanager
def _superuser_engine(cluster: HostCluster) -> Iterator[Engine]:
    engine = create_engine("postgresql+psycopg://", creator=cluster.superuser_connect, poolclass=NullPool,
                           hide_parameters=True)
    try:
        yield engine
    finally:
        engine.dispose()


# ---- running ---------------------------------------------------------------------------------------------
def host_start(data_dir: Path) -> None:
    host_service.start(HostCluster(data_dir))


def host_stop(data_dir: Path) -> None:
    host_service.stop(HostCluster(data_dir))


def host_status(data_dir: Path) -> HostStatus:
    """Whether the service runs, its version, the connections to the agency's database, the newest backup and
    the free space on the data folder's disk."""
    cluster = HostCluster(data_dir)
    cluster.settings  # noqa: B018 - a folder without a host is refused with its sentence
    running = cluster.is_running()
    connections = None
    if running:
        with cluster.superuser_connect() as conn:
            connections = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()", (DATABASE,)).fetchone()[0]  # type: ignore[index]
    newest = max(_backups(data_dir), key=lambda p: p.stat().st_mtime, default=None)
    disk = shutil.disk_usage(data_dir)
    return HostStatus(running, cluster.version(), connections,
                      datetime.fromtimestamp(newest.stat().st_mtime, AGENCY_ZONE) if newest else None, newest,
                      disk.free, disk.total)


def _backups(data_dir: Path) -> list[Path]:
    folder = host_retention.backups_folder(data_dir)
    return sorted(p for p in folder.iterdir() if host_retention.backup_moment(p.name)) if folder.is_dir() else []


def host_backup(data_dir: Path, out: Path | None = None, *, clock: Clock) -> Path:
    """An encrypted backup of the agency's database, with nobody's password (see hhdesk.db.host_keys): into
    the data folder's backups/ by default. Returns the file."""
    cluster = HostCluster(data_dir)
    slots = host_keys.load(data_dir / host_keys.FILE_NAME)
    nightly = out is None
    out = out or host_retention.backups_folder(data_dir) / host_retention.backup_file_name(clock.now())
    if out.exists():
        raise StoreExists(f"{out} already exists; nothing was changed.")
    owner = next(name for name in slots.usernames())
    with _superuser_engine(cluster) as engine:
        with postgres.snapshot(engine) as source:
            from hhdesk.services.server_backup import write_backup_from

            digest = write_backup_from(source, owner, _throwaway_password(), out, key_slots=slots)
        with Session(engine) as session, session.begin():
            audit.append(session, SUPERUSER, "backup", "store",
                         detail=f"{out.name} sha256 {digest[:16]}, by the host")
    if nightly:
        host_retention.prune_backups(data_dir)
    return out


def _throwaway_password() -> str:
    import secrets

    return secrets.token_urlsafe(24)  # the copy's own slot, replaced by the host's slots before packing


def host_restore(data_dir: Path, backup: Path, *, admin: str, admin_password: str, join_file: Path,
                 port: int = 5432, addresses: tuple[str, ...] | None = None, start_at_boot: bool = True,
                 nightly_backup: bool = True, recovery_key: str | None = None,
                 progress: Progress = lambda _step: None) -> HostSetupReport:
    """Make a new host in ``data_dir`` from a backup (of a host, a server or a store file): a new cluster, the
    backup's data checked on arrival, the agency's id kept, and a new join file (the new host has a new
    certificate). ``admin`` is an administrator whose password opens the backup; or, with the agency's
    ``recovery_key`` (the administrator left, or forgot it), ``admin_password`` is the administrator's NEW
    password, which the key sets (and the audit log records) before anything is made here.

    The backup is restored and checked as a store file in a private temporary folder first, so a wrong
    password or key, or a damaged backup, is refused before the cluster exists; the host's key file is then
    made from that copy's slots (the administrator's, as restored, and the recovery slot)."""
    if recovery_key is not None:
        problems = password_problems(admin, admin_password)
        if problems:
            raise ValidationFailed(f"The new password for {admin}: {problems[0]} Nothing was changed.", problems)
    _refuse_second_host(data_dir, join_file)
    keys_path = data_dir / host_keys.FILE_NAME
    progress("Checking the backup")
    with server_restore.staged_restore(backup, admin, admin_password, recovery_key=recovery_key) as staged:
        restored_slots = KeySlots.load(keyslots_path(staged))
        slots, superuser_password = host_keys.from_existing_slots(keys_path, restored_slots, admin)
        with _undone_on_failure(HostCluster(data_dir), keys_path) as cluster:
            details, address = _start_cluster(cluster, port, addresses, superuser_password, "", "", progress)
            progress("Restoring the backup")
            server_import.import_store(staged, admin, admin_password, address, SUPERUSER, superuser_password)
            agency_id = _record_host(cluster, None, "restored from a backup", [], "")
            with _superuser_engine(cluster) as engine, Session(engine) as session:
                org = session.execute(select(Agency.name)).scalar_one()
            details = replace(details, agency_id=agency_id, organization=org)
            host_keys.save(slots, keys_path)
            write_join_file(join_file, details)
    return HostSetupReport(join_file, details.fingerprint, address.url, [], None, agency_id,
                           *_hand_to_the_system(cluster, details, start_at_boot, nightly_backup, None))


def host_upgrade(data_dir: Path, recovery_key: str, *, clock: Clock,
                 progress: Progress = lambda _step: None) -> cluster_upgrade.UpgradeReport:
    """Move the host to the newest PostgreSQL installed on this computer (a new major version), a backup first.

    The upgrade's own servers let only the superuser in, by password, so it takes the agency's recovery key,
    which opens that password (hhdesk.db.host_keys): an upgrade is rare and done by whoever keeps the key."""
    cluster = HostCluster(data_dir)
    settings = cluster.settings
    try:
        password = host_keys.superuser_password(host_keys.load(data_dir / host_keys.FILE_NAME), recovery_key)
    except WrongPassword:
        raise WrongPassword("That is not the agency's recovery key (the one printed when the host was set up); "
                            "nothing was changed.") from None
    plan = cluster_upgrade.plan_upgrade(cluster_upgrade.cluster_major(cluster.pgdata),
                                        cluster_upgrade.find_installs())
    if plan.action == "nothing":
        return cluster_upgrade.UpgradeReport("nothing", plan.message)
    if plan.action == "impossible" or plan.new is None:
        raise UserError(plan.message)
    versions = {plan.new.major: plan.new.bindir, plan.current: Path(settings.binaries)}

    def start_server() -> None:
        # Called after a failure (the old cluster, unchanged) and after the swap (the new one): each starts
        # with its own version's programs, which the host and its service manager then keep using.
        programs = versions[cluster_upgrade.cluster_major(cluster.pgdata)]
        if Path(cluster.settings.binaries) != programs:
            cluster.use_binaries(programs)
            host_service.renew_registration(cluster)
        host_service.start(cluster)

    return cluster_upgrade.carry_out_upgrade(
        cluster.pgdata, plan, superuser=SUPERUSER, superuser_password=password,
        backup=lambda: host_backup(data_dir, clock=clock), stop_server=lambda: host_service.stop(cluster),
        start_server=start_server, progress=progress)


def host_verify(data_dir: Path) -> HostVerifyReport:
    """The audit chain and its safeguards, and the server's own settings: TLS 1.3, SCRAM, checksums, and no
    connection line in pg_hba.conf other than TLS ones and the private socket."""
    cluster = HostCluster(data_dir)
    with _superuser_engine(cluster) as engine, Session(engine) as session, session.begin():
        chain = audit.verify_chain(session)
        problems = [] if chain.ok else [f"the audit log is broken: {chain.problem}"]
        problems += postgres.audit_safeguard_problems(session)
        connection = session.connection()
        expected = {"ssl": "on", "ssl_min_protocol_version": "TLSv1.3", "password_encryption": "scram-sha-256",
                    "data_checksums": "on"}
        for name, value in expected.items():
            actual = connection.exec_driver_sql(f"SHOW {name}").scalar()
            if actual != value:
                problems.append(f"the server's {name} is {actual}, not {value}")
        lines = connection.exec_driver_sql(
            "SELECT line_number, type, auth_method, error FROM pg_hba_file_rules").all()
        for line, kind, method, error in lines:
            if error:
                problems.append(f"pg_hba.conf line {line} is not valid ({error})")
            elif kind not in ("hostssl", "local") or (kind == "local" and method != "peer") \
                    or (kind == "hostssl" and method not in ("scram-sha-256", "reject")):
                problems.append(f"pg_hba.conf line {line} lets {kind} connections in with {method}")
    return HostVerifyReport(chain.events, problems)


__all__ = ["ClusterProblem", "HostCheck", "HostSetupReport", "HostSetupRequest", "HostStatus", "HostVerifyReport",
           "host_backup", "host_restore", "host_start", "host_status", "host_stop", "host_verify", "setup_host"]
