"""The host's nightly backup, scheduled by the operating system: a systemd timer, a launchd daemon, a task.

Each system's file is rendered by a pure function (``render_systemd``, ``render_launchd``,
``render_windows_task``) and installed by ``install_backup_schedule``, which writes the files where the
system reads them and runs the commands that load them; where it cannot (systemd is not running, say) it
returns the exact commands for the administrator instead. Every variant runs
``hhdesk host backup --data-dir DIR`` every night at ``BACKUP_TIME``, as the account that owns the data
folder (Windows: the SYSTEM account), and catches up after the computer was off at that time.
"""

from __future__ import annotations

import os
import platform
import plistlib
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from hhdesk.errors import UserError

# 03:15 local time: past both daylight-saving changes (02:00-03:00 does not exist on the spring night, and
# 01:00-02:00 happens twice on the autumn one), so the backup runs exactly once every night.
BACKUP_TIME = time(3, 15)
SYSTEMD_NAME = "hhdesk-host-backup"
SYSTEMD_DIR = Path("/etc/systemd/system")
LAUNCHD_LABEL = "org.hhdesk.host-backup"
LAUNCHD_DIR = Path("/Library/LaunchDaemons")
WINDOWS_TASK = "hhdesk\\Nightly backup"
WINDOWS_TASK_FILE = "hhdesk-nightly-backup-task.xml"
WINDOWS_ACCOUNT = "SYSTEM"
_WINDOWS_SYSTEM_SID = "S-1-5-18"
_TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"

Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class BackupJob:
    """What the nightly job runs, as whom and when."""

    data_dir: Path
    program: tuple[str, ...]
    account: str
    at: time = BACKUP_TIME

    def argv(self) -> list[str]:
        return [*self.program, "host", "backup", "--data-dir", str(self.data_dir)]


@dataclass
class ScheduleResult:
    """What ``install_backup_schedule`` wrote and ran, and what is left for the administrator to run."""

    written: list[Path]
    ran: list[list[str]] = field(default_factory=list)
    still_to_run: list[list[str]] = field(default_factory=list)
    message: str = ""


def hhdesk_program() -> tuple[str, ...]:
    """How to start this hhdesk from a scheduler: the frozen command-line program, or this Python."""
    if getattr(sys, "frozen", False):
        executable = Path(sys.executable)
        console = executable.with_name("hhdesk-cli.exe")  # the Windows build's window program has no console
        return (str(console if console.exists() else executable),)
    return (sys.executable, "-m", "hhdesk")


def default_account(system: str, data_dir: Path) -> str:
    """Who runs the backup: the owner of the data folder (the database's service account), or SYSTEM."""
    if system == "Windows":
        return WINDOWS_ACCOUNT
    import pwd

    return pwd.getpwuid(Path(data_dir).stat().st_uid).pw_name


# ---- systemd ----------------------------------------------------------------------------------------------
def render_systemd(job: BackupJob) -> dict[str, str]:
    """The service and timer units, by file name."""
    command = " ".join(_systemd_word(part) for part in job.argv())
    service = (
        "[Unit]\n"
        "Description=hhdesk: nightly backup of the agency's host\n"
        "After=network.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"User={job.account}\n"
        "UMask=0077\n"
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        f"ExecStart={command}\n"
    )
    timer = (
        "[Unit]\n"
        "Description=hhdesk: nightly backup of the agency's host\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {job.at.strftime('%H:%M:%S')}\n"
        # a night the computer was off: run at the next start
        "Persistent=true\n"
        f"Unit={SYSTEMD_NAME}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{SYSTEMD_NAME}.service": service, f"{SYSTEMD_NAME}.timer": timer}


def _systemd_word(word: str) -> str:
    # systemd expands %specifiers and $VARIABLES in ExecStart= and splits on white space; quoting keeps a
    # folder such as "/srv/Clinic Data" one argument.
    escaped = word.replace("%", "%%").replace("$", "$$")
    if escaped and not any(ch.isspace() or ch in "\"'\\;" for ch in escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_commands() -> list[list[str]]:
    return [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", f"{SYSTEMD_NAME}.timer"]]


def systemd_running() -> bool:
    # systemd's own test (sd_booted): this folder exists only when systemd is the running init system
    return Path("/run/systemd/system").is_dir()


# ---- launchd ------------------------------------------------------------------------------------------------
def render_launchd(job: BackupJob) -> bytes:
    """The launch daemon's property list."""
    log = str(Path(job.data_dir) / "nightly-backup.log")
    return plistlib.dumps({
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": job.argv(),
        "UserName": job.account,
        # launchd starts a calendar job missed while the Mac slept as soon as it wakes
        "StartCalendarInterval": {"Hour": job.at.hour, "Minute": job.at.minute},
        "Umask": 0o077,
        "LowPriorityIO": True,
        "Nice": 10,
        "StandardOutPath": log,
        "StandardErrorPath": log,
    })


def launchd_commands(plist: Path) -> list[list[str]]:
    return [["launchctl", "bootstrap", "system", str(plist)]]


# ---- Windows Task Scheduler ----------------------------------------------------------------------------------
def render_windows_task(job: BackupJob) -> str:
    """The task's XML, as `schtasks /Create /XML` reads it (write it as UTF-16, which it declares)."""
    ET.register_namespace("", _TASK_NAMESPACE)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{_TASK_NAMESPACE}}}{tag}", attributes)
        element.text = text
        return element

    task = ET.Element(f"{{{_TASK_NAMESPACE}}}Task", {"version": "1.2"})
    info = add(task, "RegistrationInfo")
    add(info, "Description", "hhdesk: nightly backup of the agency's host")
    add(info, "URI", "\\" + WINDOWS_TASK)
    trigger = add(add(task, "Triggers"), "CalendarTrigger")
    add(trigger, "StartBoundary", f"2026-01-01T{job.at.strftime('%H:%M:%S')}")
    add(trigger, "Enabled", "true")
    add(add(trigger, "ScheduleByDay"), "DaysInterval", "1")
    principal = add(add(task, "Principals"), "Principal", id="Author")
    if job.account == WINDOWS_ACCOUNT:
        add(principal, "UserId", _WINDOWS_SYSTEM_SID)
    else:
        add(principal, "UserId", job.account)
        add(principal, "LogonType", "Password")
    add(principal, "RunLevel", "HighestAvailable")
    settings = add(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        # a night the computer was off: run as soon as it can
        ("StartWhenAvailable", "true"),
        ("WakeToRun", "true"),
        ("ExecutionTimeLimit", "PT4H"),
        ("Enabled", "true"),
    ):
        add(settings, tag, value)
    action = add(add(task, "Actions", Context="Author"), "Exec")
    argv = job.argv()
    add(action, "Command", argv[0])
    add(action, "Arguments", subprocess.list2cmdline(argv[1:]))
    return '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode") + "\n"


def windows_commands(task_file: Path) -> list[list[str]]:
    return [["schtasks", "/Create", "/TN", WINDOWS_TASK, "/XML", str(task_file), "/F"]]


# ---- installing ----------------------------------------------------------------------------------------------
def install_backup_schedule(data_dir: Path, *, system: str | None = None, run: Runner = subprocess.run,
                            account: str | None = None, program: Sequence[str] | None = None,
                            target_dir: Path | None = None,
                            has_systemd: Callable[[], bool] = systemd_running) -> ScheduleResult:
    """Write this system's nightly-backup files and load them (or say exactly what to run)."""
    system = system or platform.system()
    data_dir = Path(data_dir)
    job = BackupJob(data_dir, tuple(program or hhdesk_program()), account or default_account(system, data_dir))
    if system == "Linux":
        folder = target_dir or SYSTEMD_DIR
        written = [_write(folder / name, text.encode(), 0o644) for name, text in render_systemd(job).items()]
        if not has_systemd():
            return ScheduleResult(written, still_to_run=systemd_commands(), message=(
                "systemd is not running on this computer, so the nightly backup is not active yet: once it "
                "runs under systemd, run " + _shown(systemd_commands()) + "."))
        return _run_all(run, written, systemd_commands())
    if system == "Darwin":
        plist = _write((target_dir or LAUNCHD_DIR) / f"{LAUNCHD_LABEL}.plist", render_launchd(job), 0o644)
        # a daemon loaded before (an earlier setup) must be unloaded first; "not loaded" is not an error
        _call(run, ["launchctl", "bootout", f"system/{LAUNCHD_LABEL}"])
        return _run_all(run, [plist], launchd_commands(plist))
    if system == "Windows":
        task_file = (target_dir or data_dir) / WINDOWS_TASK_FILE
        _write(task_file, render_windows_task(job).encode("utf-16"), 0o600)
        return _run_all(run, [task_file], windows_commands(task_file))
    raise UserError(f"hhdesk cannot schedule backups on {system}.")


def _write(path: Path, content: bytes, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(content)
    temporary.chmod(mode)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(temporary, 0, 0)  # launchd and systemd ignore system files that others could change
    temporary.replace(path)
    return path


def _call(run: Runner, argv: list[str]) -> subprocess.CompletedProcess | None:
    try:
        return run(argv, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None


def _run_all(run: Runner, written: list[Path], commands: list[list[str]]) -> ScheduleResult:
    result = ScheduleResult(written)
    for index, argv in enumerate(commands):
        outcome = _call(run, argv)
        if outcome is None or outcome.returncode != 0:
            said = (outcome.stderr or outcome.stdout).strip().splitlines() if outcome else []
            result.still_to_run = commands[index:]
            result.message = (f"The nightly backup is not scheduled: `{_shown([argv])}` failed"
                              + (f" ({said[-1]})" if said else "") + ". Run " + _shown(commands[index:])
                              + " as an administrator.")
            return result
        result.ran.append(argv)
    result.message = f"The nightly backup runs every night at {BACKUP_TIME.strftime('%H:%M')}."
    return result


def _shown(commands: list[list[str]]) -> str:
    """Commands as the administrator types them (Windows' quoting for schtasks, the shell's elsewhere)."""
    return " then ".join(
        "`" + (subprocess.list2cmdline(argv) if argv[0] == "schtasks" else shlex.join(argv)) + "`"
        for argv in commands)
