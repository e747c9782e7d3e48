"""The nightly backup's files for systemd, launchd and Task Scheduler, and installing them."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import time
from pathlib import Path

import pytest

from hhdesk.services import host_schedule
from hhdesk.services.host_schedule import (
    BackupJob,
    install_backup_schedule,
    render_launchd,
    render_systemd,
    render_windows_task,
)

TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def job(data_dir: str = "/srv/Clinic Data/hhdesk 100%", account: str = "postgres") -> BackupJob:
    return BackupJob(Path(data_dir), ("/opt/hhdesk/bin/python3", "-m", "hhdesk"), account)


class Calls:
    def __init__(self, failing: str | None = None) -> None:
        self.seen: list[list[str]] = []
        self.failing = failing

    def __call__(self, argv, **kwargs):
        self.seen.append(list(argv))
        failed = self.failing is not None and self.failing in argv
        return subprocess.CompletedProcess(argv, 1 if failed else 0, "", "Access is denied.\n" if failed else "")


# ---- systemd ----------------------------------------------------------------------------------------------
def test_systemd_units_run_the_backup_nightly_as_the_service_account_and_catch_up():
    units = render_systemd(job())
    service, timer = units["hhdesk-host-backup.service"], units["hhdesk-host-backup.timer"]
    assert "User=postgres\n" in service and "Type=oneshot\n" in service and "UMask=0077\n" in service
    # the space keeps the folder one argument; % is doubled or systemd would expand it as a specifier
    assert ('ExecStart=/opt/hhdesk/bin/python3 -m hhdesk host backup --data-dir "/srv/Clinic Data/hhdesk 100%%"\n'
            in service)
    assert "OnCalendar=*-*-* 03:15:00\n" in timer and "Persistent=true\n" in timer
    assert "WantedBy=timers.target\n" in timer
    assert "OnCalendar=*-*-* 22:05:00\n" in render_systemd(
        BackupJob(Path("/d"), ("/x",), "postgres", time(22, 5)))["hhdesk-host-backup.timer"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_itself_accepts_the_units(tmp_path):
    # `systemd-analyze verify` parses the units as systemd would load them (it needs no running systemd)
    data_dir = tmp_path / "Clinic Data"
    units = render_systemd(BackupJob(data_dir, (sys.executable, "-m", "hhdesk"), "root"))
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    verify = ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / name) for name in units)]
    checked = subprocess.run(verify, capture_output=True, text=True, check=False, timeout=120)
    assert checked.returncode == 0, checked.stderr
    assert "hhdesk-host-backup" not in checked.stderr
    # and it would say so if a unit were wrong
    (tmp_path / "hhdesk-host-backup.service").write_text(
        units["hhdesk-host-backup.service"].replace(f"ExecStart={sys.executable}", "ExecStart=no/such/program"))
    broken = subprocess.run(verify, capture_output=True, text=True, check=False, timeout=120)
    assert broken.returncode != 0 or "hhdesk-host-backup" in broken.stderr


def test_installing_without_a_running_systemd_writes_the_units_and_says_what_to_run(tmp_path):
    calls = Calls()
    result = install_backup_schedule(tmp_path / "data", system="Linux", run=calls, account="postgres",
                                     program=["/usr/bin/hhdesk"], target_dir=tmp_path / "units",
                                     has_systemd=lambda: False)
    assert calls.seen == []
    assert sorted(path.name for path in result.written) == ["hhdesk-host-backup.service", "hhdesk-host-backup.timer"]
    assert all((path.stat().st_mode & 0o777) == 0o644 for path in result.written)
    assert result.still_to_run == [["systemctl", "daemon-reload"],
                                   ["systemctl", "enable", "--now", "hhdesk-host-backup.timer"]]
    assert "`systemctl daemon-reload` then `systemctl enable --now hhdesk-host-backup.timer`" in result.message


def test_installing_with_systemd_enables_the_timer(tmp_path):
    calls = Calls()
    result = install_backup_schedule(tmp_path / "data", system="Linux", run=calls, account="postgres",
                                     program=["/usr/bin/hhdesk"], target_dir=tmp_path, has_systemd=lambda: True)
    assert calls.seen == result.ran == [["systemctl", "daemon-reload"],
                                        ["systemctl", "enable", "--now", "hhdesk-host-backup.timer"]]
    assert result.still_to_run == [] and "03:15" in result.message


def test_a_failing_command_leaves_the_rest_to_the_administrator(tmp_path):
    calls = Calls(failing="enable")
    result = install_backup_schedule(tmp_path / "data", system="Linux", run=calls, account="postgres",
                                     program=["/usr/bin/hhdesk"], target_dir=tmp_path, has_systemd=lambda: True)
    assert result.ran == [["systemctl", "daemon-reload"]]
    assert result.still_to_run == [["systemctl", "enable", "--now", "hhdesk-host-backup.timer"]]
    assert "failed (Access is denied.)" in result.message


def test_the_default_account_is_the_data_folders_owner(tmp_path):
    import pwd

    assert host_schedule.default_account("Linux", tmp_path) == pwd.getpwuid(os.stat(tmp_path).st_uid).pw_name
    assert host_schedule.default_account("Windows", tmp_path) == "SYSTEM"


# ---- launchd ------------------------------------------------------------------------------------------------
def test_launchd_plist_runs_the_backup_at_night_as_the_service_account():
    plist = plistlib.loads(render_launchd(job(account="_hhdesk")))
    assert plist["Label"] == "org.hhdesk.host-backup"
    assert plist["ProgramArguments"] == ["/opt/hhdesk/bin/python3", "-m", "hhdesk", "host", "backup",
                                         "--data-dir", "/srv/Clinic Data/hhdesk 100%"]
    assert plist["UserName"] == "_hhdesk"
    assert plist["StartCalendarInterval"] == {"Hour": 3, "Minute": 15}
    assert plist["Umask"] == 0o077


def test_installing_on_macos_loads_the_daemon_after_unloading_an_old_one(tmp_path):
    calls = Calls(failing="bootout")  # nothing loaded before: bootout fails, which is fine
    result = install_backup_schedule(tmp_path / "data", system="Darwin", run=calls, account="_hhdesk",
                                     program=["/Applications/hhdesk.app/Contents/MacOS/hhdesk"],
                                     target_dir=tmp_path)
    plist = tmp_path / "org.hhdesk.host-backup.plist"
    assert result.written == [plist] and (plist.stat().st_mode & 0o777) == 0o644
    assert calls.seen == [["launchctl", "bootout", "system/org.hhdesk.host-backup"],
                          ["launchctl", "bootstrap", "system", str(plist)]]
    assert result.still_to_run == []
    assert plistlib.loads(plist.read_bytes())["UserName"] == "_hhdesk"


# ---- Windows ------------------------------------------------------------------------------------------------
def test_windows_task_runs_as_system_daily_and_catches_up():
    windows_job = BackupJob(Path("C:/ProgramData/hhdesk data"),
                            ("C:\\Program Files\\hhdesk\\hhdesk-cli.exe",), "SYSTEM")
    xml = render_windows_task(windows_job)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-16"?>\n')
    task = ET.fromstring(xml.split("\n", 1)[1])
    assert task.tag == f"{TASK}Task"
    assert task.findtext(f"{TASK}Principals/{TASK}Principal/{TASK}UserId") == "S-1-5-18"
    trigger = task.find(f"{TASK}Triggers/{TASK}CalendarTrigger")
    assert trigger is not None
    assert trigger.findtext(f"{TASK}StartBoundary", "").endswith("T03:15:00")
    assert trigger.findtext(f"{TASK}ScheduleByDay/{TASK}DaysInterval") == "1"
    assert task.findtext(f"{TASK}Settings/{TASK}StartWhenAvailable") == "true"
    assert task.findtext(f"{TASK}Actions/{TASK}Exec/{TASK}Command") == "C:\\Program Files\\hhdesk\\hhdesk-cli.exe"
    arguments = task.findtext(f"{TASK}Actions/{TASK}Exec/{TASK}Arguments")
    assert arguments == f'host backup --data-dir "{Path("C:/ProgramData/hhdesk data")}"'


def test_installing_on_windows_writes_utf16_and_calls_schtasks(tmp_path):
    calls = Calls()
    result = install_backup_schedule(tmp_path, system="Windows", run=calls,
                                     program=["C:\\Program Files\\hhdesk\\hhdesk-cli.exe"])
    task_file = tmp_path / "hhdesk-nightly-backup-task.xml"
    assert result.written == [task_file]
    raw = task_file.read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # the byte-order mark schtasks expects with UTF-16
    assert ET.fromstring(raw).findtext(f"{TASK}RegistrationInfo/{TASK}URI") == "\\hhdesk\\Nightly backup"
    assert calls.seen == [["schtasks", "/Create", "/TN", "hhdesk\\Nightly backup", "/XML", str(task_file), "/F"]]
    failed = install_backup_schedule(tmp_path, system="Windows", run=Calls(failing="schtasks"),
                                     program=["hhdesk-cli.exe"])
    assert '`schtasks /Create /TN "hhdesk\\Nightly backup" /XML' in failed.message
