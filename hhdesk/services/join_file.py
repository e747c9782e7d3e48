"""The join file: what a workstation needs to find and trust the agency's host computer.

``hhdesk host setup`` writes it once; an administrator copies it (a USB stick, a shared folder) to each
workstation, where ``hhdesk join FILE`` or the wizard's "Connect to the agency's host" page reads it. It
holds no password and no member data, only where the host is and the certificate that proves it is the
host (pinned: a workstation trusts that one certificate and no authority):

- ``host_name``: the fixed name in the certificate, which never changes, so verification survives the
  host's address changing (the connection asks for this name and goes to a known address);
- ``addresses``: the host's addresses when the file was written, the first one tried first;
- ``agency_id``: the agency this host serves; the server knows it too, so a second host for the same
  agency can be recognised and refused.

The file is JSON, so that a person can read it and a future version can add to it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hhdesk.errors import UserError

SUFFIX = ".hhjoin"
FORMAT = "hhdesk join file"
FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_DATABASE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def certificate_fingerprint(certificate_pem: str) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as pairs of hex digits to read aloud (AB:CD:…)."""
    try:
        der = x509.load_pem_x509_certificate(certificate_pem.encode("ascii")).public_bytes(Encoding.DER)
    except (ValueError, UnicodeEncodeError):
        raise UserError("The join file's certificate is damaged: ask the administrator for a new join file.") \
            from None
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class JoinDetails:
    """Where the host is and how to trust it (everything in a join file)."""

    agency_id: str
    organization: str
    host_name: str
    addresses: tuple[str, ...]
    port: int
    database: str
    certificate_pem: str
    computer_name: str = ""
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            object.__setattr__(self, "fingerprint", certificate_fingerprint(self.certificate_pem))


def server_url(details: JoinDetails, certificate_path: Path, address: str | None = None) -> str:
    """The libpq URL to the host: verified against ``host_name`` while reaching ``address`` (the first known
    address when None), trusting only the pinned certificate at ``certificate_path``."""
    query = urlencode({"hostaddr": address or details.addresses[0], "sslmode": "verify-full",
                       "sslrootcert": str(certificate_path), "channel_binding": "require"})
    return f"postgresql://{details.host_name}:{details.port}/{details.database}?{query}"


def write_join_file(path: Path, details: JoinDetails) -> None:
    """Write ``details`` as a join file (readable by the administrator only until they hand it out)."""
    from hhdesk.private_files import write_private_file_atomically

    record = {"format": FORMAT, "version": FORMAT_VERSION, **asdict(details)}
    record["addresses"] = list(details.addresses)
    write_private_file_atomically(path, (json.dumps(record, indent=2) + "\n").encode("utf-8"))


def read_join_file(path: Path) -> JoinDetails:
    """The details in a join file; UserError with one sentence if it is missing, damaged or not one."""
    ask = "ask the administrator for a new join file"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"There is no join file at {path}: {ask}.") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise UserError(f"{path.name} is not an hhdesk join file: {ask}.") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise UserError(f"{path.name} is not an hhdesk join file: {ask}.")
    if not isinstance(record.get("version"), int) or record["version"] > FORMAT_VERSION:
        raise UserError(f"{path.name} was written by a newer version of hhdesk: install the latest hhdesk on "
                        "this computer, then join again.")
    try:
        details = JoinDetails(
            agency_id=_text(record, "agency_id"), organization=_text(record, "organization"),
            host_name=_text(record, "host_name"), addresses=tuple(_address(a) for a in record["addresses"]),
            port=_port(record["port"]), database=_text(record, "database"),
            certificate_pem=_text(record, "certificate_pem"), computer_name=str(record.get("computer_name", "")))
    except (KeyError, TypeError, ValueError):
        raise UserError(f"{path.name} is incomplete or damaged: {ask}.") from None
    if not _NAME.match(details.host_name) or not _DATABASE.match(details.database) or not details.addresses:
        raise UserError(f"{path.name} is incomplete or damaged: {ask}.")
    written = str(record.get("fingerprint", ""))
    if written and written != details.fingerprint:
        raise UserError(f"{path.name} has been altered: its certificate does not match the fingerprint written "
                        f"in it. Do not use it; {ask}.")
    return details


def _text(record: dict[str, object], key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(key)
    return value


def _address(value: object) -> str:
    return str(ipaddress.ip_address(str(value)))


def _port(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise ValueError("port")
    return value


__all__ = ["SUFFIX", "JoinDetails", "certificate_fingerprint", "read_join_file", "server_url", "write_join_file"]
