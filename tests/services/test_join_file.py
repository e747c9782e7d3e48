"""The join file: written by the host's setup, read by each workstation; damage is refused in one sentence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hhdesk.db.postgres import ServerAddress
from hhdesk.errors import UserError
from hhdesk.services.join_file import (
    JoinDetails,
    certificate_fingerprint,
    read_join_file,
    server_url,
    write_join_file,
)


def _self_signed(name: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture(scope="module")
def details() -> JoinDetails:
    return JoinDetails(agency_id="6f1c0c1e-5d0a-4a57-9a51-0b9f2b7f3d11", organization="Riverside Health Home",
                       host_name="hhdesk-host.riverside", addresses=("192.168.1.20", "fe80::1"), port=5433,
                       database="riverside", certificate_pem=_self_signed("hhdesk-host.riverside"),
                       computer_name="FRONT-DESK")


def test_what_is_written_is_read_back(tmp_path: Path, details: JoinDetails) -> None:
    path = tmp_path / "riverside.hhjoin"
    write_join_file(path, details)
    assert read_join_file(path) == details
    assert read_join_file(path).fingerprint == details.fingerprint
    assert path.stat().st_mode & 0o077 == 0


def test_the_fingerprint_is_sha256_of_the_certificate_in_pairs(details: JoinDetails) -> None:
    pairs = details.fingerprint.split(":")
    assert len(pairs) == 32 and all(len(p) == 2 for p in pairs)
    assert certificate_fingerprint(details.certificate_pem) == details.fingerprint


def _written(tmp_path: Path, details: JoinDetails, **changes: object) -> Path:
    path = tmp_path / "riverside.hhjoin"
    write_join_file(path, details)
    record = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            del record[key]
        else:
            record[key] = value
    path.write_text(json.dumps(record))
    return path


@pytest.mark.parametrize(("changes", "sentence"), [
    ({"certificate_pem": _self_signed("someone-else")}, "has been altered"),
    ({"version": 99}, "newer version of hhdesk"),
    ({"format": "something else"}, "is not an hhdesk join file"),
    ({"addresses": ["not-an-address"]}, "incomplete or damaged"),
    ({"addresses": []}, "incomplete or damaged"),
    ({"port": 70000}, "incomplete or damaged"),
    ({"port": True}, "incomplete or damaged"),
    ({"host_name": "bad name;"}, "incomplete or damaged"),
    ({"database": "Robert'); DROP"}, "incomplete or damaged"),
    ({"agency_id": None}, "incomplete or damaged"),
])
def test_a_damaged_join_file_is_refused_in_one_sentence(tmp_path: Path, details: JoinDetails,
                                                        changes: dict[str, object], sentence: str) -> None:
    with pytest.raises(UserError, match=sentence):
        read_join_file(_written(tmp_path, details, **changes))


def test_a_missing_or_foreign_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="There is no join file"):
        read_join_file(tmp_path / "nowhere.hhjoin")
    other = tmp_path / "photo.hhjoin"
    other.write_bytes(b"\x89PNG\r\n")
    with pytest.raises(UserError, match="is not an hhdesk join file"):
        read_join_file(other)


def test_the_url_asks_for_the_fixed_name_at_a_known_address(tmp_path: Path, details: JoinDetails) -> None:
    address = ServerAddress.parse(server_url(details, tmp_path / "host.crt", "192.168.1.44"))
    assert (address.host, address.port, address.database) == ("hhdesk-host.riverside", "5433", "riverside")
    assert "hostaddr=192.168.1.44" in address.url
    assert address.root_certificate == tmp_path / "host.crt"
    assert "hostaddr=192.168.1.20" in server_url(details, tmp_path / "host.crt")
