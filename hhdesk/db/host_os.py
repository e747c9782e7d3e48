"""What differs between the host's operating systems: the account the database service runs as, running a
program as that account, and giving it the folders and files it must own.

Linux and macOS: ``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as an unprivileged
service account (``runuser``, or ``sudo`` on macOS, which has no runuser) and its folders are handed to it
with ``chown``.

Windows: ``initdb`` and ``pg_ctl`` drop an administrator's rights by themselves (a restricted token, in which
the Administrators group only denies), the service runs as NETWORK SERVICE, and access lists do what owners
and modes do elsewhere: the data folder is cut down to administrators and SYSTEM (ProgramData would otherwise
let every user of the computer read it), and the cluster's and the log's folders are given to the service
account and to the administrator running the setup, whose own account is all a restricted token keeps.
Grants name well-known SIDs, because the groups' names differ by the language of Windows.
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from hhdesk.errors import UserError

WINDOWS = "Windows"
SERVICE_ACCOUNTS = ("postgres", "_postgres")  # Debian/Ubuntu/EDB, macOS
NEW_SERVICE_ACCOUNT = "hhdesk-postgres"
WINDOWS_SERVICE_ACCOUNT = "NT AUTHORITY\\NetworkService"
_ADMINISTRATORS_SID = "*S-1-5-32-544"
_SYSTEM_SID = "*S-1-5-18"
_NETWORK_SERVICE_SID = "*S-1-5-20"
COMMAND_TIMEOUT_SECONDS = 120

Runner = Callable[..., subprocess.CompletedProcess]


class AccountProblem(UserError):
    """The service account could not be found, made or given its folders."""


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def service_account(system: str | None = None) -> str:
    """The account the server runs as: as root, an unprivileged one (made if there is none); else oneself."""
    system = system or platform.system()
    if system == WINDOWS:
        return WINDOWS_SERVICE_ACCOUNT
    import pwd

    if not is_root():
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in SERVICE_ACCOUNTS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    if system == "Darwin":  # macOS always has _postgres; a Mac without it is not one we know
        raise AccountProblem("This Mac has no _postgres account to run the database service: install "
                             "PostgreSQL with the EDB installer, then run the host setup again.")
    made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", NEW_SERVICE_ACCOUNT],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        raise AccountProblem(f"Could not create the system account {NEW_SERVICE_ACCOUNT} for the database "
                             f"service ({made.stderr.strip()}).")
    return NEW_SERVICE_ACCOUNT


def as_account(argv: Sequence[str], account: str | None, system: str,
               environment: dict[str, str] | None = None) -> list[str]:
    """The command run as ``account`` (None: as this process's own user).

    ``environment``: variables the command needs; runuser passes the caller's on, sudo clears them, so on
    macOS they go through ``env`` (never a secret: a password travels in a file).
    """
    if account is None or system == WINDOWS:
        return list(argv)
    if system == "Darwin":
        settings = [f"{name}={value}" for name, value in (environment or {}).items()]
        return ["sudo", "-u", account, "--", *(["env", *settings] if settings else []), *argv]
    return ["runuser", "-u", account, "--", *argv]


def run_as(account: str, *command: str | os.PathLike[str], system: str | None = None,
           run: Runner = subprocess.run) -> subprocess.CompletedProcess[str]:
    """Run a program as the service account (as oneself when not root, or when that is the account)."""
    system = system or platform.system()
    switch = account if is_root() and account != "root" else None
    argv = as_account([str(part) for part in command], switch, system)
    return run(argv, capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT_SECONDS,
               cwd=None if system == WINDOWS else "/")


def run_tool(argv: list[str], run: Runner = subprocess.run, timeout: float = COMMAND_TIMEOUT_SECONDS) -> str | None:
    """Run one of the system's tools (systemctl, launchctl, icacls, netsh…): None when it worked, else the last
    line it said (or why it could not run), for a sentence that tells the administrator what failed."""
    try:
        done = run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    if done.returncode == 0:
        return None
    said = (done.stderr or done.stdout or "").strip().splitlines()
    return said[-1] if said else f"exit status {done.returncode}"


def hand_over(path: Path, account: str | None, system: str | None = None, run: Runner = subprocess.run) -> None:
    """Let the service account own (Linux, macOS) or fully control (Windows) a folder or file we made for it."""
    system = system or platform.system()
    if account is None:
        return
    if system == WINDOWS:
        failed = run_tool(service_grant_command(path, account), run)
        if failed is not None:
            raise AccountProblem(f"Could not give the database service its folder {path} ({failed}).")
        return
    if is_root():
        import pwd

        entry = pwd.getpwnam(account)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def service_grant_command(path: Path, account: str, running_user: str | None = None) -> list[str]:
    """icacls: full control of ``path`` (and, for a folder, what is made in it) for the service account and
    the administrator running the setup (see the module's docstring)."""
    inherit = "(OI)(CI)" if path.is_dir() else ""
    who = _NETWORK_SERVICE_SID if account == WINDOWS_SERVICE_ACCOUNT else account
    user = running_user if running_user is not None else _windows_user()
    grants = [f"{who}:{inherit}F", *([f"{user}:{inherit}F"] if user else [])]
    return ["icacls", str(path), "/grant", *grants, "/T", "/Q"]


def private_folder_commands(folder: Path) -> list[list[str]]:
    """icacls: the host's data folder for administrators and SYSTEM only, nothing inherited from above."""
    return [["icacls", str(folder), "/inheritance:r", "/grant:r", f"{_ADMINISTRATORS_SID}:(OI)(CI)F",
             f"{_SYSTEM_SID}:(OI)(CI)F", "/Q"]]


def make_private(folder: Path, system: str | None = None, run: Runner = subprocess.run) -> None:
    """The host's data folder readable by administrators only (the service reaches its own folders in it)."""
    system = system or platform.system()
    if system != WINDOWS:
        folder.chmod(0o711)  # the service account passes through to its own folders
        return
    for argv in private_folder_commands(folder):
        failed = run_tool(argv, run)
        if failed is not None:
            raise AccountProblem(f"Could not make {folder} private to the computer's administrators ({failed}).")


def _windows_user() -> str:
    domain, name = os.environ.get("USERDOMAIN", ""), os.environ.get("USERNAME", "")
    return f"{domain}\\{name}" if domain and name else name
