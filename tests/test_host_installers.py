"""The host-setup scripts for Windows and macOS: what can be checked on this Linux machine.

PowerShell is not installed here (the parse test runs where `pwsh` is), and no Mac tool is; the scripts'
runs are the checklist in installers/README.md, which must name every step they announce.
"""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

INSTALLERS = Path(__file__).resolve().parent.parent / "installers"
WINDOWS = INSTALLERS / "windows" / "host-setup.ps1"
MACOS = INSTALLERS / "macos" / "host-setup.sh"
RENDER = INSTALLERS / "macos" / "render-daemon-plist.sh"


def script_steps() -> dict[str, list[str]]:
    return {
        "windows/host-setup.ps1": re.findall(r'^Step "([a-z-]+)"', WINDOWS.read_text(), re.MULTILINE),
        "macos/host-setup.sh": re.findall(r"^step ([a-z-]+) ", MACOS.read_text(), re.MULTILINE),
    }


def test_the_checklist_names_every_step_of_each_script_and_no_other():
    readme = (INSTALLERS / "README.md").read_text()
    checklist = readme[readme.index("### Checklist of what could not be run here"):]
    steps = script_steps()
    assert len(steps["windows/host-setup.ps1"]) == 8 and len(steps["macos/host-setup.sh"]) == 6
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


def test_the_windows_script_uses_the_documented_flags():
    text = WINDOWS.read_text()
    for flag in ('"--mode", "unattended", "--unattendedmodeui", "none"', '"pgAdmin,stackbuilder"',
                 '"--servicename", $ServiceName', '"--serverport"', '"--datadir"', '"--superpassword"',
                 "-protectionaserrorlevel", "start= auto", "sc.exe failure", "profile=private"):
        assert flag in text, flag
    # the random superuser password never reaches the screen
    assert not re.search(r"Write-(Host|Warning|Output)[^\n]*SuperPassword", text)


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) is not installed on this machine")
def test_powershell_parses_the_windows_script():
    parse = ("$errors = $null; [System.Management.Automation.Language.Parser]::ParseFile("
             f"'{WINDOWS}', [ref]$null, [ref]$errors) | Out-Null; "
             "$errors | ForEach-Object { $_.Message }; exit $errors.Count")
    done = subprocess.run(["pwsh", "-NoProfile", "-Command", parse], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("script", [MACOS, RENDER])
def test_bash_parses_the_macos_scripts(script):
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_macos_script_refuses_without_its_options_before_touching_anything():
    done = subprocess.run(["bash", str(MACOS)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "usage: sudo" in done.stderr


def test_the_server_daemon_plist_is_rendered_exactly_whatever_the_folder_is_called():
    awkward = "/Volumes/Smith & Jones|<Clinic>\\data/cluster"
    done = subprocess.run([str(RENDER), "/Library/PostgreSQL/17/bin/postgres", awkward, "postgres",
                           "/tmp/log file.log"], capture_output=True, timeout=60, check=True)
    daemon = plistlib.loads(done.stdout)
    assert daemon["Label"] == "org.hhdesk.postgresql"
    assert daemon["ProgramArguments"] == ["/Library/PostgreSQL/17/bin/postgres", "-D", awkward]
    assert daemon["UserName"] == "postgres"
    assert daemon["RunAtLoad"] is True and daemon["KeepAlive"] is True
    assert daemon["StandardErrorPath"] == "/tmp/log file.log"
    assert daemon["Umask"] == 0o077
