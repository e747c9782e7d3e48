"""Starting the agency's database service when the host computer starts.

The commonest failure of small-office database servers is a host whose service did not come back after a
restart. The host's cluster is therefore registered with the operating system's service manager: a systemd
unit on Linux, a launchd daemon on a Mac (Windows: the EDB installer's service). Both run ``pg_ctl`` as the
service account, exactly as ``hhdesk host start`` does, so either can start what the other stopped.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from hhdesk.db.cluster import HostCluster, HostSettings

SERVICE_NAME = "hhdesk-host"
SYSTEMD_FOLDER = Path("/etc/systemd/system")
SYSTEMD_RUNNING = Path("/run/systemd/system")
LAUNCHD_LABEL = "org.hhdesk.host"
LAUNCHD_FOLDER = Path("/Library/LaunchDaemons")

Runner = Callable[..., subprocess.CompletedProcess[str]]


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
        f"ExecStart={pg_ctl} start -D {cluster.pgdata} -l {cluster.log_dir / 'server.log'} -w -t 300\n"
        f"ExecStop={pg_ctl} stop -D {cluster.pgdata} -m fast -w\n"
        f"ExecReload={pg_ctl} reload -D {cluster.pgdata}\n"
        "TimeoutSec=330\n"
        "Restart=on-failure\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def launchd_plist(cluster: HostCluster, settings: HostSettings) -> str:
    arguments = [str(Path(settings.binaries) / "pg_ctl"), "start", "-D", str(cluster.pgdata), "-l",
                 str(cluster.log_dir / "server.log"), "-w", "-t", "300"]
    program = "".join(f"    <string>{escape(part)}</string>\n" for part in arguments)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n'
        f"  <key>Label</key>\n  <string>{LAUNCHD_LABEL}</string>\n"
        f"  <key>UserName</key>\n  <string>{escape(settings.account)}</string>\n"
        f"  <key>ProgramArguments</key>\n  <array>\n{program}  </array>\n"
        "  <key>RunAtLoad</key>\n  <true/>\n"
        # pg_ctl exits once the server runs; without this, launchd would end the server with it
        "  <key>AbandonProcessGroup</key>\n  <true/>\n"
        "</dict>\n</plist>\n"
    )


def register_at_boot(cluster: HostCluster, *, run: Runner = subprocess.run, system: str | None = None,
                     systemd_running: bool | None = None, folder: Path | None = None) -> str:
    """Register the service to start with the computer where this computer can; returns one sentence saying
    what was done, or what the administrator must do."""
    settings = cluster.settings
    system = system or platform.system()
    if system == "Linux":
        running = SYSTEMD_RUNNING.is_dir() if systemd_running is None else systemd_running
        unit = (folder or SYSTEMD_FOLDER) / f"{SERVICE_NAME}.service"
        if not running:
            return ("This computer does not run systemd, so the database service will not start by itself after "
                    f"a restart: start it with 'hhdesk host start --data-dir {cluster.data_dir}'.")
        unit.write_text(systemd_unit(cluster, settings), encoding="utf-8")
        for command in (["systemctl", "daemon-reload"], ["systemctl", "enable", f"{SERVICE_NAME}.service"]):
            done = run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                return (f"The database service could not be registered to start with the computer "
                        f"({done.stderr.strip()}): run 'systemctl enable {SERVICE_NAME}.service' as root.")
        return f"The database service starts with the computer ({unit})."
    if system == "Darwin":
        plist = (folder or LAUNCHD_FOLDER) / f"{LAUNCHD_LABEL}.plist"
        plist.write_text(launchd_plist(cluster, settings), encoding="utf-8")
        plist.chmod(0o644)
        done = run(["launchctl", "enable", f"system/{LAUNCHD_LABEL}"], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return (f"The database service could not be registered to start with the computer "
                    f"({done.stderr.strip()}): run 'sudo launchctl bootstrap system {plist}'.")
        return f"The database service starts with the computer ({plist})."
    return "Register the database service to start with the computer in the operating system's services."
