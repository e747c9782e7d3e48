"""`hhdesk host upgrade`'s decisions and the command lines it builds (pure: no PostgreSQL needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.db.cluster_upgrade import (
    PostgresInstall,
    UpgradePlan,
    analyze_commands,
    cluster_major,
    dump_restore_commands,
    find_installs,
    initdb_command,
    is_own_role_creation,
    password_file_line,
    pg_upgrade_command,
    plan_upgrade,
    server_options,
    upgrade_folders,
    without_values,
)
from hhdesk.db.host_os import as_account
from hhdesk.errors import UserError

PG15 = PostgresInstall(15, Path("/usr/lib/postgresql/15/bin"))
PG17 = PostgresInstall(17, Path("/usr/lib/postgresql/17/bin"))
PG17_WITHOUT_PG_UPGRADE = PostgresInstall(17, Path("/usr/lib/postgresql/17/bin"), has_pg_upgrade=False)


def test_same_major_as_the_newest_installed_is_nothing_to_do():
    plan = plan_upgrade(15, [PG15])
    assert plan.action == "nothing"
    assert plan.message == "Already on PostgreSQL 15, the newest installed: nothing to do."
    assert plan_upgrade(17, [PG15, PG17]).action == "nothing"


def test_a_newer_install_with_the_old_programs_still_there_is_a_pg_upgrade():
    plan = plan_upgrade(15, [PG17, PG15])
    assert (plan.action, plan.old, plan.new) == ("pg_upgrade", PG15, PG17)
    assert plan.message == "PostgreSQL 15 → 17 with pg_upgrade."


def test_without_pg_upgrade_it_falls_back_to_dump_and_restore():
    plan = plan_upgrade(15, [PG15, PG17_WITHOUT_PG_UPGRADE])
    assert (plan.action, plan.old, plan.new) == ("dump_restore", PG15, PG17_WITHOUT_PG_UPGRADE)


def test_impossible_cases_say_what_to_install():
    assert "No PostgreSQL is installed" in plan_upgrade(15, []).message
    gone = plan_upgrade(15, [PG17])
    assert gone.action == "impossible" and "install PostgreSQL 15 again" in gone.message
    older = plan_upgrade(17, [PG15])
    assert older.action == "impossible" and "newer than any installed" in older.message


@given(st.integers(10, 30), st.sets(st.integers(10, 30), min_size=1), st.booleans())
def test_the_plan_never_goes_down_and_upgrades_only_with_both_programs(current, majors, tool):
    installs = [PostgresInstall(major, Path(f"/pg/{major}/bin"), tool) for major in majors]
    plan = plan_upgrade(current, installs)
    newest = max(majors)
    if plan.action in ("pg_upgrade", "dump_restore"):
        assert plan.new is not None and plan.old is not None
        assert plan.new.major == newest > current and plan.old.major == current
        assert (plan.action == "pg_upgrade") is tool
    elif plan.action == "nothing":
        assert newest == current
    else:
        assert newest < current or current not in majors


def test_cluster_major_reads_pg_version(tmp_path):
    (tmp_path / "PG_VERSION").write_text("15\n")
    assert cluster_major(tmp_path) == 15
    with pytest.raises(UserError, match="not a PostgreSQL data folder"):
        cluster_major(tmp_path / "elsewhere")
    (tmp_path / "PG_VERSION").write_text("9.6\n")
    with pytest.raises(UserError, match="not a major version"):
        cluster_major(tmp_path)


# ---- the command lines --------------------------------------------------------------------------------------
PLAN = UpgradePlan("pg_upgrade", 15, PG15, PG17, "")
FOLDERS = upgrade_folders(Path("/srv/hhdesk/cluster"), PLAN)


def test_folders_sit_beside_the_cluster_so_the_swap_is_two_renames():
    assert FOLDERS.new == Path("/srv/hhdesk/cluster.upgrading-to-17")
    assert FOLDERS.kept == Path("/srv/hhdesk/cluster.postgresql-15-before-upgrade")
    assert FOLDERS.work == Path("/srv/hhdesk/cluster.upgrade-work")


def test_initdb_makes_the_new_cluster_as_hhdesk_makes_every_cluster():
    assert initdb_command(PLAN, FOLDERS, "hhdesk_admin", "Linux") == [
        "/usr/lib/postgresql/17/bin/initdb", "--pgdata", "/srv/hhdesk/cluster.upgrading-to-17",
        "--username", "hhdesk_admin", "--pwfile", "/srv/hhdesk/cluster.upgrade-work/superuser-password",
        "--data-checksums", "--encoding", "UTF8", "--locale", "C.UTF-8", "--auth", "scram-sha-256"]


def test_pg_upgrade_checks_first_then_upgrades_in_copy_mode():
    check = pg_upgrade_command(PLAN, FOLDERS, "hhdesk_admin", "Linux", check=True)
    upgrade = pg_upgrade_command(PLAN, FOLDERS, "hhdesk_admin", "Linux", check=False)
    assert check == [*upgrade, "--check"]
    assert upgrade[:13] == [
        "/usr/lib/postgresql/17/bin/pg_upgrade",
        "--old-bindir", "/usr/lib/postgresql/15/bin", "--new-bindir", "/usr/lib/postgresql/17/bin",
        "--old-datadir", "/srv/hhdesk/cluster", "--new-datadir", "/srv/hhdesk/cluster.upgrading-to-17",
        "--username", "hhdesk_admin", "--old-port", "50432"]
    assert "--link" not in upgrade and "--clone" not in upgrade  # the old cluster stays usable
    options = upgrade[upgrade.index("--old-options") + 1]
    assert options == upgrade[upgrade.index("--new-options") + 1]
    assert "-c hba_file='/srv/hhdesk/cluster.upgrade-work/upgrade-hba.conf'" in options
    assert "-c listen_addresses= " in options
    assert upgrade[-2:] == ["--socketdir", "/srv/hhdesk/cluster.upgrade-work"]


def test_windows_command_lines_use_exe_loopback_and_no_socket_folder():
    plan = UpgradePlan("pg_upgrade", 15, PostgresInstall(15, Path("C:/Program Files/PostgreSQL/15/bin")),
                       PostgresInstall(17, Path("C:/Program Files/PostgreSQL/17/bin")), "")
    folders = upgrade_folders(Path("C:/ProgramData/hhdesk/cluster"), plan)
    upgrade = pg_upgrade_command(plan, folders, "postgres", "Windows", check=False)
    assert upgrade[0].endswith("pg_upgrade.exe") and "--socketdir" not in upgrade
    assert server_options(folders, "Windows").startswith("-c listen_addresses=127.0.0.1 -c hba_file=\"")
    assert as_account(upgrade, "postgres", "Windows") == upgrade


def test_the_temporary_servers_accept_only_the_superuser_from_this_computer():
    from hhdesk.db.cluster_upgrade import upgrade_hba

    lines = upgrade_hba("hhdesk_admin").splitlines()
    assert lines == ["local all hhdesk_admin scram-sha-256", "host all hhdesk_admin 127.0.0.1/32 scram-sha-256",
                     "host all hhdesk_admin ::1/128 scram-sha-256"]


def test_dump_and_restore_pipes_the_newer_pg_dumpall_into_psql_between_two_private_servers():
    plan = UpgradePlan("dump_restore", 15, PG15, PG17_WITHOUT_PG_UPGRADE, "")
    steps = dump_restore_commands(plan, FOLDERS, "hhdesk_admin", "Linux")
    assert [argv[0] for argv in steps.start] == ["/usr/lib/postgresql/15/bin/pg_ctl",
                                                  "/usr/lib/postgresql/17/bin/pg_ctl"]
    assert steps.start[0][-2].endswith("-p 50432") and steps.start[1][-2].endswith("-p 50433")
    assert steps.dump[0] == "/usr/lib/postgresql/17/bin/pg_dumpall" and "--file" not in steps.dump
    assert steps.dump[steps.dump.index("--port") + 1] == "50432"
    assert steps.restore[steps.restore.index("--port") + 1] == "50433"
    assert "ON_ERROR_STOP=1" in steps.restore and "--no-password" in steps.restore
    assert [argv[-1] for argv in steps.stop] == ["stop", "stop"]
    assert analyze_commands(plan, FOLDERS, "hhdesk_admin", "Linux")[1][-2:] == ["--all", "--analyze-in-stages"]


def test_only_the_superusers_own_create_role_is_left_out_of_the_dump():
    assert is_own_role_creation(b"CREATE ROLE hhdesk_admin;\n", "hhdesk_admin")
    assert is_own_role_creation(b'CREATE ROLE "hhdesk_admin";\r\n', "hhdesk_admin")
    assert not is_own_role_creation(b"CREATE ROLE care_manager_1;\n", "hhdesk_admin")
    assert not is_own_role_creation(b"ALTER ROLE hhdesk_admin WITH SUPERUSER;\n", "hhdesk_admin")


def test_programs_run_as_the_service_account():
    assert as_account(["initdb"], "postgres", "Linux") == ["runuser", "-u", "postgres", "--", "initdb"]
    assert as_account(["initdb"], "_postgres", "Darwin", {"PGPASSFILE": "/w/pgpass"}) == [
        "sudo", "-u", "_postgres", "--", "env", "PGPASSFILE=/w/pgpass", "initdb"]
    assert as_account(["initdb"], None, "Linux") == ["initdb"]


def test_password_file_escapes_colons_and_backslashes():
    assert password_file_line("admin", "a:b\\c") == "*:*:*:admin:a\\:b\\\\c\n"


def test_find_installs_reads_the_major_from_pg_ctl(tmp_path):
    for major in ("15", "17"):
        bindir = tmp_path / major / "bin"
        bindir.mkdir(parents=True)
        for program in ("pg_ctl", "initdb") + (("pg_upgrade",) if major == "17" else ()):
            (bindir / program).write_text("")
    (tmp_path / "16" / "bin").mkdir(parents=True)  # a leftover folder without programs

    def pg_ctl_version(argv, **_kwargs):
        major = Path(argv[0]).parent.parent.name
        return subprocess.CompletedProcess(argv, 0, f"pg_ctl (PostgreSQL) {major}.4 (Debian {major}.4-1)\n", "")

    installs = find_installs(system="Linux", patterns=[str(tmp_path / "*" / "bin")], run=pg_ctl_version)
    assert installs == [PostgresInstall(15, tmp_path / "15" / "bin", False),
                        PostgresInstall(17, tmp_path / "17" / "bin", True)]


def test_failure_messages_leave_out_the_lines_that_can_quote_a_members_data():
    output = ('ERROR:  duplicate key value violates unique constraint "members_medicaid_id_key"\n'
              "DETAIL:  Key (medicaid_id)=(AB12345C) already exists.\n"
              'CONTEXT:  COPY members, line 2: "2\tAB12345C\tJane"\n'
              "pg_upgrade: fatal: see pg_upgrade_output.d\n")
    said = without_values(output)
    assert said == ['ERROR:  duplicate key value violates unique constraint "members_medicaid_id_key"',
                    "pg_upgrade: fatal: see pg_upgrade_output.d"]
    assert "AB12345C" not in " ".join(said)
