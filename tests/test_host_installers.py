"""The host-setup scripts for Windows and macOS: what can be checked on this Linux machine.

PowerShell is not installed here (the parse test runs where `pwsh` is), and no Mac tool is; the scripts'
runs are the checklist in installers/README.md, which must name every step they announce.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALLERS = Path(__file__).resolve().parent.parent / "installers"
WINDOWS = INSTALLERS / "windows" / "host-setup.ps1"
MACOS = INSTALLERS / "macos" / "host-setup.sh"


def script_steps() -> dict[str, list[str]]:
    return {
        "windows/host-setup.ps1": re.findall(r'^Step "([a-z-]+)"', WINDOWS.read_text(), re.MULTILINE),
        "macos/host-setup.sh": re.findall(r"^step ([a-z-]+) ", MACOS.read_text(), re.MULTILINE),
    }


def test_the_checklist_names_every_step_of_each_script_and_no_other():
    readme = (INSTALLERS / "README.md").read_text()
    checklist = readme[readme.index("### Checklist of what could not be run here"):]
    steps = script_steps()
    assert len(steps["windows/host-setup.ps1"]) == 5 and len(steps["macos/host-setup.sh"]) == 4
    for script, names in steps.items():
        for name in names:
            assert f"`{script}` **{name}**" in checklist, f"the checklist misses {script} {name}"
    listed = re.findall(r"`((?:windows|macos)/host-setup\.(?:ps1|sh))` \*\*([a-z-]+)\*\*", checklist)
    assert sorted(listed) == sorted((script, name) for script, names in steps.items() for name in names)


def test_each_script_lists_its_steps_in_its_header_in_order():
    for path, names in ((WINDOWS, script_steps()["windows/host-setup.ps1"]),
                        (MACOS, script_steps()["macos/host-setup.sh"])):
        header = re.findall(r"^#   ([a-z-]+) ", path.read_text(), re.MULTILINE)
        assert header == names, path.name


def test_the_windows_script_only_puts_postgresqls_programs_in_place_for_hhdesk():
    text = WINDOWS.read_text()
    for flag in ('"--mode", "unattended", "--unattendedmodeui", "none", "--extract-only", "1"',
                 "-protectionaserrorlevel", "$env:HHDESK_PG_BIN = $BinDir", '"host", "setup"'):
        assert flag in text, flag
    # hhdesk makes the cluster, the service and the superuser's password; the installer makes none of them
    for made_by_hhdesk in ("--superpassword", "--servicename", "--datadir", "sc.exe", "netsh"):
        assert made_by_hhdesk not in text, made_by_hhdesk


def test_the_macos_script_leaves_the_daemon_and_the_firewall_to_hhdesk():
    text = MACOS.read_text()
    assert "launchctl" not in text and "socketfilterfw" not in text and 'HHDESK_PG_BIN="$PG_BIN"' in text


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) is not installed on this machine")
def test_powershell_parses_the_windows_script():
    parse = ("$errors = $null; [System.Management.Automation.Language.Parser]::ParseFile("
             f"'{WINDOWS}', [ref]$null, [ref]$errors) | Out-Null; "
             "$errors | ForEach-Object { $_.Message }; exit $errors.Count")
    done = subprocess.run(["pwsh", "-NoProfile", "-Command", parse], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_bash_parses_the_macos_script():
    done = subprocess.run(["bash", "-n", str(MACOS)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_macos_script_refuses_without_its_options_before_touching_anything():
    done = subprocess.run(["bash", str(MACOS)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage: sudo" in done.stderr
