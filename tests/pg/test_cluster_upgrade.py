"""`hhdesk host upgrade` on real clusters of this machine's PostgreSQL.

Only PostgreSQL 15 is installed here, so a real upgrade to a newer major cannot run. What runs for real:
the "nothing to do" decision on a fresh cluster, and every step of both upgrade ways (initdb, pg_upgrade
--check, pg_upgrade, or pg_dumpall piped into psql, the statistics, the carried-over files, the swap)
with PostgreSQL 15 on both sides, which pg_upgrade accepts; and a failing upgrade that must leave the
old cluster as it was.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hhdesk.db.cluster_upgrade import (
    INITDB_OPTIONS,
    Action,
    PostgresInstall,
    UpgradePlan,
    carry_out_upgrade,
    find_installs,
    upgrade_cluster,
)
from hhdesk.errors import UserError
from tests.pg.conftest import binaries_or_skip
from tests.pg.server import free_port

SUPERUSER = "hhdesk_admin"
AS_ROOT = os.geteuid() == 0


class Cluster:
    """A PostgreSQL 15 cluster made as hhdesk makes one, reachable only over TCP (no local line in pg_hba)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="hhdesk-upgrade-test-"))
        self.folder.chmod(0o755)
        self._hand_over(self.folder)
        self.data = self.folder / "cluster"
        self.password = secrets.token_urlsafe(18)
        self.port = free_port()
        self.starts = 0
        self.stops = 0

    def _hand_over(self, path: Path) -> None:
        if AS_ROOT:
            entry = pwd.getpwnam("postgres")
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(self, *argv: str | Path) -> None:
        command = [str(part) for part in argv]
        if AS_ROOT:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300, cwd=self.folder)
        assert done.returncode == 0, done.stderr + done.stdout

    def create(self) -> None:
        password_file = self.folder / "pw"
        password_file.write_text(self.password + "\n")
        self._hand_over(password_file)
        self._run(self.bindir / "initdb", "--pgdata", self.data, "--username", SUPERUSER, "--pwfile",
                  password_file, *INITDB_OPTIONS)
        password_file.unlink()
        (self.data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 scram-sha-256\n")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.folder}'\nshared_buffers = 16MB\nfsync = off\n")
        (self.data / "server-note.txt").write_text("a file of the agency's setup\n")
        self._hand_over(self.data / "server-note.txt")

    def start(self) -> None:
        self.starts += 1
        self._run(self.bindir / "pg_ctl", "--pgdata", self.data, "--log", self.folder / "server.log", "--wait",
                  "start")

    def stop(self) -> None:
        self.stops += 1
        self._run(self.bindir / "pg_ctl", "--pgdata", self.data, "--wait", "--mode", "fast", "stop")

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, password=self.password,
                               dbname=database, sslmode="disable", autocommit=True)

    def remove(self) -> None:
        for data in self.folder.glob("cluster*"):
            if (data / "postmaster.pid").exists():
                subprocess.run((["runuser", "-u", "postgres", "--"] if AS_ROOT else [])
                               + [str(self.bindir / "pg_ctl"), "--pgdata", str(data), "--mode", "immediate",
                                  "stop"], capture_output=True, check=False, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    made = Cluster(binaries_or_skip(request))
    made.create()
    made.start()
    with made.connect() as conn:
        conn.execute("CREATE DATABASE agency")
    with made.connect("agency") as conn:
        conn.execute("CREATE TABLE members (id int PRIMARY KEY, name text NOT NULL)")
        conn.execute("INSERT INTO members SELECT n, 'member ' || n FROM generate_series(1, 500) AS n")
        conn.execute("CREATE ROLE care_manager_1 LOGIN PASSWORD 'not used here'")
        conn.execute("GRANT SELECT ON members TO care_manager_1")
    yield made
    made.remove()


def installed_here() -> PostgresInstall:
    installs = find_installs()
    assert installs, "find_installs found none of the PostgreSQL this test runs"
    return installs[-1]


def test_the_same_major_as_installed_is_nothing_to_do_and_touches_nothing(cluster):
    backups: list[Path] = []

    def backup() -> Path:
        backups.append(cluster.folder / "unused.hhbak")
        return backups[-1]

    report = upgrade_cluster(cluster.data, superuser=SUPERUSER, superuser_password=cluster.password,
                             backup=backup, stop_server=cluster.stop,
                             start_server=cluster.start)
    major = installed_here().major
    assert report.action == "nothing"
    assert report.message == f"Already on PostgreSQL {major}, the newest installed: nothing to do."
    assert backups == [] and cluster.stops == 0
    with cluster.connect("agency") as conn:
        assert conn.execute("SELECT count(*) FROM members").fetchone() == (500,)


def same_major_plan(action: Action) -> UpgradePlan:
    here = installed_here()
    return UpgradePlan(action, here.major, here, here, f"PostgreSQL {here.major} → {here.major} ({action}).")


@pytest.mark.parametrize("action", ["pg_upgrade", "dump_restore"])
def test_an_upgrade_backs_up_first_copies_everything_and_keeps_the_old_cluster(cluster, action: Action):
    order: list[str] = []

    def backup() -> Path:
        assert cluster.stops == 0, "the backup must run while the server runs"
        order.append("backup")
        return cluster.folder / "before-upgrade.hhbak"

    def stop() -> None:
        order.append("stop")
        cluster.stop()

    hba_before = (cluster.data / "pg_hba.conf").read_text()
    lines: list[str] = []
    report = carry_out_upgrade(cluster.data, same_major_plan(action), superuser=SUPERUSER,
                               superuser_password=cluster.password, backup=backup, stop_server=stop,
                               start_server=cluster.start, progress=lines.append)
    assert order == ["backup", "stop"]
    assert report.action == action and report.backup == cluster.folder / "before-upgrade.hhbak"
    assert report.kept == cluster.folder / f"cluster.postgresql-{installed_here().major}-before-upgrade"
    assert report.kept is not None and (report.kept / "PG_VERSION").is_file()  # the old cluster, kept for the administrator
    assert not (cluster.folder / "cluster.upgrade-work").exists()
    assert not list(cluster.folder.glob("cluster.upgrading-to-*"))
    # the new cluster carries the agency's own files and every row, role and grant
    assert (cluster.data / "pg_hba.conf").read_text() == hba_before
    assert (cluster.data / "server-note.txt").read_text() == "a file of the agency's setup\n"
    with cluster.connect("agency") as conn:
        assert conn.execute("SELECT count(*), sum(id) FROM members").fetchone() == (500, 125250)
        assert conn.execute("SELECT has_table_privilege('care_manager_1', 'members', 'SELECT')").fetchone() == (
            True,)
        assert conn.execute("SELECT current_setting('data_checksums')").fetchone() == ("on",)
    assert "Backing up the server first…" in lines and "Gathering the planner's statistics…" in lines


@pytest.mark.parametrize(("action", "said"), [("pg_upgrade", "pg_upgrade --check failed, so nothing was changed"),
                                              ("dump_restore", r"Copying the databases failed \(pg")])
def test_a_failed_upgrade_leaves_the_old_cluster_as_it_was_and_running(cluster, action: Action, said: str):
    # the upgrade run for a superuser the old cluster does not have: pg_upgrade --check, or pg_dumpall, fails
    with pytest.raises(UserError, match=said):
        carry_out_upgrade(cluster.data, same_major_plan(action), superuser="somebody_else",
                          superuser_password=cluster.password, backup=lambda: Path("b.hhbak"),
                          stop_server=cluster.stop, start_server=cluster.start)
    assert cluster.starts == 2  # the fixture's start, and the restart after the failure
    assert sorted(path.name for path in cluster.folder.iterdir() if path.name.startswith("cluster")) == ["cluster"]
    with cluster.connect("agency") as conn:
        assert conn.execute("SELECT count(*) FROM members").fetchone() == (500,)
