"""`hhdesk settings list` and `hhdesk settings set`: typed text, checked by the settings registry."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run


def settings_set(capsys, store: Path, key: str, value: str) -> tuple[int, str, str]:
    return run(capsys, "settings", "set", key, value, "--store", str(store), "--user", "boss")


def listed(capsys, store: Path) -> dict[str, str]:
    code, out, err = run(capsys, "settings", "list", "--store", str(store), "--user", "boss")
    assert code == 0 and err == ""
    return {line.split()[0]: line for line in out.splitlines()[2:]}


def test_a_setting_is_set_from_typed_text_and_listed(store: Path, capsys) -> None:
    assert "1 to 240 minutes" in listed(capsys, store)["lock_minutes"]
    code, out, err = settings_set(capsys, store, "lock_minutes", "10")
    assert (code, err) == (0, "") and out == "Lock after minutes of inactivity: 10.\n"
    assert listed(capsys, store)["lock_minutes"].split()[1] == "10"
    code, out, _ = settings_set(capsys, store, "claim_test_file", "yes")
    assert code == 0 and out == "Mark claim files as test files: yes.\n"


def test_bad_values_get_the_registrys_sentence_and_change_nothing(store: Path, capsys) -> None:
    for key, value, sentence in [
        ("lock_minutes", "0", "Lock after minutes of inactivity must be from 1 to 240 minutes."),
        ("lock_minutes", "soon", "Lock after minutes of inactivity must be a whole number."),
        ("claim_test_file", "maybe", "Mark claim files as test files must be yes or no."),
        ("paper_size", "legal", "Paper size must be Letter or A4."),
        ("colour", "red", "There is no setting called 'colour'; 'hhdesk settings list' shows them."),
        ("last_auto_backup", "2026-01-01", "Last automatic backup is kept by hhdesk itself; it cannot be set."),
    ]:
        code, out, err = settings_set(capsys, store, key, value)
        assert (code, out, err) == (1, "", f"hhdesk: {sentence}\n"), key
    rows = listed(capsys, store)
    assert rows["lock_minutes"].split()[1] == "15" and rows["paper_size"].split()[1] == "letter"


def test_billing_settings_are_checked_as_the_profile_they_make(store: Path, capsys) -> None:
    code, _out, err = settings_set(capsys, store, "billing_profile", "no_such_profile")
    assert code == 1 and "do not make a usable profile" in err
    assert listed(capsys, store)["billing_profile"].split()[1] == "ny_adult"
    code, out, _ = settings_set(capsys, store, "rate_amounts", "1873=210.00")
    assert code == 0 and out == "Monthly amounts by rate code: 1873=210.00.\n"
