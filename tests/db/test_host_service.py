"""Who starts and stops the host's database service: each system's registration, the hand-over from pg_ctl, and
start and stop through the manager. The managers (systemd, launchd, Windows' service control manager) cannot
run here: a recording runner stands in for them, and a cluster that only remembers whether it runs."""

from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path

import pytest

from hhdesk.db import host_service
from hhdesk.db.cluster import ClusterProblem, HostCluster, HostSettings

SETTINGS = HostSettings("/usr/lib/postgresql/15/bin", 5432, "postgres", ("192.168.1.20", "127.0.0.1"), "frontdesk")
WINDOWS_SETTINGS = HostSettings("C:/Program Files/PostgreSQL/17/bin", 5432, "NT AUTHORITY\\NetworkService",
                                ("192.168.1.20", "127.0.0.1"), "FRONTDESK", "password")


class RememberedCluster(HostCluster):
    """A cluster whose server is a flag: pg_ctl's start and stop (and the manager's, through the runner) set it."""

    def __init__(self, data_dir: Path, settings: HostSettings = SETTINGS) -> None:
        super().__init__(data_dir)
        data_dir.mkdir()
        self.settings_path.write_text(settings.to_text(), encoding="utf-8")
        self.running = True
        self.by_pg_ctl: list[str] = []

    def start(self) -> None:
        self.by_pg_ctl.append("start")
        self.running = True

    def stop(self) -> None:
        self.by_pg_ctl.append("stop")
        self.running = False

    def is_running(self) -> bool:
        return self.running


class Manager:
    """Records each command; the manager's start and stop commands start and stop the cluster."""

    def __init__(self, cluster: RememberedCluster, failing: str = "", said: str = "Access denied") -> None:
        self.cluster, self.failing, self.said = cluster, failing, said
        self.ran: list[list[str]] = []

    def __call__(self, argv: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        self.ran.append(argv)
        shown = " ".join(argv)
        if self.failing and self.failing in shown:
            return subprocess.CompletedProcess(argv, 1, "", self.said)
        if argv[:2] in (["systemctl", "start"], ["launchctl", "kickstart"], ["net", "start"]):
            self.cluster.running = True
        if argv[:2] in (["systemctl", "stop"], ["net", "stop"]):
            self.cluster.running = False
        return subprocess.CompletedProcess(argv, 0, "", "")


def test_the_systemd_unit_runs_pg_ctl_as_the_service_account(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    unit = host_service.systemd_unit(cluster, SETTINGS)
    assert "User=postgres\n" in unit and "WantedBy=multi-user.target" in unit and "Restart=on-failure" in unit
    assert f"ExecStart=/usr/lib/postgresql/15/bin/pg_ctl start -D {cluster.pgdata} " in unit
    assert f"PIDFile={cluster.pgdata}/postmaster.pid" in unit


def test_the_launchd_daemon_runs_the_server_itself_and_restarts_it_only_after_a_failure(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    plist = plistlib.loads(host_service.launchd_plist(cluster, SETTINGS))
    assert plist["UserName"] == "postgres" and plist["RunAtLoad"] is True
    # a clean exit (a fast shutdown by `hhdesk host stop`) stays stopped; a crash is started again
    assert plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["ProgramArguments"][:3] == ["/bin/sh", "-c", host_service.FOREGROUND_SHELL]
    assert plist["ProgramArguments"][4:] == ["/usr/lib/postgresql/15/bin/postgres", str(cluster.pgdata)]
    assert plist["StandardErrorPath"] == str(cluster.log_path)


def test_linux_with_systemd_registers_the_unit_and_hands_the_server_to_it(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    manager = Manager(cluster)
    units = tmp_path / "units"
    units.mkdir()
    said = host_service.register_at_boot(cluster, run=manager, system="Linux", systemd_running=True, folder=units)
    assert manager.ran == [["systemctl", "daemon-reload"], ["systemctl", "enable", "hhdesk-host.service"],
                           ["systemctl", "start", "hhdesk-host.service"]]
    assert cluster.by_pg_ctl == ["stop"] and cluster.running
    assert (units / "hhdesk-host.service").is_file() and "starts with the computer" in said
    assert cluster.settings.service == "systemd"


def test_without_systemd_nothing_is_written_and_pg_ctl_keeps_the_server(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    units = tmp_path / "units"
    units.mkdir()
    said = host_service.register_at_boot(cluster, run=Manager(cluster), system="Linux", systemd_running=False,
                                         folder=units)
    assert "will not start by itself" in said and "hhdesk host start --data-dir" in said
    assert list(units.iterdir()) == [] and cluster.settings.service == "pg_ctl" and cluster.by_pg_ctl == []


def test_a_mac_loads_the_daemon_which_starts_the_server(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    manager = Manager(cluster)
    said = host_service.register_at_boot(cluster, run=manager, system="Darwin", folder=tmp_path)
    plist = tmp_path / "org.hhdesk.host.plist"
    assert manager.ran == [["launchctl", "bootout", "system/org.hhdesk.host"],
                           ["launchctl", "bootstrap", "system", str(plist)],
                           ["launchctl", "kickstart", "system/org.hhdesk.host"]]
    assert plist.stat().st_mode & 0o777 == 0o644 and "restarts after a failure" in said
    assert cluster.settings.service == "launchd" and cluster.running


def test_windows_registers_the_service_with_pg_ctl_and_restarts_after_failures(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data", WINDOWS_SETTINGS)
    manager = Manager(cluster)
    host_service.register_at_boot(cluster, run=manager, system="Windows")
    pg_ctl = str(Path(WINDOWS_SETTINGS.binaries) / "pg_ctl.exe")
    assert manager.ran[0] == [pg_ctl, "unregister", "-N", "hhdesk-host"]
    assert manager.ran[1] == [pg_ctl, "register", "-N", "hhdesk-host", "-U", "NT AUTHORITY\\NetworkService",
                              "-D", str(cluster.pgdata), "-S", "auto", "-t", "300"]
    assert ["sc.exe", "failure", "hhdesk-host", "reset=", "86400", "actions=",
            "restart/60000/restart/60000/restart/60000"] in manager.ran
    assert manager.ran[-1] == ["net", "start", "hhdesk-host"]
    assert cluster.settings.service == "windows" and cluster.by_pg_ctl == ["stop"]


def test_a_refused_registration_says_what_to_run_and_leaves_the_server_running(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    said = host_service.register_at_boot(cluster, run=Manager(cluster, failing="enable"), system="Linux",
                                         systemd_running=True, folder=tmp_path)
    assert "Access denied" in said and "systemctl enable hhdesk-host.service" in said
    assert cluster.running and cluster.by_pg_ctl == [] and cluster.settings.service == "pg_ctl"


def test_a_manager_that_cannot_start_it_gives_the_server_back_to_pg_ctl(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    said = host_service.register_at_boot(cluster, run=Manager(cluster, failing="systemctl start"),
                                         system="Linux", systemd_running=True, folder=tmp_path)
    assert cluster.by_pg_ctl == ["stop", "start"] and cluster.running
    assert "could not start it" in said and cluster.settings.service == "pg_ctl"


@pytest.mark.parametrize(("kind", "stop", "start"), [
    ("systemd", [["systemctl", "stop", "hhdesk-host.service"]], [["systemctl", "start", "hhdesk-host.service"]]),
    ("windows", [["net", "stop", "hhdesk-host"]], [["net", "start", "hhdesk-host"]]),
    # launchd: a fast shutdown by pg_ctl ends the daemon cleanly, and launchd leaves it down
    ("launchd", [], [["launchctl", "bootstrap", "system", "/Library/LaunchDaemons/org.hhdesk.host.plist"],
                     ["launchctl", "kickstart", "system/org.hhdesk.host"]]),
])
def test_host_stop_and_start_go_through_the_manager_that_owns_the_server(
        tmp_path: Path, kind: str, stop: list[list[str]], start: list[list[str]]) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    cluster.update_settings(service=kind)
    manager = Manager(cluster)
    host_service.stop(cluster, run=manager)
    assert manager.ran == stop and not cluster.running
    assert cluster.by_pg_ctl == ["stop"]  # for systemd and Windows, after the manager stopped it: a no-op
    manager.ran.clear()
    host_service.start(cluster, run=manager)
    assert manager.ran == start and cluster.running


def test_a_start_the_manager_refuses_is_reported(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data")
    cluster.update_settings(service="windows")
    cluster.running = False
    with pytest.raises(ClusterProblem, match="net start hhdesk-host failed: Access denied"):
        host_service.start(cluster, run=Manager(cluster, failing="net start"))


def test_after_an_upgrade_windows_registers_the_new_versions_pg_ctl(tmp_path: Path) -> None:
    cluster = RememberedCluster(tmp_path / "host data", WINDOWS_SETTINGS)
    cluster.update_settings(service="windows", binaries="C:/Program Files/PostgreSQL/18/bin")
    manager = Manager(cluster)
    host_service.renew_registration(cluster, run=manager)
    new_pg_ctl = str(Path("C:/Program Files/PostgreSQL/18/bin") / "pg_ctl.exe")
    assert manager.ran[0] == [new_pg_ctl, "unregister", "-N", "hhdesk-host"]
    assert manager.ran[1][:2] == [new_pg_ctl, "register"]
