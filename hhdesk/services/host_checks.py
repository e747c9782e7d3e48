"""What an administrator must know about a computer before it becomes the agency's host.

Each check asks the operating system's own tools (listed per system in ``COMMANDS``) and says what it found in
plain words. A check that fails with ``blocking=True`` stops the setup: a data drive without encryption (the
host holds every member's record, and PostgreSQL itself encrypts nothing at rest), a drive whose encryption
cannot be confirmed, too little free disk, no administrator rights (the setup registers a service, a firewall
rule and a nightly task). Sleep settings only warn: a sleeping host stops the team, but it loses nothing.

Every command goes through the ``run`` callable (``subprocess.run`` by default), so tests feed it the
recorded output of the real tools.
"""

from __future__ import annotations

import json
import platform
import plistlib
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

GIB = 1024 ** 3
# Below this the setup refuses: the database, 14 nightly backups and, at an upgrade, a second copy of the
# cluster must fit.
BLOCKING_FREE_BYTES = 5 * GIB
# Below this it warns: a year of a 50-person agency's work and its backups still fit, but not for long.
LOW_FREE_BYTES = 20 * GIB
COMMAND_TIMEOUT_SECONDS = 30

LINUX_SLEEP_TARGETS = ("sleep.target", "suspend.target", "hibernate.target", "hybrid-sleep.target")

# Every command a check runs, per operating system (platform.system()'s names). Placeholders in braces are
# filled in per call: {folder} the data folder (or its nearest existing parent), {device} the block device
# under it, {mount} its mount point, {drive} its Windows drive letter with the colon.
COMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Linux": {
        "administrator": ("id", "-u"),
        "mount": ("findmnt", "-J", "-o", "SOURCE,FSTYPE", "--target", "{folder}"),
        "device tree": ("lsblk", "-J", "-s", "-o", "NAME,TYPE", "{device}"),
        "sleep": ("systemctl", "show", "-p", "Id", "-p", "LoadState", *LINUX_SLEEP_TARGETS),
    },
    "Darwin": {
        "administrator": ("id", "-u"),
        "mount": ("df", "-P", "{folder}"),
        "startup volume encryption": ("fdesetup", "status"),
        "volume encryption": ("diskutil", "info", "-plist", "{mount}"),
        "sleep": ("pmset", "-g"),
    },
    "Windows": {
        "administrator": ("net", "session"),
        "encryption": ("manage-bde", "-status", "{drive}", "-protectionaserrorlevel"),
        "sleep": ("powercfg", "/query", "SCHEME_CURRENT", "SUB_SLEEP", "STANDBYIDLE"),
    },
}
SYSTEM_NAMES = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}
# macOS mounts the startup disk's data at /System/Volumes/Data (firmlinked to /); FileVault covers both.
MACOS_STARTUP_MOUNTS = ("/", "/System/Volumes/Data")

Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class HostCheck:
    """One finding: ``ok`` is None when the computer could not tell; ``blocking`` stops the setup."""

    name: str
    ok: bool | None
    finding: str
    blocking: bool


def check_host(data_dir: Path, *, run: Runner = subprocess.run, system: str | None = None,
               release: str | None = None,
               disk_usage: Callable[[Path], Any] = shutil.disk_usage) -> list[HostCheck]:
    """The operating system, administrator rights, disk encryption, sleep and free disk, in that order."""
    system = system or platform.system()
    if system not in COMMANDS:
        return [HostCheck("operating system", False,
                          f"hhdesk runs an agency's host on Windows, macOS or Linux, not on {system}.", True)]
    commands = _Commands(system, run)
    folder = _existing_part(data_dir) if system != "Windows" else data_dir
    return [
        _operating_system(system, release if release is not None else platform.release()),
        _administrator(system, commands),
        _encryption(system, commands, data_dir, folder),
        _sleep(system, commands),
        _free_disk(_existing_part(data_dir), disk_usage),
    ]


class _Commands:
    def __init__(self, system: str, run: Runner) -> None:
        self.table = COMMANDS[system]
        self._run = run

    def run(self, key: str, **values: str) -> subprocess.CompletedProcess | None:
        """The command's result, or None when the tool is missing or hangs."""
        argv = [part.format(**values) for part in self.table[key]]
        try:
            return self._run(argv, capture_output=True, text=True, check=False,
                             timeout=COMMAND_TIMEOUT_SECONDS)
        except (OSError, subprocess.SubprocessError):
            return None


def _existing_part(path: Path) -> Path:
    """The folder itself, or its nearest parent that exists (setup checks before it creates the folder)."""
    path = Path(path).absolute()
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or "/")


# ---- operating system -------------------------------------------------------------------------------------
def _operating_system(system: str, release: str) -> HostCheck:
    name = SYSTEM_NAMES[system]
    if system == "Windows" and release and release not in ("10", "11"):
        return HostCheck("operating system", False,
                         f"Windows {release} no longer receives security updates: use Windows 10 or 11.", True)
    return HostCheck("operating system", True, f"{name} {release}".strip() + ".", False)


# ---- administrator rights -----------------------------------------------------------------------------------
def _administrator(system: str, commands: _Commands) -> HostCheck:
    name = "administrator rights"
    result = commands.run("administrator")
    if result is None:
        return HostCheck(name, None, "Could not tell whether this account is an administrator.", True)
    if system == "Windows":
        # `net session` lists the server's sessions, which only an elevated administrator may do; anyone
        # else gets "System error 5 has occurred. Access is denied." and exit status 2.
        if result.returncode == 0:
            return HostCheck(name, True, "Running as an administrator.", False)
        return HostCheck(name, False, "Not running as an administrator: right-click hhdesk (or PowerShell), "
                         "choose \"Run as administrator\", and run the setup again.", True)
    if result.returncode == 0 and result.stdout.strip() == "0":
        return HostCheck(name, True, "Running as root.", False)
    return HostCheck(name, False, "Not running as root: run the setup again with sudo (it registers the "
                     "database service and the nightly backup for the whole computer).", True)


# ---- disk encryption ----------------------------------------------------------------------------------------
def _encryption(system: str, commands: _Commands, data_dir: Path, folder: Path) -> HostCheck:
    if system == "Linux":
        return _linux_encryption(commands, folder)
    if system == "Darwin":
        return _macos_encryption(commands, folder)
    return _windows_encryption(commands, data_dir)


def _encrypted(finding: str) -> HostCheck:
    return HostCheck("disk encryption", True, finding, False)


def _not_encrypted(finding: str) -> HostCheck:
    return HostCheck("disk encryption", False, finding, True)


def _unknown_encryption(finding: str) -> HostCheck:
    return HostCheck("disk encryption", None, finding, True)


def _linux_encryption(commands: _Commands, folder: Path) -> HostCheck:
    mount = commands.run("mount", folder=str(folder))
    try:
        filesystem = json.loads(mount.stdout)["filesystems"][0] if mount and mount.returncode == 0 else None
    except (ValueError, KeyError, IndexError, TypeError):
        filesystem = None
    if not isinstance(filesystem, dict):
        return _unknown_encryption(f"Could not find which disk holds {folder} (findmnt failed), so its "
                                   "encryption could not be checked.")
    source = re.sub(r"\[.*\]$", "", str(filesystem.get("source") or ""))  # btrfs adds [/subvolume]
    if not source.startswith("/dev/"):
        return _unknown_encryption(f"{folder} is on a {filesystem.get('fstype') or 'virtual'} file system "
                                   "that is not a disk partition, so its encryption could not be checked.")
    tree = commands.run("device tree", device=source)
    try:
        devices = json.loads(tree.stdout)["blockdevices"] if tree and tree.returncode == 0 else None
    except (ValueError, KeyError, TypeError):
        devices = None
    if not isinstance(devices, list):
        return _unknown_encryption(f"Could not read the devices under {source} (lsblk failed), so its "
                                   "encryption could not be checked.")
    # `lsblk -s` lists the device, then what it is built on (LVM, LUKS, partition, disk): LUKS anywhere
    # below means the data is encrypted on the disk.
    if any(device.get("type") == "crypt" for device in _walk(devices)):
        return _encrypted(f"The data folder's disk ({source}) is encrypted with LUKS.")
    return _not_encrypted(f"The data folder's disk ({source}) is not encrypted: the members' records would "
                          "be readable by anyone who takes the disk. Put the data folder on a LUKS-encrypted "
                          "disk, or give the reason to go on without it (--allow-unencrypted-disk).")


def _walk(devices: list) -> list[dict]:
    found = []
    for device in devices:
        if isinstance(device, dict):
            found.append(device)
            children = device.get("children")
            found.extend(_walk(children if isinstance(children, list) else []))
    return found


def _macos_encryption(commands: _Commands, folder: Path) -> HostCheck:
    df = commands.run("mount", folder=str(folder))
    lines = df.stdout.strip().splitlines() if df and df.returncode == 0 else []
    # df -P: a header, then "device blocks used available capacity mount-point" (the mount may hold spaces)
    parts = lines[1].split(None, 5) if len(lines) >= 2 else []
    if len(parts) < 6:
        return _unknown_encryption(f"Could not find which volume holds {folder} (df failed), so its "
                                   "encryption could not be checked.")
    mount_point = parts[5]
    if mount_point in MACOS_STARTUP_MOUNTS:
        status = commands.run("startup volume encryption")
        text = status.stdout if status else ""
        if "FileVault is On" in text and "Decryption in progress" not in text:
            return _encrypted("The startup disk is encrypted with FileVault.")
        if "FileVault is Off" in text or "Decryption in progress" in text:
            return _not_encrypted("FileVault is off on the startup disk: the members' records would be "
                                  "readable by anyone who takes the Mac. Turn on FileVault (System Settings "
                                  "> Privacy & Security), or give the reason to go on without it "
                                  "(--allow-unencrypted-disk).")
        return _unknown_encryption("Could not read FileVault's status (fdesetup status), so the startup "
                                   "disk's encryption could not be checked.")
    info = commands.run("volume encryption", mount=mount_point)
    try:
        details = plistlib.loads(info.stdout.encode()) if info and info.returncode == 0 else {}
    except (plistlib.InvalidFileException, ValueError):
        details = {}
    encrypted = details.get("FileVault", details.get("Encryption")) if isinstance(details, dict) else None
    if encrypted is True:
        return _encrypted(f"The volume {mount_point} that holds the data folder is encrypted.")
    if encrypted is False:
        return _not_encrypted(f"The volume {mount_point} that holds the data folder is not encrypted. Use "
                              "an encrypted volume (Disk Utility > Erase > APFS (Encrypted)), or give the "
                              "reason to go on without it (--allow-unencrypted-disk).")
    return _unknown_encryption(f"Could not read the encryption of the volume {mount_point} (diskutil info).")


def _windows_encryption(commands: _Commands, data_dir: Path) -> HostCheck:
    drive = PureWindowsPath(str(data_dir)).drive or "C:"
    if not re.fullmatch(r"[A-Za-z]:", drive):
        return _not_encrypted(f"The data folder must be on a disk of this computer, not on {drive}.")
    result = commands.run("encryption", drive=drive.upper())
    # -protectionaserrorlevel: exit status 0 when BitLocker protects the drive, 1 when it does not; any other
    # status is an error of manage-bde itself (not elevated, no such drive, BitLocker not installed).
    if result is not None and result.returncode == 0:
        return _encrypted(f"BitLocker protects drive {drive.upper()}.")
    if result is not None and result.returncode == 1:
        return _not_encrypted(f"BitLocker does not protect drive {drive.upper()}: the members' records would "
                              "be readable by anyone who takes the disk. Turn on BitLocker (Settings > "
                              "Privacy & security > Device encryption, or Control Panel > BitLocker Drive "
                              "Encryption), or give the reason to go on without it (--allow-unencrypted-disk).")
    return _unknown_encryption(f"Could not read BitLocker's status of drive {drive.upper()} (manage-bde), so "
                               "its encryption could not be checked.")


# ---- sleep ----------------------------------------------------------------------------------------------------
def _sleep(system: str, commands: _Commands) -> HostCheck:
    result = commands.run("sleep")
    if result is None or result.returncode != 0:
        return HostCheck("sleep", None, "Could not read the sleep settings: make sure this computer never "
                         "sleeps, or the team loses its data while it does.", False)
    if system == "Linux":
        return _linux_sleep(result.stdout)
    if system == "Darwin":
        return _macos_sleep(result.stdout)
    return _windows_sleep(result.stdout)


def _never_sleeps(finding: str) -> HostCheck:
    return HostCheck("sleep", True, finding, False)


def _may_sleep(finding: str) -> HostCheck:
    return HostCheck("sleep", False, finding, False)


def _linux_sleep(output: str) -> HostCheck:
    states: dict[str, str] = {}
    for block in output.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if "Id" in fields:
            states[fields["Id"]] = fields.get("LoadState", "")
    awake = [target for target in LINUX_SLEEP_TARGETS if states.get(target) != "masked"]
    if not awake:
        return _never_sleeps("Sleep and hibernation are turned off (their systemd targets are masked).")
    return _may_sleep("This computer may go to sleep and stop the team's work: run `sudo systemctl mask "
                      + " ".join(awake) + "`.")


def _macos_sleep(output: str) -> HostCheck:
    match = re.search(r"^\s*sleep\s+(\d+)", output, re.MULTILINE)
    if match is None:
        return HostCheck("sleep", None, "Could not read the sleep setting (pmset -g).", False)
    minutes = int(match.group(1))
    if minutes == 0:
        return _never_sleeps("The Mac never sleeps when idle.")
    return _may_sleep(f"The Mac sleeps after {minutes} minutes idle and stops the team's work: run "
                      "`sudo pmset -c sleep 0` (or System Settings > Energy: \"Prevent automatic sleeping\").")


def _windows_sleep(output: str) -> HostCheck:
    # powercfg prints the setting's range, then "Current AC Power Setting Index: 0x…" and the DC one, in
    # seconds; the labels are translated on other Windows languages, the order is not.
    values = re.findall(r"0x([0-9a-fA-F]+)", output)
    if len(values) < 2:
        return HostCheck("sleep", None, "Could not read the sleep setting (powercfg).", False)
    seconds_on_power = int(values[-2], 16)
    if seconds_on_power == 0:
        return _never_sleeps("The computer never sleeps when plugged in.")
    return _may_sleep(f"The computer sleeps after {seconds_on_power // 60} minutes idle and stops the team's "
                      "work: run `powercfg /change standby-timeout-ac 0` (or Settings > System > Power: "
                      "Sleep \"Never\").")


# ---- free disk ------------------------------------------------------------------------------------------------
def _free_disk(folder: Path, disk_usage: Callable[[Path], Any]) -> HostCheck:
    try:
        free = disk_usage(folder).free
    except OSError:
        return HostCheck("free disk", None, f"Could not read the free space at {folder}.", True)
    shown = f"{free / GIB:.1f} GB free"
    if free < BLOCKING_FREE_BYTES:
        return HostCheck("free disk", False, f"Only {shown} on the data folder's disk: hhdesk needs at least "
                         f"{BLOCKING_FREE_BYTES // GIB} GB for the database and its backups.", True)
    if free < LOW_FREE_BYTES:
        return HostCheck("free disk", False, f"{shown} on the data folder's disk: enough to start, but free "
                         f"some space soon ({LOW_FREE_BYTES // GIB} GB or more is comfortable).", False)
    return HostCheck("free disk", True, f"{shown} on the data folder's disk.", False)
