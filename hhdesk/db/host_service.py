"""Who starts and stops the agency's database service: the operating system's service manager once hhdesk has
registered it there, so that it starts with the computer and comes back after a failure; pg_ctl before that.

The commonest failure of small-office database servers is a host whose service did not come back after a
restart, or one that two programs fight over. So one manager owns the server at a time (``service`` in
``host.json``), and ``hhdesk host start|stop`` go through it:

- Linux: a systemd unit, ``hhdesk-host.service``, running pg_ctl as the service account, restarted on failure.
- macOS: a launchd daemon, ``org.hhdesk.host``, running the server in the foreground under a small shell that
  turns launchd's SIGTERM (at shutdown) into PostgreSQL's fast shutdown; launchd starts it again only when it
  ends with a failure (KeepAlive: SuccessfulExit false), so a stop by ``hhdesk host stop`` (a fast shutdown,
  which ends cleanly) stays stopped, and ``host start`` asks launchd for it again.
- Windows: a service, ``hhdesk-host``, registered by pg_ctl itself as NETWORK SERVICE, started with Windows,
  and restarted by the service control manager one minute after a failure.

Registering hands the server over: the one the setup started with pg_ctl is stopped and started again by the
manager, which owns it from then on. After a major-version upgrade the registration is renewed with the new
version's programs.
"""

from __future__ import annotations

import platform
import plistlib
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from hhdesk.db.cluster import ClusterProblem, HostCluster, HostSettings
from hhdesk.db.host_os import WINDOWS, run_tool

SERVICE_NAME = "hhdesk-host"
SYSTEMD_FOLDER = Path("/etc/systemd/system")
SYSTEMD_RUNNING = Path("/run/systemd/system")
LAUNCHD_LABEL = "org.hhdesk.host"
LAUNCHD_FOLDER = Path("/Library/LaunchDaemons")
PG_CTL, SYSTEMD, LAUNCHD, WINDOWS_SERVICE = "pg_ctl", "systemd", "launchd", "windows"
START_SECONDS = 90
MANAGER_TIMEOUT_SECONDS = 330

Runner = Callable[..., subprocess.CompletedProcess[str]]

# launchd ends a daemon with SIGTERM, which PostgreSQL takes as a "smart" shutdown that waits for every
# workstation to disconnect; this shell asks for a fast one (SIGINT) instead and exits with the server's status.
FOREGROUND_SHELL = (
    '"$1" -D "$2" & server=$!\n'
    "trap 'kill -INT \"$server\"' TERM\n"
    "status=1\n"
    'while kill -0 "$server" 2>/dev/null; do wait "$server"; status=$?; done\n'
    'exit "$status"\n'
)


# ---- what each manager is given ----------------------------------------------------------------------------
def systemd_unit(cluster: HostCluster, settings: HostSettings) -> str:
    pg_ctl = Path(settings.binaries) / "pg_ctl"
    return (
        "[Unit]\n"
        "Description=hhdesk: the agency's database service (PostgreSQL)\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=forking\n"
        f"User={settings.account}\n"
        f"PIDFile={cluster.pgdata / 'postmaster.pid'}\n"
        f"ExecStart={pg_ctl} start -D {cluster.pgdata} -l {cluster.log_path} -w -t 300\n"
        f"ExecStop={pg_ctl} stop -D {cluster.pgdata} -m fast -w\n"
        f"ExecReload={pg_ctl} reload -D {cluster.pgdata}\n"
        "TimeoutSec=330\n"
        "Restart=on-failure\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def launchd_plist(cluster: HostCluster, settings: HostSettings) -> bytes:
    return plistlib.dumps({
        "Label": LAUNCHD_LABEL,
        "UserName": settings.account,
        "ProgramArguments": ["/bin/sh", "-c", FOREGROUND_SHELL, SERVICE_NAME,
                             str(Path(settings.binaries) / "postgres"), str(cluster.pgdata)],
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ExitTimeOut": 120,
        "Umask": 0o077,
        "StandardOutPath": str(cluster.log_path),
        "StandardErrorPath": str(cluster.log_path),
    })


def windows_registration(cluster: HostCluster, settings: HostSettings) -> list[list[str]]:
    """pg_ctl registers the service (it then runs as the service account, with a restricted token); sc sets
    restarts after failures, also after a crash that left no exit code (failureflag)."""
    return [
        [str(Path(settings.binaries) / "pg_ctl.exe"), "register", "-N", SERVICE_NAME, "-U", settings.account,
         "-D", str(cluster.pgdata), "-S", "auto", "-t", "300"],
        ["sc.exe", "description", SERVICE_NAME, "hhdesk: the agency's database service (PostgreSQL)"],
        ["sc.exe", "failure", SERVICE_NAME, "reset=", "86400", "actions=", "restart/60000/restart/60000/restart/60000"],
        ["sc.exe", "failureflag", SERVICE_NAME, "1"],
    ]


def windows_unregistration(settings: HostSettings) -> list[str]:
    return [str(Path(settings.binaries) / "pg_ctl.exe"), "unregister", "-N", SERVICE_NAME]


def start_command(kind: str, *, folder: Path | None = None) -> list[list[str]]:
    if kind == SYSTEMD:
        return [["systemctl", "start", f"{SERVICE_NAME}.service"]]
    if kind == LAUNCHD:
        # bootstrap loads it if a restart or bootout unloaded it (an error when it is loaded: ignored)
        return [["launchctl", "bootstrap", "system", str(_plist_path(folder))],
                ["launchctl", "kickstart", f"system/{LAUNCHD_LABEL}"]]
    if kind == WINDOWS_SERVICE:
        return [["net", "start", SERVICE_NAME]]
    return []


def stop_command(kind: str) -> list[list[str]]:
    if kind == SYSTEMD:
        return [["systemctl", "stop", f"{SERVICE_NAME}.service"]]
    if kind == WINDOWS_SERVICE:
        return [["net", "stop", SERVICE_NAME]]
    return []  # pg_ctl, and launchd, whose daemon stays down after the clean exit of a fast shutdown


# ---- registering -------------------------------------------------------------------------------------------
def register_at_boot(cluster: HostCluster, *, run: Runner = subprocess.run, system: str | None = None,
                     systemd_running: bool | None = None, folder: Path | None = None) -> str:
    """Register the service with this computer's service manager and hand the running server to it. Returns
    one sentence saying what was done, or what the administrator must do."""
    system = system or platform.system()
    settings = cluster.settings
    if system == "Linux":
        running = SYSTEMD_RUNNING.is_dir() if systemd_running is None else systemd_running
        if not running:
            return ("This computer does not run systemd, so the database service will not start by itself after "
                    f"a restart: start it with 'hhdesk host start --data-dir {cluster.data_dir}'.")
        unit = (folder or SYSTEMD_FOLDER) / f"{SERVICE_NAME}.service"
        unit.write_text(systemd_unit(cluster, settings), encoding="utf-8")
        kind, where = SYSTEMD, str(unit)
        steps = [["systemctl", "daemon-reload"], ["systemctl", "enable", f"{SERVICE_NAME}.service"]]
    elif system == "Darwin":
        plist = _plist_path(folder)
        plist.write_bytes(launchd_plist(cluster, settings))
        plist.chmod(0o644)  # launchd ignores a daemon whose file others could change
        _run_tool(run, ["launchctl", "bootout", f"system/{LAUNCHD_LABEL}"])  # an earlier setup's, if loaded
        kind, where, steps = LAUNCHD, str(plist), []
    elif system == WINDOWS:
        _run_tool(run, windows_unregistration(settings))  # an earlier setup's, if any
        kind, where, steps = WINDOWS_SERVICE, f"the Windows service {SERVICE_NAME}", \
            windows_registration(cluster, settings)
    else:
        return "Register the database service to start with the computer in the operating system's services."
    for argv in steps:
        failed = _run_tool(run, argv)
        if failed is not None:
            return (f"The database service could not be registered to start with the computer ({failed}): "
                    f"run '{subprocess.list2cmdline(argv) if system == WINDOWS else ' '.join(argv)}' as an "
                    "administrator.")
    return _give_to_manager(cluster, kind, where, run, folder)


def _give_to_manager(cluster: HostCluster, kind: str, where: str, run: Runner, folder: Path | None) -> str:
    """Stop the server pg_ctl started, and let the manager start it; if the manager cannot, pg_ctl again."""
    cluster.stop()
    try:
        _start_through(cluster, kind, run, folder)
    except ClusterProblem as problem:
        cluster.start()
        return (f"The database service is registered ({where}) but the system could not start it ({problem}); it "
                "runs now without it, and will not start by itself after a restart until that is fixed.")
    cluster.update_settings(service=kind)
    return f"The database service starts with the computer and restarts after a failure ({where})."


def renew_registration(cluster: HostCluster, *, run: Runner = subprocess.run, folder: Path | None = None) -> None:
    """After a major-version upgrade: the manager runs the new version's programs. The server is stopped."""
    settings = cluster.settings
    if settings.service == SYSTEMD:
        unit = (folder or SYSTEMD_FOLDER) / f"{SERVICE_NAME}.service"
        unit.write_text(systemd_unit(cluster, settings), encoding="utf-8")
        _checked(run, ["systemctl", "daemon-reload"])
    elif settings.service == LAUNCHD:
        _run_tool(run, ["launchctl", "bootout", f"system/{LAUNCHD_LABEL}"])
        plist = _plist_path(folder)
        plist.write_bytes(launchd_plist(cluster, settings))
        plist.chmod(0o644)
    elif settings.service == WINDOWS_SERVICE:
        _checked(run, windows_unregistration(settings))
        for argv in windows_registration(cluster, settings):
            _checked(run, argv)


# ---- running -------------------------------------------------------------------------------------------------
def start(cluster: HostCluster, *, run: Runner = subprocess.run, folder: Path | None = None) -> None:
    kind = cluster.settings.service
    if kind == PG_CTL:
        cluster.start()
    elif not cluster.is_running():
        _start_through(cluster, kind, run, folder)


def stop(cluster: HostCluster, *, run: Runner = subprocess.run) -> None:
    kind = cluster.settings.service
    if not cluster.is_running():
        return
    for argv in stop_command(kind):
        _checked(run, argv)
    cluster.stop()  # pg_ctl's fast shutdown; for the managers, a no-op once they stopped it


def _start_through(cluster: HostCluster, kind: str, run: Runner, folder: Path | None) -> None:
    commands = start_command(kind, folder=folder)
    for index, argv in enumerate(commands):
        failed = _run_tool(run, argv)
        if failed is not None and not (kind == LAUNCHD and index == 0):
            raise ClusterProblem(f"{' '.join(argv)} failed: {failed}")
    deadline = time.monotonic() + START_SECONDS
    while not cluster.is_running():
        if time.monotonic() > deadline:
            raise ClusterProblem(cluster.did_not_start())
        time.sleep(0.5)


def _plist_path(folder: Path | None) -> Path:
    return (folder or LAUNCHD_FOLDER) / f"{LAUNCHD_LABEL}.plist"


def _run_tool(run: Runner, argv: list[str]) -> str | None:
    return run_tool(argv, run, MANAGER_TIMEOUT_SECONDS)


def _checked(run: Runner, argv: list[str]) -> None:
    failed = _run_tool(run, argv)
    if failed is not None:
        raise ClusterProblem(f"The database service could not be changed: {' '.join(argv)} failed ({failed}).")
