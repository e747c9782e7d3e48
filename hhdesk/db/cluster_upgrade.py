"""`hhdesk host upgrade`: move the host's PostgreSQL cluster to a newer major version.

A cluster's files belong to one major version (its ``PG_VERSION`` file); a newer PostgreSQL refuses to start
on them. The upgrade, once the administrator has installed the newer PostgreSQL beside the old one:

1. decides (``plan_upgrade``, pure): same major as the newest installed → nothing to do; newer installed
   and the old programs still there → ``pg_upgrade``, or a dump and restore when the newer PostgreSQL has no
   ``pg_upgrade``;
2. makes a backup first (the caller's ``backup``: hhdesk's own encrypted backup of the running server);
3. stops the server, makes a new cluster in a sibling folder with the new ``initdb``, runs
   ``pg_upgrade --check`` and then ``pg_upgrade`` (copy mode: the old folder stays usable), or
   ``pg_dumpall`` from the old server into ``psql`` on the new one, then refreshes the planner's statistics;
4. only when all of that succeeded: copies the old cluster's own files (configuration, certificate, key)
   into the new one and swaps the folders by renaming, keeping the old cluster beside it until the
   administrator removes it; on any failure it removes the half-made new folder and restarts the old
   cluster as it was.

The servers started during the upgrade listen only on a private socket (Windows: the loopback address) and
accept only the superuser, through a temporary ``pg_hba.conf`` in the work folder, so no workstation can
connect half-way, whatever the cluster's own ``pg_hba.conf`` says. As root, every PostgreSQL program runs
as the account that owns the cluster (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hhdesk.db.host_os import WINDOWS_SERVICE_ACCOUNT, as_account, hand_over
from hhdesk.errors import UserError

Runner = Callable[..., subprocess.CompletedProcess]
Action = Literal["nothing", "pg_upgrade", "dump_restore", "impossible"]

# Where installers put PostgreSQL's programs, per system (Debian/Ubuntu, EDB, Postgres.app, Homebrew).
SEARCH_PATTERNS: dict[str, tuple[str, ...]] = {
    "Linux": ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"),
    "Darwin": ("/Library/PostgreSQL/*/bin", "/Applications/Postgres.app/Contents/Versions/*/bin",
               "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin"),
    "Windows": ("C:/Program Files/PostgreSQL/*/bin",),
}
# The new cluster is made as hhdesk makes every cluster: page checksums, UTF-8, SCRAM passwords.
# pg_upgrade requires the same checksum setting, encoding and locale on both sides.
INITDB_OPTIONS = ("--data-checksums", "--encoding", "UTF8", "--locale", "C.UTF-8", "--auth", "scram-sha-256")
UPGRADE_PORT = 50432  # pg_upgrade's own default for the servers it starts
# Files of a data folder's top level that belong to the running server, not to the agency's setup.
_SERVER_STATE_FILES = {"PG_VERSION", "postmaster.opts", "postmaster.pid", "current_logfiles", "backup_label",
                       "tablespace_map", "pg_upgrade_output.d"}
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.\d+)?")


@dataclass(frozen=True)
class PostgresInstall:
    """One installed PostgreSQL: its major version and the folder of its programs."""

    major: int
    bindir: Path
    has_pg_upgrade: bool = True

    def program(self, name: str, system: str) -> str:
        return str(self.bindir / (name + (".exe" if system == "Windows" else "")))


@dataclass(frozen=True)
class UpgradePlan:
    action: Action
    current: int
    old: PostgresInstall | None
    new: PostgresInstall | None
    message: str


@dataclass(frozen=True)
class UpgradeFolders:
    """The cluster's folder, the new cluster's while it is made, the old one's after the swap, the work folder."""

    cluster: Path
    new: Path
    kept: Path
    work: Path


@dataclass(frozen=True)
class UpgradeReport:
    action: Action
    message: str
    backup: Path | None = None
    kept: Path | None = None


# ---- deciding (pure) ------------------------------------------------------------------------------------------
def cluster_major(cluster_dir: Path) -> int:
    """The major version a cluster's files belong to, from its PG_VERSION file."""
    try:
        text = (Path(cluster_dir) / "PG_VERSION").read_text().strip()
    except FileNotFoundError:
        raise UserError(f"{cluster_dir} is not a PostgreSQL data folder (it has no PG_VERSION file).") from None
    if not text.isdigit():
        raise UserError(f"{cluster_dir}'s PG_VERSION file says {text[:20]!r}, not a major version: "
                        "the cluster is damaged or not PostgreSQL 10 or newer.")
    return int(text)


def plan_upgrade(current: int, installs: Sequence[PostgresInstall]) -> UpgradePlan:
    """What to do for a cluster of major version ``current`` with these PostgreSQL installations."""
    if not installs:
        return UpgradePlan("impossible", current, None, None, "No PostgreSQL is installed on this computer.")
    newest = max(installs, key=lambda install: install.major)
    old = next((install for install in installs if install.major == current), None)
    if newest.major == current:
        return UpgradePlan("nothing", current, old, newest,
                           f"Already on PostgreSQL {current}, the newest installed: nothing to do.")
    if newest.major < current:
        return UpgradePlan("impossible", current, None, newest,
                           f"The cluster is PostgreSQL {current}, newer than any installed here (newest: "
                           f"{newest.major}): install PostgreSQL {current} again to use it.")
    if old is None:
        return UpgradePlan("impossible", current, None, newest,
                           f"PostgreSQL {current}'s programs are no longer installed, and both upgrade ways "
                           f"need them beside PostgreSQL {newest.major}'s: install PostgreSQL {current} again "
                           "(its programs only), then run the upgrade again.")
    if newest.has_pg_upgrade:
        return UpgradePlan("pg_upgrade", current, old, newest,
                           f"PostgreSQL {current} → {newest.major} with pg_upgrade.")
    return UpgradePlan("dump_restore", current, old, newest,
                       f"PostgreSQL {current} → {newest.major} by dump and restore (PostgreSQL "
                       f"{newest.major} has no pg_upgrade).")


def upgrade_folders(cluster_dir: Path, plan: UpgradePlan) -> UpgradeFolders:
    cluster = Path(cluster_dir)
    target = plan.new.major if plan.new else plan.current
    return UpgradeFolders(cluster=cluster,
                          new=cluster.with_name(f"{cluster.name}.upgrading-to-{target}"),
                          kept=cluster.with_name(f"{cluster.name}.postgresql-{plan.current}-before-upgrade"),
                          work=cluster.with_name(f"{cluster.name}.upgrade-work"))


def password_file_line(superuser: str, password: str) -> str:
    """The superuser's line of a libpq password file (``:`` and ``\\`` escaped, as libpq reads them)."""
    def escaped(text: str) -> str:
        return text.replace("\\", "\\\\").replace(":", "\\:")

    return f"*:*:*:{escaped(superuser)}:{escaped(password)}\n"


def upgrade_hba(superuser: str) -> str:
    """The temporary pg_hba.conf of the servers an upgrade starts: the superuser, from this computer only."""
    return (f"local all {superuser} scram-sha-256\n"
            f"host all {superuser} 127.0.0.1/32 scram-sha-256\n"
            f"host all {superuser} ::1/128 scram-sha-256\n")


def server_options(folders: UpgradeFolders, system: str) -> str:
    """The options (for pg_ctl -o and pg_upgrade's --old-options/--new-options) of an upgrade's servers."""
    hba = _quoted(str(folders.work / "upgrade-hba.conf"), system)
    if system == "Windows":
        return f"-c listen_addresses=127.0.0.1 -c hba_file={hba}"
    return f"-c listen_addresses= -c unix_socket_directories={_quoted(str(folders.work), system)} -c hba_file={hba}"


def _quoted(value: str, system: str) -> str:
    # pg_ctl hands -o to a shell (cmd.exe on Windows), which must keep a folder with spaces one argument
    if system == "Windows":
        return '"' + value + '"'
    return "'" + value.replace("'", "'\\''") + "'"


def initdb_command(plan: UpgradePlan, folders: UpgradeFolders, superuser: str, system: str) -> list[str]:
    assert plan.new is not None
    return [plan.new.program("initdb", system), "--pgdata", str(folders.new), "--username", superuser,
            "--pwfile", str(folders.work / "superuser-password"), *INITDB_OPTIONS]


def pg_upgrade_command(plan: UpgradePlan, folders: UpgradeFolders, superuser: str, system: str, *,
                       check: bool) -> list[str]:
    assert plan.old is not None and plan.new is not None
    options = server_options(folders, system)
    argv = [plan.new.program("pg_upgrade", system),
            "--old-bindir", str(plan.old.bindir), "--new-bindir", str(plan.new.bindir),
            "--old-datadir", str(folders.cluster), "--new-datadir", str(folders.new),
            "--username", superuser, "--old-port", str(UPGRADE_PORT), "--new-port", str(UPGRADE_PORT),
            "--old-options", options, "--new-options", options]
    if system != "Windows":
        argv += ["--socketdir", str(folders.work)]
    return [*argv, "--check"] if check else argv


def pg_ctl_command(install: PostgresInstall, cluster: Path, folders: UpgradeFolders, system: str,
                   verb: Literal["start", "stop"], port: int = UPGRADE_PORT) -> list[str]:
    argv = [install.program("pg_ctl", system), "--pgdata", str(cluster), "--wait", "--timeout", "300"]
    if verb == "start":
        return [*argv, "--log", str(folders.work / f"{cluster.name}.log"),
                "-o", f"{server_options(folders, system)} -p {port}", "start"]
    return [*argv, "--mode", "fast", "stop"]


def _client_options(folders: UpgradeFolders, superuser: str, system: str, port: int) -> list[str]:
    host = "127.0.0.1" if system == "Windows" else str(folders.work)
    return ["--host", host, "--port", str(port), "--username", superuser, "--no-password"]


@dataclass(frozen=True)
class DumpRestore:
    """Both servers started, pg_dumpall of the old piped into psql on the new, both stopped."""

    start: list[list[str]]
    dump: list[str]
    restore: list[str]
    stop: list[list[str]]


def dump_restore_commands(plan: UpgradePlan, folders: UpgradeFolders, superuser: str, system: str) -> DumpRestore:
    # Piped, never written to a file: a dump is every member's record in plain text.
    assert plan.old is not None and plan.new is not None
    old_port, new_port = UPGRADE_PORT, UPGRADE_PORT + 1
    return DumpRestore(
        start=[pg_ctl_command(plan.old, folders.cluster, folders, system, "start", old_port),
               pg_ctl_command(plan.new, folders.new, folders, system, "start", new_port)],
        # the newer pg_dumpall, which reads older servers
        dump=[plan.new.program("pg_dumpall", system), *_client_options(folders, superuser, system, old_port)],
        # the first error stops the restore, and so the upgrade
        restore=[plan.new.program("psql", system), *_client_options(folders, superuser, system, new_port),
                 "--dbname", "postgres", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"],
        stop=[pg_ctl_command(plan.new, folders.new, folders, system, "stop"),
              pg_ctl_command(plan.old, folders.cluster, folders, system, "stop")],
    )


def is_own_role_creation(line: bytes, superuser: str) -> bool:
    """The dump's ``CREATE ROLE`` of the superuser, whom the new cluster's initdb already made."""
    return line.rstrip(b"\r\n") in (f"CREATE ROLE {superuser};".encode(), f'CREATE ROLE "{superuser}";'.encode())


def without_values(output: str) -> list[str]:
    """PostgreSQL's message lines without those that can quote data (DETAIL, CONTEXT, the statement)."""
    quoting = ("DETAIL:", "CONTEXT:", "LINE ", "STATEMENT:", "HINT:")
    return [line.strip() for line in output.splitlines()
            if line.strip() and not any(marker in line for marker in quoting)]


def analyze_commands(plan: UpgradePlan, folders: UpgradeFolders, superuser: str, system: str) -> list[list[str]]:
    """Neither way carries the planner's statistics over: gather them before anyone works on the new cluster."""
    assert plan.new is not None
    return [
        pg_ctl_command(plan.new, folders.new, folders, system, "start"),
        [plan.new.program("vacuumdb", system), *_client_options(folders, superuser, system, UPGRADE_PORT),
         "--all", "--analyze-in-stages"],
        pg_ctl_command(plan.new, folders.new, folders, system, "stop"),
    ]


# ---- finding the installations ----------------------------------------------------------------------------
def find_installs(*, system: str | None = None, patterns: Iterable[str] | None = None,
                  run: Runner = subprocess.run) -> list[PostgresInstall]:
    """Every PostgreSQL installed in the usual places, with its major version as its pg_ctl reports it."""
    system = system or platform.system()
    found: dict[int, PostgresInstall] = {}
    for pattern in patterns if patterns is not None else SEARCH_PATTERNS.get(system, ()):
        for folder in sorted(glob.glob(pattern)):
            bindir = Path(folder)
            install = _describe(bindir, system, run)
            if install is not None and install.major not in found:
                found[install.major] = install
    return sorted(found.values(), key=lambda install: install.major)


def _describe(bindir: Path, system: str, run: Runner) -> PostgresInstall | None:
    probe = PostgresInstall(0, bindir)
    if not Path(probe.program("pg_ctl", system)).is_file() or not Path(probe.program("initdb", system)).is_file():
        return None
    try:
        version = run([probe.program("pg_ctl", system), "--version"], capture_output=True, text=True,
                      check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(version.stdout or "")
    if match is None:
        return None
    return PostgresInstall(int(match.group(1)), bindir, Path(probe.program("pg_upgrade", system)).is_file())


# ---- carrying it out -------------------------------------------------------------------------------------------
def upgrade_cluster(cluster_dir: Path, *, superuser: str, superuser_password: str,
                    backup: Callable[[], Path], stop_server: Callable[[], None],
                    start_server: Callable[[], None], installs: Sequence[PostgresInstall] | None = None,
                    account: str | None = None, run: Runner = subprocess.run,
                    progress: Callable[[str], None] = lambda _line: None,
                    system: str | None = None) -> UpgradeReport:
    """Upgrade the cluster in ``cluster_dir`` to the newest installed PostgreSQL, or say why not.

    ``backup`` makes hhdesk's backup of the running server and returns its file; ``stop_server`` and
    ``start_server`` stop and start the host's service (after the swap, it must start the newest installed
    PostgreSQL on ``cluster_dir``). ``account``: who runs PostgreSQL's programs (default: as root, the
    cluster folder's owner).
    """
    system = system or platform.system()
    plan = plan_upgrade(cluster_major(cluster_dir),
                        installs if installs is not None else find_installs(system=system, run=run))
    if plan.action == "nothing":
        return UpgradeReport("nothing", plan.message)
    if plan.action == "impossible":
        raise UserError(plan.message)
    return carry_out_upgrade(cluster_dir, plan, superuser=superuser, superuser_password=superuser_password,
                             backup=backup, stop_server=stop_server, start_server=start_server,
                             account=account, run=run, progress=progress, system=system)


def carry_out_upgrade(cluster_dir: Path, plan: UpgradePlan, *, superuser: str, superuser_password: str,
                      backup: Callable[[], Path], stop_server: Callable[[], None],
                      start_server: Callable[[], None], account: str | None = None,
                      run: Runner = subprocess.run, progress: Callable[[str], None] = lambda _line: None,
                      system: str | None = None) -> UpgradeReport:
    """The steps of a decided ``pg_upgrade`` or ``dump_restore`` plan (see the module's description)."""
    system = system or platform.system()
    if plan.action not in ("pg_upgrade", "dump_restore") or plan.old is None or plan.new is None:
        raise ValueError(f"an upgrade plan to carry out needs both installations, not {plan.action!r}")
    folders = upgrade_folders(cluster_dir, plan)
    if folders.kept.exists():
        raise UserError(f"{folders.kept} is still there from an earlier upgrade: check that the host works, "
                        "remove that folder, then run the upgrade again.")
    account = account if account is not None else _default_account(folders.cluster, system)
    progress(plan.message)
    progress("Backing up the server first…")
    made = backup()
    progress(f"Backup written: {made}")
    progress("Stopping the server…")
    stop_server()
    steps = _Steps(run, account, system, folders.work / "pgpass")
    try:
        _prepare(folders, superuser, superuser_password, account, system)
        progress(f"Making the PostgreSQL {plan.new.major} cluster…")
        steps.run(initdb_command(plan, folders, superuser, system), "initdb")
        if plan.action == "pg_upgrade":
            progress("Checking that the clusters can be upgraded (pg_upgrade --check)…")
            steps.run(pg_upgrade_command(plan, folders, superuser, system, check=True), "pg_upgrade --check",
                      cwd=folders.work)
            progress("Upgrading (pg_upgrade)…")
            steps.run(pg_upgrade_command(plan, folders, superuser, system, check=False), "pg_upgrade",
                      cwd=folders.work)
            progress("Gathering the planner's statistics…")
            steps.run_all(analyze_commands(plan, folders, superuser, system), folders)
        else:
            progress("Copying every database into the new cluster (dump and restore)…")
            copying = dump_restore_commands(plan, folders, superuser, system)
            steps.run_all(copying.start, folders)
            steps.pipe(copying.dump, copying.restore, superuser, cwd=folders.work)
            steps.run_all(copying.stop, folders)
            progress("Gathering the planner's statistics…")
            steps.run_all(analyze_commands(plan, folders, superuser, system), folders)
        _carry_over_own_files(folders, account, system)
    except BaseException:
        steps.stop_quietly(plan, folders)
        shutil.rmtree(folders.new, ignore_errors=True)
        shutil.rmtree(folders.work, ignore_errors=True)
        progress("The upgrade failed; starting the old cluster again, unchanged.")
        start_server()
        raise
    shutil.rmtree(folders.work, ignore_errors=True)
    folders.cluster.rename(folders.kept)
    try:
        folders.new.rename(folders.cluster)
    except OSError:
        folders.kept.rename(folders.cluster)  # the old cluster back in its place, as it was
        start_server()
        raise UserError(f"The new cluster could not take the old one's place, so nothing was changed; it is "
                        f"left in {folders.new} for whoever investigates.") from None
    progress(f"Starting PostgreSQL {plan.new.major}…")
    start_server()
    return UpgradeReport(plan.action, f"Upgraded from PostgreSQL {plan.current} to {plan.new.major}. The old "
                         f"cluster is kept in {folders.kept}: remove it once the team has worked normally for "
                         "a few days.", backup=made, kept=folders.kept)


class _Steps:
    def __init__(self, run: Runner, account: str | None, system: str, password_file: Path) -> None:
        self._run, self.account, self.system = run, account, system
        self.variables = {"PGPASSFILE": str(password_file)}
        self.env = {**os.environ, **self.variables}
        self.started: list[Path] = []

    def _as_account(self, argv: list[str]) -> list[str]:
        return as_account(argv, self.account, self.system, self.variables)

    def run(self, argv: list[str], what: str, *, cwd: Path | None = None) -> None:
        try:
            done = self._run(self._as_account(argv), capture_output=True, text=True,
                             check=False, timeout=6 * 3600, cwd=cwd, env=self.env)
        except FileNotFoundError:
            raise UserError(f"The upgrade could not start {Path(argv[0]).name}: is PostgreSQL installed "
                            "completely?") from None
        if done.returncode != 0:
            said = without_values(done.stdout + "\n" + done.stderr)
            raise UserError(f"{what} failed, so nothing was changed: " + " / ".join(said[-3:]))

    def run_all(self, commands: list[list[str]], folders: UpgradeFolders) -> None:
        for argv in commands:
            verb = argv[-1]
            cluster = Path(argv[argv.index("--pgdata") + 1]) if "--pgdata" in argv else None
            self.run(argv, Path(argv[0]).stem + (f" {verb}" if cluster else ""), cwd=folders.work)
            if cluster is not None and verb == "start":
                self.started.append(cluster)
            elif cluster is not None and verb == "stop":
                self.started.remove(cluster)

    def pipe(self, dump: list[str], restore: list[str], superuser: str, *, cwd: Path) -> None:
        """``dump``'s output into ``restore``, line by line, without the superuser's own CREATE ROLE."""
        with subprocess.Popen(self._as_account(restore), stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=self.env) as loader, \
                subprocess.Popen(self._as_account(dump), stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, cwd=cwd, env=self.env) as dumper:
            assert loader.stdin is not None and dumper.stdout is not None
            try:
                for line in dumper.stdout:
                    if not is_own_role_creation(line, superuser):
                        loader.stdin.write(line)
            except BrokenPipeError:
                pass  # the restore stopped at an error: said below
            finally:
                with contextlib.suppress(BrokenPipeError):
                    loader.stdin.close()
            dumped = dumper.wait()
            loaded = loader.wait()
            # Their messages can quote rows (a COPY line, a key's value): only the exit status is said.
            for code, what in ((dumped, "pg_dumpall"), (loaded, "psql")):
                if code != 0:
                    raise UserError(f"Copying the databases failed ({what} exit status {code}), so nothing was "
                                    "changed.")

    def stop_quietly(self, plan: UpgradePlan, folders: UpgradeFolders) -> None:
        for cluster in self.started:
            install = plan.new if cluster == folders.new else plan.old
            assert install is not None
            argv = pg_ctl_command(install, cluster, folders, self.system, "stop")
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run(self._as_account(argv), capture_output=True, check=False,
                          timeout=300)


def _default_account(cluster: Path, system: str) -> str | None:
    if system == "Windows":
        return WINDOWS_SERVICE_ACCOUNT  # commands run as oneself there; the account is given the new folders
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    return pwd.getpwuid(cluster.stat().st_uid).pw_name


def _prepare(folders: UpgradeFolders, superuser: str, password: str, account: str | None, system: str) -> None:
    # leftovers of an upgrade that was killed half-way are ours (named by us) and never the cluster
    for leftover in (folders.new, folders.work):
        shutil.rmtree(leftover, ignore_errors=True)
    for folder in (folders.work, folders.new):
        folder.mkdir(mode=0o700)
        hand_over(folder, account, system)
    for name, content in (("superuser-password", password + "\n"), ("pgpass", password_file_line(superuser, password)),
                          ("upgrade-hba.conf", upgrade_hba(superuser))):
        path = folders.work / name
        path.write_text(content)
        path.chmod(0o600)
        hand_over(path, account, system)


def _carry_over_own_files(folders: UpgradeFolders, account: str | None, system: str) -> None:
    """The old cluster's configuration, certificate and key replace the new cluster's defaults."""
    for entry in folders.cluster.iterdir():
        if entry.name in _SERVER_STATE_FILES or not entry.is_file() or entry.is_symlink():
            continue
        target = folders.new / entry.name
        shutil.copy2(entry, target)
        hand_over(target, account, system)
