"""The agency's own PostgreSQL cluster on the host computer: found, created, configured, started and stopped.

The host runs an installed PostgreSQL (15 or newer): Debian/Ubuntu's packages, EDB's or Homebrew's on a Mac.
The cluster lives in the data folder the administrator chose (``cluster/``), with its log, its private
socket folder and its certificate beside it. It is configured as a clinic's server must be: data checksums,
UTF-8, SCRAM only, TLS 1.3 only, ``hostssl`` lines only for the network.

The host's own maintenance (``hhdesk host status|backup|verify``) reaches the server through a Unix socket in
a folder only the service account can open (mode 0700), as the PostgreSQL superuser, with ``peer``
authentication: the kernel tells the server which operating-system account is connecting, and
``pg_ident.conf`` lets only the service account itself and root (who run the nightly backup) be the
superuser. Both can already read every data file, so the socket gives them nothing they did not have; every
other account cannot reach the socket, and nothing on disk holds a password for it.

``initdb`` and ``pg_ctl`` refuse to run as root: as root, they run as an unprivileged service account
(``postgres`` or macOS's ``_postgres`` when there is one, else a system account made for hhdesk).
"""

from __future__ import annotations

import datetime as dt
import glob
import ipaddress
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hhdesk.clock import SYSTEM_CLOCK
from hhdesk.db.cluster_upgrade import SEARCH_PATTERNS
from hhdesk.errors import StoreExists, UserError

if TYPE_CHECKING:
    import psycopg

MINIMUM_MAJOR = 15
SUPERUSER = "postgres"
DATABASE = "hhdesk"
# The name in the server's certificate that workstations verify; it never changes, so a moved address does
# not break verification (workstations reach the address and verify this name: hhdesk.services.join_file).
FIXED_NAME = "hhdesk-host"
SERVICE_ACCOUNTS = ("postgres", "_postgres")  # Debian/Ubuntu/EDB, macOS
NEW_SERVICE_ACCOUNT = "hhdesk-postgres"
SETTINGS_FILE = "host.json"
CERTIFICATE_YEARS = 10
# Connections: each workstation's window keeps up to 6 (hhdesk.db.postgres.make_engine's pool), plus the
# commands and the nightly backup; PostgreSQL keeps 3 more for the superuser.
CONNECTIONS_PER_STAFF = 6
COMMAND_TIMEOUT_SECONDS = 120


class ClusterProblem(UserError):
    """The host's database service could not do what was asked; the message says what to do."""


def candidate_binary_folders() -> list[Path]:
    """Where an installed PostgreSQL's programs may be, on Linux, macOS and Windows."""
    folders: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0 and found.stdout.strip():
            folders.append(Path(found.stdout.strip()))
    for pattern in SEARCH_PATTERNS.get(platform.system(), ()):
        folders += sorted(Path(found) for found in glob.glob(pattern))
    return folders


def _major(folder: Path) -> int:
    match = re.search(r"(\d+)", _program_version(folder / "initdb"))
    return int(match.group(1)) if match else 0


def _program_version(program: Path) -> str:
    """``postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`` -> ``15.18``."""
    found = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\)\s+(\S+)", found.stdout) if found.returncode == 0 else None
    return match.group(1) if match else ""


def find_binaries(configured: str | None = None) -> Path:
    """The newest installed PostgreSQL (15 or newer) with initdb and pg_ctl; a ClusterProblem if none."""
    suffix = ".exe" if platform.system() == "Windows" else ""
    folders = [Path(configured)] if configured else candidate_binary_folders()
    usable = [f for f in folders if (f / f"initdb{suffix}").is_file() and (f / f"pg_ctl{suffix}").is_file()]
    ranked = sorted(((_major(f), f) for f in usable), reverse=True)
    if not ranked or ranked[0][0] < MINIMUM_MAJOR:
        raise ClusterProblem(
            f"PostgreSQL {MINIMUM_MAJOR} or newer is not installed on this computer: install it (Debian and "
            "Ubuntu: the postgresql package; Mac: the EDB installer or Homebrew; Windows: the EDB installer), "
            "then run the host setup again.")
    return ranked[0][1]


def current_addresses() -> list[str]:
    """This computer's addresses on the office network (the one a default route uses first), loopback last."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a documentation address: nothing is sent, only a route chosen
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(str(info[4][0]))
    except OSError:
        pass
    lan = [a for a in dict.fromkeys(found) if not ipaddress.ip_address(a).is_loopback]
    return [*lan, "127.0.0.1"]


def service_account() -> str:
    """The account the server runs as: as root, an unprivileged one (made if there is none); else oneself."""
    import pwd

    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    for name in SERVICE_ACCOUNTS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    if platform.system() == "Darwin":  # macOS always has _postgres; a Mac without it is not one we know
        raise ClusterProblem("This Mac has no _postgres account to run the database service: install "
                             "PostgreSQL with the EDB installer, then run the host setup again.")
    made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                           "--shell", "/usr/sbin/nologin", NEW_SERVICE_ACCOUNT],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        raise ClusterProblem(f"Could not create the system account {NEW_SERVICE_ACCOUNT} for the database "
                             f"service ({made.stderr.strip()}).")
    return NEW_SERVICE_ACCOUNT


@dataclass(frozen=True)
class HostSettings:
    """What the host remembers about its cluster (``host.json`` in the data folder; no secret in it)."""

    binaries: str
    port: int
    account: str
    addresses: tuple[str, ...]
    computer_name: str

    def to_text(self) -> str:
        return json.dumps({**asdict(self), "addresses": list(self.addresses)}, indent=1) + "\n"

    @classmethod
    def parse(cls, text: str) -> HostSettings:
        data = json.loads(text)
        return cls(str(data["binaries"]), int(data["port"]), str(data["account"]),
                   tuple(str(a) for a in data["addresses"]), str(data.get("computer_name", "")))


def make_certificate(names: list[str], addresses: list[str]) -> tuple[bytes, bytes]:
    """A self-signed server certificate (PEM) and its key: the fixed name first, then the computer's name and
    its current addresses in the subject alternative names. Workstations pin this exact certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    alternative: list[x509.GeneralName] = [x509.DNSName(name) for name in dict.fromkeys(names) if name]
    alternative += [x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(addresses)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = SYSTEM_CLOCK.now().astimezone(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def computer_name() -> str:
    """This computer's name as a DNS label (what workstations may resolve when its address changed)."""
    name = socket.gethostname().split(".")[0]
    cleaned = re.sub(r"[^A-Za-z0-9-]", "-", name).strip("-")[:63]
    return cleaned or "hhdesk-host"


class HostCluster:
    """The cluster in one data folder: ``cluster/`` (PGDATA), ``socket/``, ``log/``, ``server.crt``, ``host.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "cluster"
        self.socket_dir = data_dir / "socket"
        self.log_dir = data_dir / "log"
        self.certificate_path = data_dir / "server.crt"
        self.settings_path = data_dir / SETTINGS_FILE

    # ---- what is there --------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.settings_path.exists() or (self.pgdata / "PG_VERSION").exists()

    @property
    def settings(self) -> HostSettings:
        try:
            return HostSettings.parse(self.settings_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ClusterProblem(f"{self.data_dir} holds no hhdesk host: set one up with 'hhdesk host setup "
                                 "--data-dir DIR'.") from None
        except PermissionError:
            raise ClusterProblem("Only the computer's administrator (root) may manage the agency's host: run the "
                                 "command as root (sudo).") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise ClusterProblem(f"The host's settings file {self.settings_path} is damaged.") from None

    def certificate_pem(self) -> str:
        return self.certificate_path.read_text(encoding="ascii")

    # ---- creating ---------------------------------------------------------------------------------------
    def create(self, *, port: int, addresses: list[str], superuser_password: str, staff: int = 15,
               binaries: Path | None = None) -> HostSettings:
        """initdb, the certificate and the configuration; the cluster is not started. Refuses a folder that
        already holds a cluster."""
        if self.exists():
            raise StoreExists(f"{self.data_dir} already holds an hhdesk host; nothing was changed.")
        binaries = binaries or find_binaries(os.environ.get("HHDESK_PG_BIN"))
        account = service_account()
        settings = HostSettings(str(binaries), port, account, tuple(addresses), computer_name())
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # The service account must pass through the data folder to reach its own folders inside it.
        self.data_dir.chmod(0o711)
        for folder in (self.pgdata, self.socket_dir, self.log_dir):
            folder.mkdir(mode=0o700, exist_ok=True)
            self._hand_over(folder, account)
        self._check_reachable(account)
        password_file = self.log_dir / f".initdb-{secrets.token_hex(4)}"
        password_file.write_text(superuser_password + "\n")
        password_file.chmod(0o600)
        self._hand_over(password_file, account)
        try:
            made = self._run(account, binaries / "initdb", "-D", self.pgdata, "-U", SUPERUSER, "--data-checksums",
                             "-A", "scram-sha-256", "--pwfile", password_file, "-E", "UTF8",
                             "--locale", "en_US.UTF-8" if platform.system() == "Darwin" else "C.UTF-8")
        finally:
            password_file.unlink(missing_ok=True)
        if made.returncode != 0:
            raise ClusterProblem(f"PostgreSQL could not create the database cluster: "
                                 f"{(made.stderr or made.stdout).strip().splitlines()[-1:]}")
        certificate, key = make_certificate([FIXED_NAME, computer_name(), "localhost"], addresses)
        self._write_owned(self.pgdata / "server.crt", certificate, 0o644, account)
        self._write_owned(self.pgdata / "server.key", key, 0o600, account)
        self.certificate_path.write_bytes(certificate)
        self.certificate_path.chmod(0o644)
        self._configure(settings, staff)
        self.settings_path.write_text(settings.to_text(), encoding="utf-8")
        return settings

    def use_binaries(self, binaries: Path) -> None:
        """Run the cluster with these PostgreSQL programs from now on (after a major-version upgrade)."""
        settings = self.settings
        if Path(settings.binaries) != binaries:
            self.settings_path.write_text(replace(settings, binaries=str(binaries)).to_text(), encoding="utf-8")

    def _configure(self, settings: HostSettings, staff: int) -> None:
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                "\n# hhdesk host: TLS 1.3 and SCRAM only, for the office networks this computer is on\n"
                # Every address of this computer, so a new address from DHCP still answers; pg_hba.conf admits
                # only the networks the computer is on (samenet), and the firewall the office network's.
                "listen_addresses = '*'\n"
                f"port = {settings.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "ssl = on\n"
                "ssl_cert_file = 'server.crt'\n"
                "ssl_key_file = 'server.key'\n"
                "ssl_min_protocol_version = 'TLSv1.3'\n"
                "password_encryption = 'scram-sha-256'\n"
                f"max_connections = {staff * CONNECTIONS_PER_STAFF + 10}\n"
            )
        # Network: TLS with SCRAM only. The superuser may log in over TLS from this computer only (the setup
        # and whoever holds the recovery key, which opens its sealed password); nobody over plain TCP.
        # Local socket: the superuser only, as the operating-system accounts in pg_ident.conf (see above).
        hba = (
            "# hhdesk host: only TLS connections with SCRAM passwords; no plain TCP lines\n"
            f"local   all     {SUPERUSER}  peer map=hhdesk_host\n"
            f"hostssl all     {SUPERUSER}  127.0.0.1/32  scram-sha-256\n"
            f"hostssl all     {SUPERUSER}  ::1/128       scram-sha-256\n"
            f"hostssl all     {SUPERUSER}  all           reject\n"
            # samenet: the office networks this computer is on (and itself), never the internet at large
            f"hostssl {DATABASE}  all  samenet  scram-sha-256\n"
        )
        (self.pgdata / "pg_hba.conf").write_text(hba, encoding="utf-8")
        maintainers = dict.fromkeys([settings.account, *(["root"] if os.geteuid() == 0 else [])])
        (self.pgdata / "pg_ident.conf").write_text(
            "# who may be the superuser through the host's private socket\n"
            + "".join(f"hhdesk_host  {name}  {SUPERUSER}\n" for name in maintainers), encoding="utf-8")

    # ---- running ----------------------------------------------------------------------------------------
    def start(self) -> None:
        settings = self.settings
        if self.is_running():
            return
        started = self._run(settings.account, Path(settings.binaries) / "pg_ctl", "-D", self.pgdata,
                            "-l", self.log_dir / "server.log", "-w", "-t", "60", "start")
        if started.returncode != 0 or not self.is_running():
            raise ClusterProblem("The database service did not start: read the end of "
                                 f"{self.log_dir / 'server.log'} for why.")

    def stop(self) -> None:
        settings = self.settings
        if not self.is_running():
            return
        stopped = self._run(settings.account, Path(settings.binaries) / "pg_ctl", "-D", self.pgdata,
                            "-m", "fast", "-w", "-t", "60", "stop")
        if stopped.returncode != 0:
            raise ClusterProblem(f"The database service did not stop ({stopped.stderr.strip()}).")

    def is_running(self) -> bool:
        settings = self.settings
        status = self._run(settings.account, Path(settings.binaries) / "pg_ctl", "-D", self.pgdata, "status")
        return status.returncode == 0

    def version(self) -> str:
        """The server's PostgreSQL version (of its programs, so it answers while it is stopped too)."""
        return _program_version(Path(self.settings.binaries) / "postgres")

    def superuser_connect(self, database: str = DATABASE, **options: Any) -> psycopg.Connection:
        """The superuser through the private socket (peer authentication; see the module's docstring)."""
        import psycopg

        if not self.is_running():
            raise ClusterProblem("The database service on this computer is stopped: start it with 'hhdesk host "
                                 f"start --data-dir {self.data_dir}'.")
        try:
            return psycopg.connect(host=str(self.socket_dir), port=self.settings.port, dbname=database,
                                   user=SUPERUSER, application_name="hhdesk host", **options)
        except psycopg.OperationalError as exc:
            first = (str(exc).strip().splitlines() or ["no reason given"])[-1]
            raise ClusterProblem(f"Could not reach the database service through its private socket ({first}): "
                                 "run this command as the computer's administrator (root) or as "
                                 f"{self.settings.account}.") from None

    # ---- the service account ----------------------------------------------------------------------------
    def _run(self, account: str, *command: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        argv = [str(part) for part in command]
        if os.geteuid() == 0 and account != "root":
            # runuser on Linux; macOS has no runuser, and sudo as root asks no password.
            argv = (["runuser", "-u", account, "--"] if shutil.which("runuser") else ["sudo", "-u", account, "--"]) \
                + argv
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT_SECONDS,
                              cwd="/")

    @staticmethod
    def _hand_over(path: Path, account: str) -> None:
        if os.geteuid() == 0:
            import pwd

            entry = pwd.getpwnam(account)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _write_owned(self, path: Path, content: bytes, mode: int, account: str) -> None:
        path.write_bytes(content)
        path.chmod(mode)
        self._hand_over(path, account)

    def _check_reachable(self, account: str) -> None:
        if os.geteuid() != 0:
            return
        probe = self._run(account, "test", "-w", self.pgdata)
        if probe.returncode != 0:
            raise ClusterProblem(f"The service account {account} cannot reach {self.data_dir} (a folder above it "
                                 "is private to another account): choose a data folder such as /var/lib/hhdesk.")
