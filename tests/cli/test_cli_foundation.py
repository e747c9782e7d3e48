"""The command line as a user runs it: exit statuses, one-line errors, no tracebacks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hhdesk.cli.main import main
from tests.cli.conftest import ADMIN_PW, init_store, run, without_bom


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "cli.hhdesk"
    out = init_store(path, monkeypatch, capsys)
    assert "RECOVERY KEY" in out
    return path


def test_init_refuses_an_existing_store(store: Path, capsys) -> None:
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    code, _, err = run(capsys, "init", "--store", str(store), "--org", "X", "--admin", "boss")
    assert code == 1 and err.count("\n") == 1 and "already exists" in err
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_wrong_password_is_one_line_and_exit_1(store: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", "not the right one")
    code, out, err = run(capsys, "users", "list", "--store", str(store), "--user", "boss")
    assert code == 1 and out == ""
    assert err.startswith("hhdesk: Wrong user name or password") and err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_store_and_usage_errors(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "verify", "--store", str(tmp_path / "nope.hhdesk"), "--user", "boss")
    assert code == 1 and "There is no store" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["members", "list", "--status", "sleeping"])
    assert exit_info.value.code == 2


def test_users_add_list_disable_and_permissions(store: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", "the counting desk phrase")
    assert run(capsys, "users", "add", "clerk", "--role", "billing", "--store", str(store), "--user", "boss")[0] == 0
    code, out, _ = run(capsys, "users", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0 and "clerk,clerk,billing,no" in out
    monkeypatch.setenv("HHDESK_PASSWORD", "the counting desk phrase")
    code, _, err = run(capsys, "audit", "--store", str(store), "--user", "clerk")
    assert code == 1 and "may not view audit" in err
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PW)
    assert run(capsys, "users", "disable", "clerk", "--store", str(store), "--user", "boss")[0] == 0
    monkeypatch.setenv("HHDESK_PASSWORD", "the counting desk phrase")
    code, _, disabled = run(capsys, "members", "list", "--store", str(store), "--user", "clerk")
    code_unknown, _, unknown = run(capsys, "members", "list", "--store", str(store), "--user", "clerc")
    # A disabled account answers as a user name that does not exist; only the audit log tells them apart.
    assert code == code_unknown == 1 and disabled == unknown and disabled.startswith("hhdesk: Wrong user name")
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PW)
    code, out, _ = run(capsys, "audit", "--store", str(store), "--user", "boss")
    assert code == 0 and "disabled user" in out and "unknown user" in out


def test_a_locked_out_account_answers_as_a_wrong_password(store: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HHDESK_PASSWORD", "not the right one")
    wrong = [run(capsys, "verify", "--store", str(store), "--user", "boss")[2] for _ in range(5)]
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PW)
    code, _, locked = run(capsys, "verify", "--store", str(store), "--user", "boss")
    assert code == 1 and set(wrong) == {locked} and locked.startswith("hhdesk: Wrong user name or password")
    assert "locked" not in locked


def test_passwd_own_and_with_recovery_key(tmp_path: Path, capsys, monkeypatch) -> None:
    path = tmp_path / "r.hhdesk"
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", ADMIN_PW)
    _, out, _ = run(capsys, "init", "--store", str(path), "--org", "R", "--admin", "boss")
    recovery = out.split("lost):")[1].split()[0]
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PW)
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", "second phrase here")
    assert run(capsys, "users", "passwd", "boss", "--store", str(path), "--user", "boss")[0] == 0
    monkeypatch.setenv("HHDESK_RECOVERY_KEY", recovery)
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", "third phrase, recovered")
    assert run(capsys, "users", "passwd", "boss", "--recovery-key", "--store", str(path))[0] == 0
    monkeypatch.setenv("HHDESK_PASSWORD", "third phrase, recovered")
    assert run(capsys, "verify", "--store", str(path), "--user", "boss")[0] == 0


def test_backup_restore_verify_rotate_and_audit(store: Path, tmp_path: Path, capsys) -> None:
    backup = tmp_path / "b.hhbak"
    assert run(capsys, "backup", "--out", str(backup), "--store", str(store), "--user", "boss")[0] == 0
    target = tmp_path / "restored" / "r.hhdesk"
    code, out, _ = run(capsys, "restore", str(backup), "--to", str(target), "--user", "boss")
    assert code == 0 and "verified" in out
    code, _, err = run(capsys, "restore", str(backup), "--to", str(target), "--user", "boss")
    assert code == 1 and "already exists" in err
    assert run(capsys, "rotate-key", "--store", str(store), "--user", "boss")[0] == 0
    code, out, _ = run(capsys, "verify", "--store", str(store), "--user", "boss")
    assert code == 0 and out.startswith("ok")
    code, out, _ = run(capsys, "audit", "--store", str(store), "--user", "boss", "--format", "csv")
    actions = [line.split(",")[3] for line in out.splitlines()[1:]]
    assert {"backup", "key_rotated", "verify", "login"} <= set(actions)


def test_members_list_csv_header(store: Path, capsys) -> None:
    code, out, _ = run(capsys, "members", "list", "--store", str(store), "--user", "boss", "--format", "csv")
    assert code == 0
    assert without_bom(out).splitlines()[0].startswith("medicaid_id,last_name,first_name,dob,status")
