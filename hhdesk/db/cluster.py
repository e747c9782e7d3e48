"""The agency's own PostgreSQL cluster on the host computer: found, created, configured, started and stopped.

The host runs an installed PostgreSQL (15 or newer): Debian/Ubuntu's packages, EDB's or Homebrew's on a Mac.
The cluster lives in the data folder the administrator chose (``cluster/``), with its log, its private
socket folder and its certificate beside it. It is configured as a clinic's server must be: data checksums,
UTF-8, SCRAM only, TLS 1.3 only, ``hostssl`` lines only for the network.

The host's own maintenance (``hhdesk host status|backup|verify``) reaches the server as the PostgreSQL
superuser in one of two ways, chosen when the cluster is made (``local_access`` in ``host.json``):

- ``peer`` (Linux, macOS): through a Unix socket in a folder only the service account can open (mode 0700),
  with ``peer`` authentication: the kernel tells the server which operating-system account is connecting,
  and ``pg_ident.conf`` lets only the service account itself and root (who run the nightly backup) be the
  superuser. Nothing on disk holds a password for it.
- ``password`` (Windows, which has no peer authentication): over TLS to the loopback address with the
  superuser's password, kept in ``maintenance.secret`` in the data folder, which only administrators and
  SYSTEM (the nightly task) can read.

Either way, only accounts that can already read every data file get in: the way in gives them nothing they
did not have. Running the programs as the service account, and giving it its folders, is hhdesk.db.host_os.
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
from hhdesk.db.host_os import WINDOWS, hand_over, is_root, make_private, run_as, service_account
from hhdesk.errors import StoreExists, UserError
from hhdesk.private_files import write_private_file_atomically

if TYPE_CHECKING:
    import psycopg

MINIMUM_MAJOR = 15
SUPERUSER = "postgres"
DATABASE = "hhdesk"
# The name in the server's certificate that workstations verify; it never changes, so a moved address does
# not break verification (workstations reach the address and verify this name: hhdesk.services.join_file).
FIXED_NAME = "hhdesk-host"
SETTINGS_FILE = "host.json"
MAINTENANCE_SECRET_FILE = "maintenance.secret"
PEER = "peer"
PASSWORD = "password"
CERTIFICATE_YEARS = 10
# Connections: each workstation's window keeps up to 6 (hhdesk.db.postgres.make_engine's pool), plus the
# commands and the nightly backup; PostgreSQL keeps 3 more for the superuser.
CONNECTIONS_PER_STAFF = 6


ONLY_ADMINISTRATORS = ("Only the computer's administrator may manage the agency's host: run the command as root "
                       "(sudo), or on Windows from a command prompt opened with 'Run as administrator'.")


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
    match = re.search(r"(\d+)", _program_version(folder / f"initdb{_exe(platform.system())}"))
    return int(match.group(1)) if match else 0


def _program_version(program: Path) -> str:
    """``postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`` -> ``15.18``."""
    found = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\)\s+(\S+)", found.stdout) if found.returncode == 0 else None
    return match.group(1) if match else ""


def find_binaries(configured: str | None = None) -> Path:
    """The newest installed PostgreSQL (15 or newer) with initdb and pg_ctl; a ClusterProblem if none."""
    suffix = _exe(platform.system())
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


@dataclass(frozen=True)
class HostSettings:
    """What the host remembers about its cluster (``host.json`` in the data folder; no secret in it)."""

    binaries: str
    port: int
    account: str
    addresses: tuple[str, ...]
    computer_name: str
    # How the host's own commands reach the server: PEER or PASSWORD (see the module's docstring).
    local_access: str = PEER
    # Who starts and stops the server: "pg_ctl" until it is registered with the system (hhdesk.db.host_service).
    service: str = "pg_ctl"

    def to_text(self) -> str:
        return json.dumps({**asdict(self), "addresses": list(self.addresses)}, indent=1) + "\n"

    @classmethod
    def parse(cls, text: str) -> HostSettings:
        data = json.loads(text)
        return cls(str(data["binaries"]), int(data["port"]), str(data["account"]),
                   tuple(str(a) for a in data["addresses"]), str(data.get("computer_name", "")),
                   str(data.get("local_access", PEER)), str(data.get("service", "pg_ctl")))


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
            raise ClusterProblem(ONLY_ADMINISTRATORS) from None
        except (OSError, ValueError, KeyError, TypeError):
            raise ClusterProblem(f"The host's settings file {self.settings_path} is damaged.") from None

    def certificate_pem(self) -> str:
        return self.certificate_path.read_text(encoding="ascii")

    # ---- creating ---------------------------------------------------------------------------------------
    def create(self, *, port: int, addresses: list[str], superuser_password: str, staff: int = 15,
               binaries: Path | None = None, local_access: str | None = None) -> HostSettings:
        """initdb, the certificate and the configuration; the cluster is not started. Refuses a folder that
        already holds a cluster. ``local_access``: PEER or PASSWORD (None: what this system can do)."""
        if self.exists():
            raise StoreExists(f"{self.data_dir} already holds an hhdesk host; nothing was changed.")
        system = platform.system()
        binaries = binaries or find_binaries(os.environ.get("HHDESK_PG_BIN"))
        account = service_account()
        local_access = local_access or (PASSWORD if system == WINDOWS else PEER)
        settings = HostSettings(str(binaries), port, account, tuple(addresses), computer_name(), local_access)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        make_private(self.data_dir)
        for folder in (self.pgdata, self.socket_dir, self.log_dir):
            folder.mkdir(mode=0o700, exist_ok=True)
            hand_over(folder, account)
        self._check_reachable(account)
        password_file = self.log_dir / f".initdb-{secrets.token_hex(4)}"
        password_file.write_text(superuser_password + "\n")
        password_file.chmod(0o600)
        hand_over(password_file, account)
        try:
            made = run_as(account, binaries / f"initdb{_exe(system)}", "-D", self.pgdata, "-U", SUPERUSER,
                          "--data-checksums", "-A", "scram-sha-256", "--pwfile", password_file, "-E", "UTF8",
                          "--locale", INITDB_LOCALE.get(system, "C.UTF-8"))
        finally:
            password_file.unlink(missing_ok=True)
        if made.returncode != 0:
            said = (made.stderr or made.stdout).strip().splitlines()
            raise ClusterProblem("PostgreSQL could not create the database cluster: "
                                 + (said[-1] if said else f"initdb stopped with status {made.returncode}") + ".")
        if system == WINDOWS:
            hand_over(self.pgdata, account)  # what initdb made, in case it did not inherit the grant
        certificate, key = make_certificate([FIXED_NAME, computer_name(), "localhost"], addresses)
        self._write_owned(self.pgdata / "server.crt", certificate, 0o644, account)
        self._write_owned(self.pgdata / "server.key", key, 0o600, account)
        self.certificate_path.write_bytes(certificate)
        self.certificate_path.chmod(0o644)
        if local_access == PASSWORD:
            write_private_file_atomically(self.data_dir / MAINTENANCE_SECRET_FILE,
                                          superuser_password.encode("utf-8"))
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(server_configuration(settings, self, staff, system))
        (self.pgdata / "pg_hba.conf").write_text(access_rules(settings), encoding="utf-8")
        (self.pgdata / "pg_ident.conf").write_text(identity_map(settings, root=is_root()), encoding="utf-8")
        self.settings_path.write_text(settings.to_text(), encoding="utf-8")
        return settings

    def update_settings(self, **changes: Any) -> HostSettings:
        """Remember a change (new programs after an upgrade, the service manager after registering)."""
        settings = replace(self.settings, **changes)
        self.settings_path.write_text(settings.to_text(), encoding="utf-8")
        return settings

    def use_binaries(self, binaries: Path) -> None:
        """Run the cluster with these PostgreSQL programs from now on (after a major-version upgrade)."""
        if Path(self.settings.binaries) != binaries:
            self.update_settings(binaries=str(binaries))

    # ---- running ----------------------------------------------------------------------------------------
    def program(self, name: str) -> Path:
        return Path(self.settings.binaries) / f"{name}{_exe(platform.system())}"

    def start(self) -> None:
        """Start the server with pg_ctl (hhdesk.db.host_service starts it through the system once registered)."""
        settings = self.settings
        if self.is_running():
            return
        started = run_as(settings.account, self.program("pg_ctl"), "-D", self.pgdata,
                         "-l", self.log_path, "-w", "-t", "60", "start")
        if started.returncode != 0 or not self.is_running():
            raise ClusterProblem(self.did_not_start())

    def did_not_start(self) -> str:
        return f"The database service did not start: read the end of {self.log_path} for why."

    def stop(self) -> None:
        """A fast shutdown: connections are ended, and the server exits cleanly (a service manager that
        restarts a failed server leaves it stopped)."""
        settings = self.settings
        if not self.is_running():
            return
        stopped = run_as(settings.account, self.program("pg_ctl"), "-D", self.pgdata, "-m", "fast", "-w", "-t", "60",
                         "stop")
        if stopped.returncode != 0:
            raise ClusterProblem(f"The database service did not stop ({stopped.stderr.strip()}).")

    def is_running(self) -> bool:
        return run_as(self.settings.account, self.program("pg_ctl"), "-D", self.pgdata, "status").returncode == 0

    @property
    def log_path(self) -> Path:
        return self.log_dir / "server.log"

    def version(self) -> str:
        """The server's PostgreSQL version (of its programs, so it answers while it is stopped too)."""
        return _program_version(self.program("postgres"))

    def superuser_connect(self, database: str = DATABASE, **options: Any) -> psycopg.Connection:
        """The superuser, the way this host was made for (see the module's docstring)."""
        import psycopg

        settings = self.settings
        if not self.is_running():
            raise ClusterProblem("The database service on this computer is stopped: start it with 'hhdesk host "
                                 f"start --data-dir {self.data_dir}'.")
        way: dict[str, Any]
        if settings.local_access == PASSWORD:
            way = {"host": FIXED_NAME, "hostaddr": "127.0.0.1", "sslmode": "verify-full",
                   "sslrootcert": str(self.certificate_path), "password": self._maintenance_password()}
        else:
            way = {"host": str(self.socket_dir)}
        try:
            return psycopg.connect(**way, port=settings.port, dbname=database, user=SUPERUSER,
                                   application_name="hhdesk host", **options)
        except psycopg.OperationalError as exc:
            first = (str(exc).strip().splitlines() or ["no reason given"])[-1]
            raise ClusterProblem(f"Could not reach the database service on this computer ({first}): "
                                 f"{ONLY_ADMINISTRATORS}") from None

    def _maintenance_password(self) -> str:
        try:
            return (self.data_dir / MAINTENANCE_SECRET_FILE).read_text(encoding="utf-8").strip()
        except PermissionError:
            raise ClusterProblem(ONLY_ADMINISTRATORS) from None
        except OSError:
            raise ClusterProblem(f"The host's {MAINTENANCE_SECRET_FILE} in {self.data_dir} is missing: restore "
                                 "the host from its latest backup ('hhdesk host restore').") from None

    # ---- the service account ----------------------------------------------------------------------------
    def _write_owned(self, path: Path, content: bytes, mode: int, account: str) -> None:
        path.write_bytes(content)
        path.chmod(mode)
        hand_over(path, account)

    def _check_reachable(self, account: str) -> None:
        if not is_root():
            return
        probe = run_as(account, "test", "-w", self.pgdata)
        if probe.returncode != 0:
            raise ClusterProblem(f"The service account {account} cannot reach {self.data_dir} (a folder above it "
                                 "is private to another account): choose a data folder such as /var/lib/hhdesk.")


# initdb's locale: a UTF-8 one that sorts by code point on every system (Windows names its locales otherwise)
INITDB_LOCALE = {"Darwin": "en_US.UTF-8", WINDOWS: "C"}


def _exe(system: str) -> str:
    return ".exe" if system == WINDOWS else ""


def _conf_path(path: Path) -> str:
    # postgresql.conf reads backslashes as escapes; PostgreSQL takes forward slashes on Windows too
    return path.as_posix()


def server_configuration(settings: HostSettings, cluster: HostCluster, staff: int, system: str) -> str:
    """What the host adds to postgresql.conf: TLS 1.3 and SCRAM only, for the office networks it is on."""
    # Windows has no private socket (no peer authentication there), and its service has no terminal, so the
    # server keeps its own log where hhdesk's messages point.
    sockets = "''" if system == WINDOWS else f"'{_conf_path(cluster.socket_dir)}'"
    logging = (f"logging_collector = on\nlog_directory = '{_conf_path(cluster.log_dir)}'\n"
               f"log_filename = '{cluster.log_path.name}'\n") if system == WINDOWS else ""
    return (
        "\n# hhdesk host: TLS 1.3 and SCRAM only, for the office networks this computer is on\n"
        # Every address of this computer, so a new address from DHCP still answers; pg_hba.conf admits only
        # the networks the computer is on (samenet), and the firewall the office network's.
        "listen_addresses = '*'\n"
        f"port = {settings.port}\n"
        f"unix_socket_directories = {sockets}\n"
        "unix_socket_permissions = 0700\n"
        "ssl = on\n"
        "ssl_cert_file = 'server.crt'\n"
        "ssl_key_file = 'server.key'\n"
        "ssl_min_protocol_version = 'TLSv1.3'\n"
        "password_encryption = 'scram-sha-256'\n"
        f"max_connections = {staff * CONNECTIONS_PER_STAFF + 10}\n"
        + logging
    )


def access_rules(settings: HostSettings) -> str:
    """pg_hba.conf. Network: TLS with SCRAM only. The superuser may log in over TLS from this computer only
    (the setup, the host's commands on Windows, and whoever holds the recovery key, which opens its sealed
    password), and through the private socket as the accounts in pg_ident.conf; nobody over plain TCP."""
    peer = f"local   all     {SUPERUSER}  peer map=hhdesk_host\n" if settings.local_access == PEER else ""
    return (
        "# hhdesk host: only TLS connections with SCRAM passwords; no plain TCP lines\n"
        + peer
        + f"hostssl all     {SUPERUSER}  127.0.0.1/32  scram-sha-256\n"
        f"hostssl all     {SUPERUSER}  ::1/128       scram-sha-256\n"
        f"hostssl all     {SUPERUSER}  all           reject\n"
        # samenet: the office networks this computer is on (and itself), never the internet at large
        f"hostssl {DATABASE}  all  samenet  scram-sha-256\n"
    )


def identity_map(settings: HostSettings, *, root: bool) -> str:
    """pg_ident.conf: who may be the superuser through the private socket."""
    maintainers = dict.fromkeys([settings.account, *(["root"] if root else [])])
    return ("# who may be the superuser through the host's private socket\n"
            + "".join(f"hhdesk_host  {name}  {SUPERUSER}\n" for name in maintainers))
