"""Registering the host's database service to start with the computer: the files, and what is run."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

from hhdesk.db import cluster_boot
from hhdesk.db.cluster import HostCluster, HostSettings

SETTINGS = HostSettings("/usr/lib/postgresql/15/bin", 5432, "postgres", ("192.168.1.20", "127.0.0.1"), "frontdesk")


def _cluster(tmp_path: Path) -> HostCluster:
    cluster = HostCluster(tmp_path / "host data")
    cluster.data_dir.mkdir()
    cluster.settings_path.write_text(SETTINGS.to_text(), encoding="utf-8")
    return cluster


def test_the_systemd_unit_runs_pg_ctl_as_the_service_account(tmp_path: Path) -> None:
    cluster = _cluster(tmp_path)
    unit = cluster_boot.systemd_unit(cluster, SETTINGS)
    assert "User=postgres\n" in unit and "WantedBy=multi-user.target" in unit
    assert f"ExecStart=/usr/lib/postgresql/15/bin/pg_ctl start -D {cluster.pgdata} " in unit
    assert f"PIDFile={cluster.pgdata}/postmaster.pid" in unit


def test_the_launchd_daemon_is_a_valid_plist_that_outlives_pg_ctl(tmp_path: Path) -> None:
    cluster = _cluster(tmp_path)
    plist = plistlib.loads(cluster_boot.launchd_plist(cluster, SETTINGS).encode())
    assert plist["UserName"] == "postgres" and plist["RunAtLoad"] and plist["AbandonProcessGroup"]
    assert plist["ProgramArguments"][:4] == ["/usr/lib/postgresql/15/bin/pg_ctl", "start", "-D", str(cluster.pgdata)]


def test_linux_with_systemd_writes_the_unit_and_enables_it(tmp_path: Path) -> None:
    ran: list[list[str]] = []

    def run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    units = tmp_path / "units"
    units.mkdir()
    said = cluster_boot.register_at_boot(_cluster(tmp_path), run=run, system="Linux", systemd_running=True,
                                         folder=units)
    assert ran == [["systemctl", "daemon-reload"], ["systemctl", "enable", "hhdesk-host.service"]]
    assert (units / "hhdesk-host.service").is_file() and "starts with the computer" in said


def test_without_systemd_nothing_is_written_and_the_administrator_is_told(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    said = cluster_boot.register_at_boot(_cluster(tmp_path), system="Linux", systemd_running=False, folder=units)
    assert "will not start by itself" in said and "hhdesk host start --data-dir" in said
    assert list(units.iterdir()) == []


def test_a_failed_enable_says_what_to_run(tmp_path: Path) -> None:
    def run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "Access denied")

    said = cluster_boot.register_at_boot(_cluster(tmp_path), run=run, system="Darwin", folder=tmp_path)
    assert "Access denied" in said and "launchctl bootstrap system" in said
