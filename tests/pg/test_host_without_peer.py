"""A host made the way Windows needs it, run here on a real cluster: no private socket and no peer
authentication, the host's own commands reaching the server over TLS on the loopback address with the
superuser's password from the administrators-only ``maintenance.secret``.

And the piece of the Mac's launchd daemon that can run here: the shell that runs the server in the
foreground, turns SIGTERM into a fast shutdown that ends cleanly (launchd leaves a clean exit stopped), and
passes a crash on as a failure (which launchd restarts).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import time as clock_time
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest

from hhdesk.clock import FixedClock
from hhdesk.db import host_service
from hhdesk.db.cluster import MAINTENANCE_SECRET_FILE, HostCluster
from hhdesk.db.host_os import is_root
from hhdesk.errors import UserError
from hhdesk.services import host_setup
from tests.pg.conftest import binaries_or_skip
from tests.pg.server import free_port
from tests.pg.test_host_setup import ADMIN, ADMIN_PASSWORD, REASON, host_folder

CLOCK = FixedClock.on(date(2026, 12, 31), time(23, 50))


@pytest.fixture(scope="module")
def data_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    binaries_or_skip(request)
    folder = host_folder()
    request_ = host_setup.HostSetupRequest(
        data_dir=folder / "host", org="Hudson Valley Health Home", admin=ADMIN, admin_password=ADMIN_PASSWORD,
        join_file=folder / "hudson.hhjoin", port=free_port(), allow_unencrypted_disk=REASON,
        start_at_boot=False, nightly_backup=False, local_access="password", staff=40)
    host_setup.setup_host(request_)
    yield request_.data_dir
    with contextlib.suppress(UserError):
        host_setup.host_stop(request_.data_dir)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_server_has_no_socket_line_and_the_password_is_for_administrators_only(data_dir: Path) -> None:
    hba = (data_dir / "cluster" / "pg_hba.conf").read_text()
    assert "local" not in hba.split("# hhdesk host")[1].split("\n", 1)[1]
    secret = data_dir / MAINTENANCE_SECRET_FILE
    assert secret.stat().st_mode & 0o077 == 0 and secret.stat().st_uid == os.geteuid()


def test_status_backup_and_verify_reach_the_server_over_tls_with_the_kept_password(data_dir: Path) -> None:
    status = host_setup.host_status(data_dir)
    assert status.running and status.connections == 0
    backup = host_setup.host_backup(data_dir, clock=CLOCK)
    assert backup.is_file() and backup.parent.name == "backups"
    report = host_setup.host_verify(data_dir)
    assert report.ok, report.problems


def test_the_connection_limit_is_sized_for_the_team(data_dir: Path) -> None:
    with host_setup._superuser_engine(HostCluster(data_dir)) as engine, engine.connect() as conn:
        # six per person (a window's pool) and ten for the host's commands and the nightly backup
        assert conn.exec_driver_sql("SHOW max_connections").scalar() == str(40 * 6 + 10)


def test_a_team_of_nobody_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    request = host_setup.HostSetupRequest(
        data_dir=tmp_path / "host", org="Hudson Valley Health Home", admin=ADMIN, admin_password=ADMIN_PASSWORD,
        join_file=tmp_path / "hudson.hhjoin", allow_unencrypted_disk=REASON, staff=0)
    with pytest.raises(UserError, match="team's size must be between 1 and 200"):
        host_setup.setup_host(request)
    assert not (tmp_path / "host").exists()


def test_a_missing_password_file_says_how_to_recover(data_dir: Path) -> None:
    secret = data_dir / MAINTENANCE_SECRET_FILE
    kept = secret.read_bytes()
    secret.unlink()
    try:
        with pytest.raises(UserError, match="maintenance.secret .* is missing: restore the host"):
            host_setup.host_status(data_dir)
    finally:
        secret.write_bytes(kept)
        secret.chmod(0o600)


def test_the_agency_works_and_stop_and_start_keep_it(data_dir: Path) -> None:
    host_setup.host_stop(data_dir)
    assert not HostCluster(data_dir).is_running()
    host_setup.host_start(data_dir)
    with host_setup._superuser_engine(HostCluster(data_dir)) as engine, engine.connect() as conn:
        # the agency's first administrator, made by the setup
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 1


def _foreground(cluster: HostCluster) -> subprocess.Popen[bytes]:
    """The daemon's program as launchd runs it: as the service account itself (launchd's UserName), so the
    signals reach the shell directly."""
    argv = ["/bin/sh", "-c", host_service.FOREGROUND_SHELL, host_service.SERVICE_NAME,
            str(cluster.program("postgres")), str(cluster.pgdata)]
    account = cluster.settings.account if is_root() else None
    return subprocess.Popen(argv, user=account, group=account and pwd.getpwnam(account).pw_gid,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")


def _wait_until(condition: object, seconds: float = 60) -> None:
    deadline = clock_time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert clock_time.monotonic() < deadline, "timed out"
        clock_time.sleep(0.2)


def _accepting(cluster: HostCluster) -> bool:
    """The server says it is ready in its postmaster.pid (what pg_ctl -w waits for), not only started."""
    try:
        lines = (cluster.pgdata / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return False
    return len(lines) > 7 and lines[7].strip() == "ready"


def _cluster_state(cluster: HostCluster) -> str:
    done = subprocess.run([str(cluster.program("pg_controldata")), str(cluster.pgdata)], capture_output=True,
                          text=True, check=True)
    return next(line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                if line.startswith("Database cluster state"))


def test_the_launchd_shell_shuts_down_fast_on_sigterm_and_reports_a_crash(data_dir: Path) -> None:
    cluster = HostCluster(data_dir)
    host_setup.host_stop(data_dir)
    try:
        # SIGTERM (launchd stopping the daemon) with a client connected: a fast shutdown, a clean exit
        shell = _foreground(cluster)
        _wait_until(lambda: _accepting(cluster))
        with host_setup._superuser_engine(cluster) as engine, engine.connect():
            shell.send_signal(signal.SIGTERM)
            assert shell.wait(timeout=60) == 0
        assert _cluster_state(cluster) == "shut down"
        # the server killed: the shell fails, which launchd answers with a restart
        shell = _foreground(cluster)
        _wait_until(lambda: _accepting(cluster))
        postmaster = int((cluster.pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGKILL)
        assert shell.wait(timeout=60) != 0
    finally:
        (cluster.pgdata / "postmaster.pid").unlink(missing_ok=True)
        host_setup.host_start(data_dir)
