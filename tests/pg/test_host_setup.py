"""`hhdesk host setup|start|stop|status|backup|restore|verify`, run as an administrator runs them: as separate
processes, on a real PostgreSQL cluster the setup creates in a temporary folder.

One host for the module (setting one up takes seconds); the restore makes a second one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.cli.main import main
from hhdesk.clock import FixedClock
from hhdesk.db import backup as backups
from hhdesk.db import host_keys
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.models import Agency, AuditEvent
from hhdesk.db.store import Store
from hhdesk.domain.enums import ContactMode, CoreService, Role
from hhdesk.errors import ServerUnreachable, StoreExists, UserError
from hhdesk.services import agency, caseload, contacts, host_setup, users
from hhdesk.services.agency import ServerAddress
from hhdesk.services.contacts import ContactInput
from hhdesk.services.join_file import JoinDetails, read_join_file, server_url
from hhdesk.services.settings import AgencyInfo
from tests.pg.conftest import binaries_or_skip
from tests.pg.server import free_port
from tests.services.roster_factory import medicaid_id, roster_text

ADMIN = "ada_host"
ADMIN_PASSWORD = "first administrator password 1"
CARE_MANAGER = "carla_host"
CARE_MANAGER_PASSWORD = "care manager password 1"
MEMBERS = 6
REASON = "test machine"

Completed = subprocess.CompletedProcess[str]


@pytest.fixture(autouse=True, scope="module")
def _postgresql_installed(request: pytest.FixtureRequest) -> None:
    binaries_or_skip(request)


def hhdesk(*argv: str, password: str | None = None, new_password: str | None = None, check: bool = True
           ) -> subprocess.CompletedProcess[str]:
    """`hhdesk argv…` in its own process, as an administrator or a nightly job runs it."""
    env = {k: v for k, v in os.environ.items() if k not in ("HHDESK_USER", "HHDESK_PASSWORD", "HHDESK_NEW_PASSWORD")}
    env.update({"HHDESK_PASSWORD": password or "", "HHDESK_NEW_PASSWORD": new_password or ""})
    done = subprocess.run([sys.executable, "-m", "hhdesk", *argv], capture_output=True, text=True, env=env,
                          timeout=180, check=False, cwd="/")
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Completed]:
    """`hhdesk argv…` in this process (quicker than a process of its own, and the same command line)."""
    def run(*argv: str, password: str | None = ADMIN_PASSWORD, new_password: str | None = None,
            check: bool = True) -> Completed:
        for name, value in (("HHDESK_PASSWORD", password), ("HHDESK_NEW_PASSWORD", new_password)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        code = main(list(argv))
        captured = capsys.readouterr()
        if check:
            assert code == 0, captured.err
        return subprocess.CompletedProcess(list(argv), code, captured.out, captured.err)

    return run


def host_folder() -> Path:
    # Under /tmp, not pytest's tmp_path: the service account must be able to pass through every folder above.
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-host-test-"))
    folder.chmod(0o755)
    return folder


@dataclass(frozen=True)
class Host:
    folder: Path
    data_dir: Path
    join_file: Path
    details: JoinDetails
    certificate: Path
    setup_output: str

    def url(self) -> str:
        """What a workstation connects with: the join file's URL, trusting the certificate written from it."""
        return server_url(self.details, self.certificate, "127.0.0.1")

    @property
    def address(self) -> ServerAddress:
        return ServerAddress.parse(self.url())


def printed_recovery_key(host: Host) -> str:
    found = re.search(r"RECOVERY KEY.*\n\s+(\S+)", host.setup_output)
    assert found is not None, host.setup_output
    return found.group(1)


def _joined(folder: Path, data_dir: Path, join_file: Path, output: str) -> Host:
    details = read_join_file(join_file)
    certificate = folder / "workstation" / "host.crt"
    certificate.parent.mkdir(exist_ok=True)
    certificate.write_text(details.certificate_pem, encoding="ascii")
    return Host(folder, data_dir, join_file, details, certificate, output)


def _remove(data_dir: Path) -> None:
    with contextlib.suppress(UserError):
        host_setup.host_stop(data_dir)
    shutil.rmtree(data_dir.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def host() -> Iterator[Host]:
    folder = host_folder()
    data_dir, join_file = folder / "host", folder / "riverside.hhjoin"
    done = hhdesk("host", "setup", "--data-dir", str(data_dir), "--org", "Riverside Health Home", "--admin", ADMIN,
                  "--join-file", str(join_file), "--port", str(free_port()), "--allow-unencrypted-disk", REASON,
                  "--no-start-at-boot", "--no-nightly-backup",
                  new_password=ADMIN_PASSWORD, check=False)
    try:
        assert done.returncode == 0, done.stderr
        yield _joined(folder, data_dir, join_file, done.stdout)
    finally:
        _remove(data_dir)


def test_setup_writes_a_join_file_whose_certificate_the_server_shows(host: Host) -> None:
    assert host.details.fingerprint in host.setup_output
    assert host.details.certificate_pem == (host.data_dir / "server.crt").read_text(encoding="ascii")
    assert host.details.database == "hhdesk" and host.details.organization == "Riverside Health Home"
    app = agency.login(host.address, ADMIN, ADMIN_PASSWORD)
    try:
        with app.read(None) as session:
            events = session.execute(select(AuditEvent.action, AuditEvent.detail)).all()
            agency_id = session.execute(select(Agency.agency_id)).scalar_one()
    finally:
        app.close()
    assert agency_id == host.details.agency_id
    set_up = [detail for action, detail in events if action == "host_set_up"]
    assert len(set_up) == 1 and f"disk encryption overridden by the administrator: {REASON}" in set_up[0]


def test_the_superuser_password_is_sealed_under_the_recovery_key_and_never_shown(host: Host) -> None:
    import psycopg

    recovery_key = printed_recovery_key(host)
    slots = host_keys.load(host.data_dir / host_keys.FILE_NAME)
    password = host_keys.superuser_password(slots, recovery_key)
    assert password not in host.setup_output
    for path in host.data_dir.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            assert password.encode() not in path.read_bytes(), path
    with psycopg.connect(host.url(), user="postgres", password=password) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (True,)
    with pytest.raises(UserError):
        host_keys.superuser_password(slots, "AAAA-" * 12 + "AAAA")


def test_upgrade_takes_the_recovery_key_and_says_when_there_is_nothing_to_do(
        host: Host, cli: Callable[..., Completed], monkeypatch: pytest.MonkeyPatch) -> None:
    # Only PostgreSQL 15 is installed here: the real upgrade's steps are tested in tests/pg/test_cluster_upgrade.py.
    monkeypatch.setenv("HHDESK_RECOVERY_KEY", "AAAA-" * 12 + "AAAA")
    refused = cli("host", "upgrade", "--data-dir", str(host.data_dir), check=False)
    assert refused.returncode != 0 and "recovery key" in refused.stderr.lower(), refused.stderr
    monkeypatch.setenv("HHDESK_RECOVERY_KEY", printed_recovery_key(host))
    done = cli("host", "upgrade", "--data-dir", str(host.data_dir))
    assert "Already on PostgreSQL 15" in done.stdout and "nothing to do" in done.stdout
    assert host_setup.host_status(host.data_dir).running


def test_only_tls_from_the_network(host: Host) -> None:
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry"):
        psycopg.connect(host="127.0.0.1", port=host.details.port, dbname="hhdesk", user=ADMIN,
                        password=ADMIN_PASSWORD, sslmode="disable")


def test_two_workstations_work_on_the_same_caseload(host: Host, tmp_path: Path, cli: Callable[..., Completed]
                                                     ) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(MEMBERS), encoding="utf-8")
    # One workstation (another process) brings the members in and adds a care manager.
    hhdesk("import", "roster", str(roster), "--store", host.url(), "--user", ADMIN, password=ADMIN_PASSWORD)
    admin = agency.login(host.address, ADMIN, ADMIN_PASSWORD)
    try:
        users.add_user(admin, CARE_MANAGER, Role.CARE_MANAGER, CARE_MANAGER_PASSWORD, "Carla Martinez")
    finally:
        admin.close()
    # The care manager, on her workstation, sees them and logs a contact.
    app = agency.login(host.address, CARE_MANAGER, CARE_MANAGER_PASSWORD)
    try:
        rows = caseload.search(app, caseload.CaseloadQuery(care_manager=None))
        assert len(rows) == MEMBERS
        member = next(row for row in rows if row.medicaid_id == medicaid_id(2))
        contacts.log_contact(app, member.member_id, ContactInput(date(2026, 11, 2), ContactMode.PHONE,
                                                                 core_services=frozenset({CoreService.CC})),
                             today=date(2026, 11, 3))
    finally:
        app.close()
    # The first workstation sees her contact.
    shown = cli("audit", "--member", medicaid_id(2), "--format", "csv", "--store", host.url(), "--user",
                ADMIN).stdout
    assert any("contact_logged" in line and CARE_MANAGER in line for line in shown.splitlines())


def test_status_says_running_version_connections_last_backup_and_free_disk(
        host: Host, cli: Callable[..., Completed]) -> None:
    out = cli("host", "status", "--data-dir", str(host.data_dir)).stdout
    assert "service: running" in out
    assert re.search(r"PostgreSQL version: 1[5-9]\.\d+", out)
    assert re.search(r"connections: \d+", out)
    assert re.search(r"last backup: (none yet|\d{4}-\d\d-\d\d)", out)
    assert re.search(r"free disk: [\d.]+ GB of [\d.]+ GB", out)


def test_a_stopped_service_is_named_and_start_brings_it_back(host: Host, cli: Callable[..., Completed]) -> None:
    cli("host", "stop", "--data-dir", str(host.data_dir))
    try:
        assert "service: STOPPED" in cli("host", "status", "--data-dir", str(host.data_dir)).stdout
        with pytest.raises(ServerUnreachable) as stopped:
            agency.login(host.address, ADMIN, ADMIN_PASSWORD)
        assert "database service may be stopped" in str(stopped.value), str(stopped.value)
    finally:
        cli("host", "start", "--data-dir", str(host.data_dir))
    agency.login(host.address, ADMIN, ADMIN_PASSWORD).close()


def test_a_second_host_for_the_same_agency_is_refused(host: Host, cli: Callable[..., Completed]) -> None:
    again = cli("host", "setup", "--data-dir", str(host.data_dir), "--org", "Riverside Health Home", "--admin",
                ADMIN, "--join-file", str(host.folder / "other.hhjoin"), "--allow-unencrypted-disk", REASON,
                "--no-start-at-boot", "--no-nightly-backup", new_password=ADMIN_PASSWORD, check=False)
    assert again.returncode == 1 and "already holds an hhdesk host" in again.stderr
    elsewhere = host_folder()
    try:
        second = cli("host", "setup", "--data-dir", str(elsewhere / "host"), "--org", "Riverside Health Home",
                     "--admin", ADMIN, "--join-file", str(host.join_file), "--port", str(free_port()),
                     "--allow-unencrypted-disk", REASON, "--no-start-at-boot", "--no-nightly-backup", new_password=ADMIN_PASSWORD,
                     check=False)
        assert second.returncode == 1 and "an agency has one host" in second.stderr
        assert host.details.agency_id in second.stderr
        assert not (elsewhere / "host" / "cluster").exists()
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)
    assert read_join_file(host.join_file) == host.details  # the first host's join file is untouched


def test_setup_without_encryption_or_a_reason_changes_nothing(cli: Callable[..., Completed]) -> None:
    folder = host_folder()
    try:
        refused = cli("host", "setup", "--data-dir", str(folder / "host"), "--org", "Riverside Health Home",
                      "--admin", ADMIN, "--join-file", str(folder / "x.hhjoin"), "--port", str(free_port()),
                      new_password=ADMIN_PASSWORD, check=False)
        assert refused.returncode == 1 and "--allow-unencrypted-disk REASON" in refused.stderr
        assert not (folder / "host" / "cluster").exists() and not (folder / "x.hhjoin").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_backup_then_restore_into_a_fresh_cluster_gives_the_same_data(host: Host, cli: Callable[..., Completed]
                                                                      ) -> None:
    cli("host", "backup", "--data-dir", str(host.data_dir))
    backup = next((host.data_dir / "backups").glob("host-*.hhbak"))
    assert "last backup: 2" in cli("host", "status", "--data-dir", str(host.data_dir)).stdout
    before = cli("members", "list", "--format", "csv", "--store", host.url(), "--user", ADMIN).stdout
    folder = host_folder()
    data_dir, join_file = folder / "host", folder / "restored.hhjoin"
    try:
        cli("host", "restore", str(backup), "--data-dir", str(data_dir), "--admin", ADMIN, "--join-file",
            str(join_file), "--port", str(free_port()), "--no-start-at-boot", "--no-nightly-backup")
        restored = _joined(folder, data_dir, join_file, "")
        assert restored.details.agency_id == host.details.agency_id
        assert restored.details.fingerprint != host.details.fingerprint
        after = cli("members", "list", "--format", "csv", "--store", restored.url(), "--user", ADMIN).stdout
        assert after == before and medicaid_id(2) in after
        verified = cli("verify", "--store", restored.url(), "--user", ADMIN).stdout
        assert verified.startswith("ok:")
        assert "ok:" in cli("host", "verify", "--data-dir", str(data_dir)).stdout
    finally:
        _remove(data_dir)


def test_host_backups_open_with_the_recovery_key_too(host: Host, tmp_path: Path) -> None:
    out = host_setup.host_backup(host.data_dir, tmp_path / "by-hand.hhbak", clock=FixedClock.on(date(2026, 12, 4)))
    recovery_key = printed_recovery_key(host)
    slots = KeySlots.parse(out, backups.backup_key_slots_text(out))
    assert slots.usernames() == [ADMIN]
    assert host_keys.SUPERUSER_SECRET not in slots.secret_ids  # a backup never carries the superuser password
    restored = tmp_path / "restored.hhdesk"
    backups.unpack_backup(out, restored)
    store = Store.open_with_recovery(restored, recovery_key)
    try:
        with store.read_session() as session:
            assert session.execute(select(Agency.agency_id)).scalar_one() == host.details.agency_id
    finally:
        store.close()


def test_a_store_moves_to_a_new_host_once_and_keeps_its_recovery_key() -> None:
    folder = host_folder()
    store = folder / "riverside.hhdesk"
    admin, password = "boss_import", "store administrator password 1"
    recovery_key = users.create_store(store, AgencyInfo(name="Riverside From A Store"), admin, password)
    data_dir = folder / "host"
    request = host_setup.HostSetupRequest(
        data_dir=data_dir, org="", admin=admin, admin_password=password, join_file=folder / "moved.hhjoin",
        port=free_port(), import_store=store, import_password=password, allow_unencrypted_disk=REASON,
        addresses=("127.0.0.1",), start_at_boot=False, schedule_folder=folder / "scheduler")
    steps: list[str] = []
    try:
        report = host_setup.setup_host(request, steps.append)
        assert report.recovery_key is None and steps
        # The nightly backup is handed to the system's scheduler (systemd's files on Linux; this machine does
        # not run systemd, so the report says what to run once it does).
        timer = (folder / "scheduler" / "hhdesk-host-backup.timer").read_text()
        service = (folder / "scheduler" / "hhdesk-host-backup.service").read_text()
        assert "OnCalendar=*-*-* 03:15:00" in timer and f"host backup --data-dir {data_dir}" in service
        assert "nightly backup" in report.nightly_backup
        details = read_join_file(report.join_file)
        assert details.organization == "Riverside From A Store" and details.addresses == ("127.0.0.1",)
        app = agency.login(ServerAddress.parse(report.url), admin, password)
        app.close()
        # The agency's printed recovery key (the store's) opens the host's superuser password.
        slots = host_keys.load(data_dir / host_keys.FILE_NAME)
        assert host_keys.superuser_password(slots, recovery_key)
        # The store remembers it moved: a second host from it is refused before anything is made.
        again = replace(request, data_dir=folder / "second", join_file=folder / "second.hhjoin", port=free_port())
        with pytest.raises(StoreExists, match="already moved to the agency's host"):
            host_setup.setup_host(again)
        assert not (folder / "second").exists()
    finally:
        _remove(data_dir)


def test_a_port_in_use_is_refused_with_its_number(host: Host, cli: Callable[..., Completed]) -> None:
    folder = host_folder()
    try:
        refused = cli("host", "setup", "--data-dir", str(folder / "host"), "--org", "Another Agency", "--admin",
                      ADMIN, "--join-file", str(folder / "x.hhjoin"), "--port", str(host.details.port),
                      "--allow-unencrypted-disk", REASON, "--no-start-at-boot", "--no-nightly-backup", new_password=ADMIN_PASSWORD,
                      check=False)
        assert refused.returncode == 1 and f"already uses port {host.details.port}" in refused.stderr
        assert not (folder / "host" / "cluster").exists() and not (folder / "host" / "host.keys").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
