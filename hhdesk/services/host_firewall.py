"""Letting the office's workstations through the host's firewall, and nobody else.

Windows: an inbound rule for the server's port on the **Private** profile only, so the host is not reachable
on a network Windows was told is public (a café, a hotel). macOS: the application firewall lets the PostgreSQL
server accept connections (it has no per-port rules). Linux: firewalls differ by distribution (ufw,
firewalld, nftables), so hhdesk says what to allow instead of guessing which one is in charge.
"""

from __future__ import annotations

import ipaddress
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path

from hhdesk.db.host_os import run_tool

Runner = Callable[..., subprocess.CompletedProcess[str]]
MAC_FIREWALL = "/usr/libexec/ApplicationFirewall/socketfilterfw"
FIREWALL_TIMEOUT_SECONDS = 60


def rule_name(port: int) -> str:
    return f"hhdesk-database-{port}"


def windows_commands(port: int) -> list[list[str]]:
    name = f"name={rule_name(port)}"
    return [["netsh", "advfirewall", "firewall", "delete", "rule", name],  # an earlier setup's, if any
            ["netsh", "advfirewall", "firewall", "add", "rule", name, "dir=in", "action=allow", "protocol=TCP",
             f"localport={port}", "profile=private"]]


def mac_commands(postgres: Path) -> list[list[str]]:
    return [[MAC_FIREWALL, "--add", str(postgres)], [MAC_FIREWALL, "--unblockapp", str(postgres)]]


def linux_advice(port: int, addresses: tuple[str, ...]) -> str:
    lan = next((a for a in addresses if not ipaddress.ip_address(a).is_loopback), None)
    network = ipaddress.ip_network(f"{lan}/24", strict=False) if lan else "192.168.1.0/24"
    return (f"If this computer runs a firewall, allow port {port} from the office network only, for example "
            f"'ufw allow from {network} to any port {port} proto tcp' or, with firewalld, add the port to the "
            "zone of the office network.")


def open_port(port: int, postgres: Path, addresses: tuple[str, ...], *, system: str | None = None,
              run: Runner = subprocess.run) -> str:
    """Open the way in where hhdesk can; returns one sentence saying what was done, or what to do."""
    system = system or platform.system()
    if system == "Windows":
        commands, done = windows_commands(port), (
            f"Port {port} is open to workstations on networks Windows calls Private (rule '{rule_name(port)}'); "
            "if this computer's network is set to Public, set it to Private in Settings > Network.")
    elif system == "Darwin":
        commands, done = mac_commands(postgres), \
            "The Mac's firewall lets the database service accept connections from workstations."
    else:
        return linux_advice(port, addresses)
    for index, argv in enumerate(commands):
        failed = run_tool(argv, run, FIREWALL_TIMEOUT_SECONDS)
        if failed is not None and not (system == "Windows" and index == 0):  # no earlier rule: fine
            return f"The firewall was not changed ({failed}): run {' '.join(argv)} as an administrator."
    return done
