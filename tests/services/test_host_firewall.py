"""Letting workstations through the host's firewall: Windows' rule, the Mac's application firewall, Linux's advice."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hhdesk.services import host_firewall

POSTGRES = Path("/Library/PostgreSQL/17/bin/postgres")
ADDRESSES = ("192.168.7.40", "127.0.0.1")


class Recorder:
    def __init__(self, failing: str = "") -> None:
        self.ran: list[list[str]] = []
        self.failing = failing

    def __call__(self, argv: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        self.ran.append(argv)
        failed = bool(self.failing) and self.failing in " ".join(argv)
        return subprocess.CompletedProcess(argv, 1 if failed else 0, "", "The requested operation requires elevation."
                                           if failed else "")


def test_windows_opens_the_port_for_the_private_profile_only_replacing_an_earlier_rule() -> None:
    run = Recorder(failing="delete")  # no earlier rule: netsh says so, and that is fine
    said = host_firewall.open_port(5433, POSTGRES, ADDRESSES, system="Windows", run=run)
    assert run.ran[0] == ["netsh", "advfirewall", "firewall", "delete", "rule", "name=hhdesk-database-5433"]
    assert run.ran[1] == ["netsh", "advfirewall", "firewall", "add", "rule", "name=hhdesk-database-5433", "dir=in",
                          "action=allow", "protocol=TCP", "localport=5433", "profile=private"]
    assert "Private" in said and "hhdesk-database-5433" in said


def test_a_refused_rule_says_what_to_run() -> None:
    said = host_firewall.open_port(5432, POSTGRES, ADDRESSES, system="Windows", run=Recorder(failing="add"))
    assert said.startswith("The firewall was not changed (The requested operation requires elevation.)")
    assert "netsh advfirewall firewall add rule" in said


def test_a_mac_lets_the_server_program_through_its_application_firewall() -> None:
    run = Recorder()
    said = host_firewall.open_port(5432, POSTGRES, ADDRESSES, system="Darwin", run=run)
    assert run.ran == [[host_firewall.MAC_FIREWALL, "--add", str(POSTGRES)],
                       [host_firewall.MAC_FIREWALL, "--unblockapp", str(POSTGRES)]]
    assert "firewall lets the database service" in said


def test_linux_is_told_what_to_allow_for_the_office_network_and_nothing_is_run() -> None:
    run = Recorder()
    said = host_firewall.open_port(5432, POSTGRES, ADDRESSES, system="Linux", run=run)
    assert run.ran == [] and "ufw allow from 192.168.7.0/24 to any port 5432 proto tcp" in said
