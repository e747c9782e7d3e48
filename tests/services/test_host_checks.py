"""The host checks against recorded outputs of the real tools of each system, and once for real here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhdesk.services.host_checks import COMMANDS, GIB, HostCheck, check_host

Usage = namedtuple("Usage", "total used free")
PLENTY = Usage(500 * GIB, 100 * GIB, 400 * GIB)

# ---- recorded outputs (trimmed of nothing but serial numbers) ----------------------------------------------
FINDMNT_LUKS = '{\n   "filesystems": [\n      {\n         "source": "/dev/mapper/vg0-root",\n' \
               '         "fstype": "ext4"\n      }\n   ]\n}\n'
LSBLK_LVM_ON_LUKS = """{
   "blockdevices": [
      {
         "name": "vg0-root",
         "type": "lvm",
         "children": [
            {
               "name": "nvme0n1p3_crypt",
               "type": "crypt",
               "children": [
                  {
                     "name": "nvme0n1p3",
                     "type": "part",
                     "children": [
                        {
                           "name": "nvme0n1",
                           "type": "disk"
                        }
                     ]
                  }
               ]
            }
         ]
      }
   ]
}
"""
FINDMNT_PLAIN = '{\n   "filesystems": [\n      {\n         "source": "/dev/sda2",\n         "fstype": "ext4"\n' \
                '      }\n   ]\n}\n'
LSBLK_PLAIN = """{
   "blockdevices": [
      {
         "name": "sda2",
         "type": "part",
         "children": [
            {
               "name": "sda",
               "type": "disk"
            }
         ]
      }
   ]
}
"""
FINDMNT_OVERLAY = '{\n   "filesystems": [\n      {\n         "source": "overlay",\n         "fstype": "overlay"\n' \
                  '      }\n   ]\n}\n'
SYSTEMCTL_ALL_MASKED = "".join(f"Id={t}\nLoadState=masked\n\n" for t in
                               ("sleep.target", "suspend.target", "hibernate.target", "hybrid-sleep.target"))
SYSTEMCTL_SUSPEND_LOADED = ("Id=sleep.target\nLoadState=masked\n\nId=suspend.target\nLoadState=loaded\n\n"
                            "Id=hibernate.target\nLoadState=masked\n\nId=hybrid-sleep.target\nLoadState=masked\n")
SYSTEMCTL_NO_SYSTEMD = "System has not been booted with systemd as init system (PID 1). Can't operate.\n" \
                       "Failed to connect to bus: Host is down\n"

DF_STARTUP = ("Filesystem     512-blocks      Used Available Capacity  Mounted on\n"
              "/dev/disk3s5    965595304 412033712 524171920    45%    /System/Volumes/Data\n")
DF_EXTERNAL = ("Filesystem   512-blocks     Used Available Capacity  Mounted on\n"
               "/dev/disk5s1  976101344 10243256 965858088     2%    /Volumes/Clinic Data\n")
FDESETUP_ON = "FileVault is On.\n"
FDESETUP_OFF = "FileVault is Off.\n"
FDESETUP_DECRYPTING = "FileVault is On.\nDecryption in progress: Percent completed = 12\n"
DISKUTIL_ENCRYPTED = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>DeviceIdentifier</key>
\t<string>disk5s1</string>
\t<key>Encryption</key>
\t<true/>
\t<key>FileVault</key>
\t<true/>
\t<key>FilesystemType</key>
\t<string>apfs</string>
\t<key>MountPoint</key>
\t<string>/Volumes/Clinic Data</string>
</dict>
</plist>
"""
DISKUTIL_PLAIN = DISKUTIL_ENCRYPTED.replace("<true/>", "<false/>")
PMSET_NEVER = """System-wide power settings:
Currently in use:
 standby              0
 Sleep On Power Button 1
 hibernatefile        /var/vm/sleepimage
 powernap             1
 networkoversleep     0
 disksleep            10
 sleep                0 (sleep prevented by powerd)
 hibernatemode        0
 ttyskeepawake        1
 displaysleep         10
 tcpkeepalive         1
 womp                 1
"""
PMSET_SLEEPS = PMSET_NEVER.replace("sleep                0 (sleep prevented by powerd)", "sleep                1")
POWERCFG_NEVER = """Power Scheme GUID: 381b4222-f694-41f0-9685-ff5bb260df2e  (Balanced)
  GUID Alias: SCHEME_BALANCED
  Subgroup GUID: 238c9fa8-0aad-41ed-83f4-97be242c8f20  (Sleep)
    GUID Alias: SUB_SLEEP
    Power Setting GUID: 29f6c1db-86da-48c5-9fdb-f2b67b1f44da  (Sleep after)
      GUID Alias: STANDBYIDLE
      Minimum Possible Setting:        0x00000000
      Maximum Possible Setting:        0xffffffff
      Possible Settings increment:     0x00000001
      Possible Settings units:         Seconds
    Current AC Power Setting Index: 0x00000000
    Current DC Power Setting Index: 0x00000384

"""
POWERCFG_30_MINUTES = POWERCFG_NEVER.replace("AC Power Setting Index: 0x00000000",
                                             "AC Power Setting Index: 0x00000708")
NET_SESSION_DENIED = "System error 5 has occurred.\n\nAccess is denied.\n\n"
NET_SESSION_ADMIN = "There are no entries in the list.\n\n"
MANAGE_BDE_ON = """BitLocker Drive Encryption: Configuration Tool version 10.0.22621
Copyright (C) 2013 Microsoft Corporation. All rights reserved.

Volume C: [OS]
[OS Volume]

    Size:                 475.69 GB
    BitLocker Version:    2.0
    Conversion Status:    Used Space Only Encrypted
    Percentage Encrypted: 100.0%
    Encryption Method:    XTS-AES 128
    Protection Status:    Protection On
    Lock Status:          Unlocked
    Identification Field: Unknown
    Key Protectors:
        TPM
        Numerical Password
"""
MANAGE_BDE_OFF = MANAGE_BDE_ON.replace("Protection On", "Protection Off").replace(
    "Used Space Only Encrypted", "Fully Decrypted").replace("100.0%", "0.0%")


class Recorded:
    """A stand-in for subprocess.run that answers each known command with its recorded output."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str] | Exception]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv, **kwargs):
        key = tuple(argv)
        self.calls.append(key)
        assert kwargs.get("check") is False and kwargs.get("timeout")
        for pattern, answer in self.answers.items():
            if key[:len(pattern)] == pattern:
                if isinstance(answer, Exception):
                    raise answer
                returncode, stdout = answer
                return subprocess.CompletedProcess(argv, returncode, stdout, "")
        raise AssertionError(f"unexpected command {argv}")


def by_name(checks: list[HostCheck]) -> dict[str, HostCheck]:
    return {check.name: check for check in checks}


def test_every_command_a_check_runs_is_in_the_one_table():
    run = Recorded({("id",): (0, "0\n"), ("findmnt",): (0, FINDMNT_LUKS), ("lsblk",): (0, LSBLK_LVM_ON_LUKS),
                    ("systemctl",): (0, SYSTEMCTL_ALL_MASKED)})
    check_host(Path("/srv/hhdesk"), run=run, system="Linux", release="6.1", disk_usage=lambda _: PLENTY)
    table = {entry[0] for entry in COMMANDS["Linux"].values()}
    assert {call[0] for call in run.calls} == table


# ---- Linux ----------------------------------------------------------------------------------------------------
def linux(run: Recorded, usage=PLENTY) -> dict[str, HostCheck]:
    return by_name(check_host(Path("/srv/hhdesk"), run=run, system="Linux", release="6.1",
                              disk_usage=lambda _: usage))


def test_linux_luks_under_lvm_is_encrypted_and_masked_sleep_is_fine():
    run = Recorded({("id",): (0, "0\n"), ("findmnt",): (0, FINDMNT_LUKS), ("lsblk",): (0, LSBLK_LVM_ON_LUKS),
                    ("systemctl",): (0, SYSTEMCTL_ALL_MASKED)})
    checks = linux(run)
    assert list(checks) == ["operating system", "administrator rights", "disk encryption", "sleep", "free disk"]
    assert checks["disk encryption"] == HostCheck(
        "disk encryption", True, "The data folder's disk (/dev/mapper/vg0-root) is encrypted with LUKS.", False)
    assert checks["sleep"].ok is True
    assert checks["administrator rights"].ok is True
    assert ("lsblk", "-J", "-s", "-o", "NAME,TYPE", "/dev/mapper/vg0-root") in run.calls
    assert not any(check.blocking for check in checks.values())


def test_linux_plain_partition_blocks_and_a_loaded_suspend_target_warns():
    run = Recorded({("id",): (0, "1000\n"), ("findmnt",): (0, FINDMNT_PLAIN), ("lsblk",): (0, LSBLK_PLAIN),
                    ("systemctl",): (0, SYSTEMCTL_SUSPEND_LOADED)})
    checks = linux(run)
    assert checks["disk encryption"].ok is False and checks["disk encryption"].blocking
    assert "/dev/sda2" in checks["disk encryption"].finding
    assert checks["sleep"].ok is False and not checks["sleep"].blocking
    assert "sudo systemctl mask suspend.target`" in checks["sleep"].finding
    assert checks["administrator rights"].ok is False and checks["administrator rights"].blocking


def test_linux_overlay_or_missing_tools_cannot_confirm_encryption_and_that_blocks():
    run = Recorded({("id",): (0, "0\n"), ("findmnt",): (0, FINDMNT_OVERLAY),
                    ("systemctl",): (1, SYSTEMCTL_NO_SYSTEMD)})
    checks = linux(run)
    assert checks["disk encryption"].ok is None and checks["disk encryption"].blocking
    assert "overlay" in checks["disk encryption"].finding
    assert checks["sleep"].ok is None and not checks["sleep"].blocking
    missing = Recorded({("id",): FileNotFoundError("id"), ("findmnt",): FileNotFoundError("findmnt"),
                        ("systemctl",): FileNotFoundError("systemctl")})
    checks = linux(missing)
    assert checks["disk encryption"].ok is None and checks["disk encryption"].blocking
    assert checks["administrator rights"].ok is None


def test_free_disk_thresholds():
    run = Recorded({("id",): (0, "0\n"), ("findmnt",): (0, FINDMNT_LUKS), ("lsblk",): (0, LSBLK_LVM_ON_LUKS),
                    ("systemctl",): (0, SYSTEMCTL_ALL_MASKED)})
    low = linux(run, Usage(100 * GIB, 96 * GIB, 4 * GIB))["free disk"]
    assert (low.ok, low.blocking) == (False, True) and "4.0 GB free" in low.finding
    tight = linux(run, Usage(100 * GIB, 90 * GIB, 10 * GIB))["free disk"]
    assert (tight.ok, tight.blocking) == (False, False)
    assert linux(run)["free disk"].ok is True


# ---- macOS ----------------------------------------------------------------------------------------------------
def macos(run: Recorded, folder: str = "/Users/Shared/hhdesk") -> dict[str, HostCheck]:
    return by_name(check_host(Path(folder), run=run, system="Darwin", release="23.4.0",
                              disk_usage=lambda _: PLENTY))


def test_macos_filevault_on_and_never_sleeping():
    run = Recorded({("id",): (0, "0\n"), ("df",): (0, DF_STARTUP), ("fdesetup",): (0, FDESETUP_ON),
                    ("pmset",): (0, PMSET_NEVER)})
    checks = macos(run)
    assert checks["disk encryption"].ok is True and "FileVault" in checks["disk encryption"].finding
    assert checks["sleep"].ok is True
    assert checks["operating system"].finding == "macOS 23.4.0."


@pytest.mark.parametrize("status", [FDESETUP_OFF, FDESETUP_DECRYPTING])
def test_macos_filevault_off_or_decrypting_blocks(status):
    run = Recorded({("id",): (0, "501\n"), ("df",): (0, DF_STARTUP), ("fdesetup",): (0, status),
                    ("pmset",): (0, PMSET_SLEEPS)})
    checks = macos(run)
    assert checks["disk encryption"].ok is False and checks["disk encryption"].blocking
    assert checks["sleep"].ok is False and "after 1 minutes" in checks["sleep"].finding
    assert checks["administrator rights"].blocking


@pytest.mark.parametrize(("plist", "ok"), [(DISKUTIL_ENCRYPTED, True), (DISKUTIL_PLAIN, False)])
def test_macos_data_on_another_volume_asks_diskutil_about_that_volume(plist, ok):
    run = Recorded({("id",): (0, "0\n"), ("df",): (0, DF_EXTERNAL), ("diskutil",): (0, plist),
                    ("pmset",): (0, PMSET_NEVER)})
    checks = macos(run, "/Volumes/Clinic Data/hhdesk")
    assert checks["disk encryption"].ok is ok
    assert ("diskutil", "info", "-plist", "/Volumes/Clinic Data") in run.calls
    assert not any(call[0] == "fdesetup" for call in run.calls)


# ---- Windows --------------------------------------------------------------------------------------------------
def windows(run: Recorded, folder: str = "C:\\ProgramData\\hhdesk", release: str = "11") -> dict[str, HostCheck]:
    return by_name(check_host(Path(folder), run=run, system="Windows", release=release,
                              disk_usage=lambda _: PLENTY))


def test_windows_bitlocker_on_admin_and_never_sleeping():
    run = Recorded({("net",): (0, NET_SESSION_ADMIN), ("manage-bde",): (0, MANAGE_BDE_ON),
                    ("powercfg",): (0, POWERCFG_NEVER)})
    checks = windows(run)
    assert ("manage-bde", "-status", "C:", "-protectionaserrorlevel") in run.calls
    assert checks["disk encryption"] == HostCheck("disk encryption", True, "BitLocker protects drive C:.", False)
    assert checks["administrator rights"].ok is True
    assert checks["sleep"].ok is True


def test_windows_unprotected_drive_not_admin_and_sleeping_after_30_minutes():
    run = Recorded({("net",): (2, NET_SESSION_DENIED), ("manage-bde",): (1, MANAGE_BDE_OFF),
                    ("powercfg",): (0, POWERCFG_30_MINUTES)})
    checks = windows(run, "d:\\hhdesk")
    assert ("manage-bde", "-status", "D:", "-protectionaserrorlevel") in run.calls
    assert checks["disk encryption"].ok is False and checks["disk encryption"].blocking
    assert checks["administrator rights"].ok is False and checks["administrator rights"].blocking
    assert checks["sleep"].ok is False and "after 30 minutes" in checks["sleep"].finding


def test_windows_manage_bde_error_or_network_path_or_old_windows_block():
    # 0x80070005 (access denied), as manage-bde exits when it is not elevated
    run = Recorded({("net",): (0, NET_SESSION_ADMIN), ("manage-bde",): (-2147024891, ""),
                    ("powercfg",): (0, POWERCFG_NEVER)})
    checks = windows(run)
    assert checks["disk encryption"].ok is None and checks["disk encryption"].blocking
    network = windows(run, "\\\\server\\share\\hhdesk")["disk encryption"]
    assert network.ok is False and network.blocking
    old = windows(run, release="8.1")["operating system"]
    assert old.ok is False and old.blocking


def test_an_unsupported_system_is_refused():
    assert check_host(Path("/x"), run=Recorded({}), system="SunOS") == [HostCheck(
        "operating system", False, "hhdesk runs an agency's host on Windows, macOS or Linux, not on SunOS.", True)]


# ---- for real, on this machine -----------------------------------------------------------------------------
@pytest.mark.skipif(not shutil.which("findmnt") or not shutil.which("lsblk"), reason="needs util-linux")
def test_the_linux_checks_run_for_real_here(tmp_path):
    checks = by_name(check_host(tmp_path / "not-yet-created"))
    assert list(checks) == ["operating system", "administrator rights", "disk encryption", "sleep", "free disk"]
    mount = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "--target", str(tmp_path)], capture_output=True,
                           text=True, check=True).stdout.strip()
    tree = subprocess.run(["lsblk", "-n", "-s", "-o", "TYPE", mount], capture_output=True, text=True,
                          check=False).stdout.split() if mount.startswith("/dev/") else []
    encryption = checks["disk encryption"]
    if "crypt" in tree:
        assert encryption.ok is True
    else:
        assert encryption.ok in (False, None) and encryption.blocking
    assert checks["administrator rights"].ok is (os.geteuid() == 0)
    shown = re.search(r"([0-9.]+) GB free", checks["free disk"].finding)
    assert shown is not None
    reported = float(shown.group(1))
    assert reported == pytest.approx(shutil.disk_usage(tmp_path).free / GIB, abs=1.0)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["Linux", "Darwin", "Windows"]),
       st.lists(st.tuples(st.integers(-5, 5), st.text(max_size=300)), min_size=6, max_size=6))
def test_any_output_of_the_tools_gives_five_findings_and_never_a_confirmed_encryption_by_accident(system, answers):
    replies = iter(answers)

    def run(argv, **_kwargs):
        returncode, stdout = next(replies)
        return subprocess.CompletedProcess(argv, returncode, stdout, "")

    checks = check_host(Path("C:\\hhdesk" if system == "Windows" else "/srv/hhdesk"), run=run, system=system,
                        release="11", disk_usage=lambda _: PLENTY)
    assert [check.name for check in checks] == ["operating system", "administrator rights", "disk encryption",
                                                "sleep", "free disk"]
    assert all(check.finding for check in checks)
    encryption = checks[2]
    assert encryption.blocking is (encryption.ok is not True)
    if encryption.ok and system == "Linux":
        assert any("crypt" in stdout for _code, stdout in answers)
    if encryption.ok and system == "Darwin":
        assert any("FileVault is On" in stdout or "<true/>" in stdout for _code, stdout in answers)


@pytest.mark.parametrize(("findmnt", "lsblk"), [
    ('{"filesystems": ["/dev/sda1"]}', LSBLK_PLAIN),
    ('{"filesystems": [{"source": null}]}', LSBLK_PLAIN),
    (FINDMNT_PLAIN, '{"blockdevices": {"name": "sda"}}'),
    (FINDMNT_PLAIN, '{"blockdevices": [{"name": "sda", "type": "crypt-ish", "children": "none"}]}'),
])
def test_odd_json_from_findmnt_or_lsblk_is_not_taken_for_encryption(findmnt, lsblk):
    run = Recorded({("id",): (0, "0\n"), ("findmnt",): (0, findmnt), ("lsblk",): (0, lsblk),
                    ("systemctl",): (0, SYSTEMCTL_ALL_MASKED)})
    encryption = linux(run)["disk encryption"]
    assert encryption.ok is not True and encryption.blocking
