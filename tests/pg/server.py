"""A throwaway PostgreSQL server for the tests, set up as a clinic's server must be: TLS 1.3 only, SCRAM only.

The run starts it in a temporary folder on a free loopback port and stops it at the end. `initdb` and
`pg_ctl` refuse to run as root (CI runs as root), so as root they run as the `postgres` system user.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVER_NAME = "localhost"  # the name in the server's certificate; tests connect by it
HOST_NAME = "hhdesk-host.test"  # the fixed name an agency's host has in its certificate (join files use it)


def find_binaries() -> Path | None:
    """The folder with initdb and pg_ctl: $HHDESK_PG_BIN, else Debian's newest PostgreSQL 15 or later."""
    configured = os.environ.get("HHDESK_PG_BIN")
    candidates = [Path(configured)] if configured else [
        Path(f"/usr/lib/postgresql/{major}/bin") for major in (17, 16, 15)
    ]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class CertificateAuthority:
    """A test CA that signs one server certificate."""

    name: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    def __post_init__(self) -> None:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def write(self, path: Path) -> Path:
        path.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        path.chmod(0o644)
        return path

    def issue_server_certificate(self, names: list[str]) -> tuple[bytes, bytes]:
        """(certificate PEM, key PEM) for a server known by these DNS names and IP addresses."""
        key = ec.generate_private_key(ec.SECP256R1())
        alternative: list[x509.GeneralName] = []
        for name in names:
            try:
                alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alternative.append(x509.DNSName(name))
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return certificate.public_bytes(serialization.Encoding.PEM), key_pem


class ServerDidNotStart(RuntimeError):
    pass


@dataclass
class TestServer:
    """One PostgreSQL cluster: start(), the connection details, stop()."""

    __test__ = False  # not a pytest test class

    binaries: Path
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hhdesk-pg-")))
    port: int = field(default_factory=free_port)
    superuser: str = "postgres"
    superuser_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def __post_init__(self) -> None:
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.authority = CertificateAuthority("hhdesk test CA")
        self.stranger = CertificateAuthority("some other CA")  # for the wrong-certificate tests
        self.ca_file = self.authority.write(self.folder / "ca.crt")
        self.wrong_ca_file = self.stranger.write(self.folder / "other-ca.crt")
        self._as_postgres = os.geteuid() == 0

    # ---- running the server's own programs ---------------------------------------------------------
    def _run(self, *command: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        argv = [str(part) for part in command]
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120,
                              cwd=self.folder)

    def _hand_over(self, path: Path) -> None:
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> None:
        self.folder.chmod(0o755)
        self._hand_over(self.folder)
        password_file = self.folder / "superuser-password"
        password_file.write_text(self.superuser_password + "\n")
        password_file.chmod(0o600)
        self._hand_over(password_file)
        initdb = self._run(self.binaries / "initdb", "-D", self.data, "-U", self.superuser, "-A",
                           "scram-sha-256", "--pwfile", password_file, "-E", "UTF8", "--locale", "C.UTF-8")
        password_file.unlink()
        if initdb.returncode != 0:
            raise ServerDidNotStart(f"initdb failed: {initdb.stderr.strip() or initdb.stdout.strip()}")
        certificate, key = self.authority.issue_server_certificate([SERVER_NAME, HOST_NAME, "127.0.0.1"])
        for name, content, mode in (("server.crt", certificate, 0o644), ("server.key", key, 0o600)):
            path = self.data / name
            path.write_bytes(content)
            path.chmod(mode)
            self._hand_over(path)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# hhdesk test server: TLS 1.3 and SCRAM only, loopback only\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "ssl = on\n"
                "ssl_cert_file = 'server.crt'\n"
                "ssl_key_file = 'server.key'\n"
                "ssl_min_protocol_version = 'TLSv1.3'\n"
                "password_encryption = 'scram-sha-256'\n"
                "max_connections = 60\n"
                # every statement in the log, so a test can prove no plain password ever reaches the server
                "log_statement = 'all'\n"
                "shared_buffers = 32MB\n"
                # a throwaway cluster: durability is not what the tests check
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        (self.data / "pg_hba.conf").write_text(
            "# TLS with SCRAM only: no local socket logins, no plain TCP, no other methods\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
        )
        started = self._run(self.binaries / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start")
        if started.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServerDidNotStart(f"pg_ctl start failed: {started.stderr.strip()} {tail}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(self.binaries / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    # ---- connection details -------------------------------------------------------------------------
    def url(self, database: str, *, host: str = SERVER_NAME, ca_file: Path | None = None,
            extra: str = "") -> str:
        """A libpq URL as an administrator would hand it to a workstation (no user, no password)."""
        ca = ca_file or self.ca_file
        query = f"sslmode=verify-full&sslrootcert={ca}"
        return f"postgresql://{host}:{self.port}/{database}?{query}{extra}"

    def superuser_connect(self, database: str = "postgres", **kwargs: object):  # psycopg.Connection
        import psycopg

        return psycopg.connect(host=SERVER_NAME, hostaddr="127.0.0.1", port=self.port, dbname=database,
                               user=self.superuser, password=self.superuser_password, sslmode="verify-full",
                               sslrootcert=str(self.ca_file), channel_binding="require", **kwargs)

    def join_details(self, database: str, *, addresses: tuple[str, ...] = ("127.0.0.1",), computer_name: str = "",
                     pinned: CertificateAuthority | None = None, port: int | None = None,
                     agency_id: str | None = None):  # hhdesk.services.join_file.JoinDetails
        """What `hhdesk host setup` would write in a join file for this server (its authority pinned)."""
        import uuid

        from hhdesk.services.join_file import JoinDetails

        pem = (pinned or self.authority).certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return JoinDetails(agency_id=agency_id or str(uuid.uuid4()), organization="Hudson Valley Health Home",
                           host_name=HOST_NAME, addresses=addresses, port=port or self.port, database=database,
                           certificate_pem=pem, computer_name=computer_name)

    def create_database(self, name: str) -> None:
        with self.superuser_connect(autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
