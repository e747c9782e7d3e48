"""The audit log against a password holder who is not an administrator.

The attacker here holds a care manager's password, so the store key: they open the file with SQLCipher
directly, drop the append-only triggers, and cut, rewrite or forge the log, recomputing the hash chain so that
it is whole again. They can also edit the key file. They do not hold the sealing key, which only
administrators' key slots (and the recovery slot) hold. Everything below the newest seal must be caught;
what was added after it is reported as not proved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hhdesk.cli.main import main
from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import engine as engines
from hhdesk.db.audit_seal import ChainHead, make_seal
from hhdesk.db.backup import write_backup
from hhdesk.db.keyfile import KeyFile
from hhdesk.db.keyslots import KeySlots, key_id
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import StoreSecret
from hhdesk.errors import NotAStore, PermissionDenied
from hhdesk.services import audit, audit_seals, maintenance, users
from hhdesk.services.context import AppSession
from tests.faults.conftest import ADMIN_PASSWORD, CM_PASSWORD, SUPERVISOR_PASSWORD


def some_work(path: Path, events: int = 5) -> None:
    app = users.login(path, "cm", CM_PASSWORD)
    try:
        with app.work(None) as uow:
            for n in range(events):
                uow.audit("member_viewed", "member", n)
    finally:
        app.close()


def key_file_seal(path: Path) -> dict:
    return json.loads(keyslots_path(path).read_text())["audit_seal"]


@pytest.fixture
def window(agency_store: Path) -> Iterator[AppSession]:
    """Work, then an administrator logs in (which seals) and leaves the window open while the attacker works."""
    some_work(agency_store)
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    assert app.sealing_key is not None, "an administrator's slot holds the sealing key"
    yield app
    app.close()


# ---- what the attacker does with the care manager's password ------------------------------------------
def attacker_rows(path: Path) -> list[tuple]:
    conn = engines.connect(path, KeyFile(path).unlock("cm", CM_PASSWORD).raw_key)
    try:
        return conn.execute("SELECT id, at, username, action, entity, entity_id, member_id, detail "
                            "FROM audit_events ORDER BY id").fetchall()
    finally:
        conn.close()


def attacker_rewrites(path: Path, rows: list[tuple]) -> None:
    """Drop the triggers, replace the whole log by `rows` and recompute every hash: a chain that links."""
    conn = engines.connect(path, KeyFile(path).unlock("cm", CM_PASSWORD).raw_key)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        conn.execute("DELETE FROM audit_events")
        prev = audit.GENESIS
        for new_id, (_id, at, username, action, entity, entity_id, member_id, detail) in enumerate(rows, 1):
            digest = audit._digest(prev, at, username, action, entity, entity_id, member_id, detail)
            conn.execute("INSERT INTO audit_events (id, at, username, action, entity, entity_id, member_id, "
                         "detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (new_id, at, username, action, entity, entity_id, member_id, detail, prev, digest))
            prev = digest
        conn.commit()
    finally:
        conn.close()


def chain_is_whole_without_seal(path: Path) -> bool:
    """What the old `verify` checked: the links alone."""
    app = users.login(path, "cm", CM_PASSWORD)
    try:
        with app.store.read_session() as session:
            return audit.verify_chain(session).ok
    finally:
        app.close()


def cut_last_three(rows: list[tuple]) -> list[tuple]:
    return rows[:-3]


def rewrite_one_event(rows: list[tuple]) -> list[tuple]:
    changed = [list(row) for row in rows]
    changed[3][7] = "nothing happened here"
    return [tuple(row) for row in changed]


def insert_a_forged_event(rows: list[tuple]) -> list[tuple]:
    forged = (0, rows[2][1], "admin", "user_added", "user", "cm", None, "role admin")
    return rows[:3] + [forged] + rows[3:]


ATTACKS = {"truncation": (cut_last_three, "events were removed"),
           "rewrite": (rewrite_one_event, "were changed, removed or inserted"),
           "forgery": (insert_a_forged_event, "were changed, removed or inserted")}


# ---- the three attacks of the probe ---------------------------------------------------------------------
@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_below_the_seal_with_a_recomputed_chain_fails_verify(window: AppSession, attack: str) -> None:
    change, said = ATTACKS[attack]
    path = window.store.path
    sealed = key_file_seal(path)["events"]
    attacker_rewrites(path, change(attacker_rows(path)))
    assert chain_is_whole_without_seal(path)  # what got past the old verify

    report = maintenance.verify(window)
    assert not report.ok
    assert said in report.audit_problem
    assert f"the first {sealed:,} events" in report.audit_problem or f"{sealed:,} events were sealed" in \
        report.audit_problem


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_next_admin_login_finds_the_attack_and_seals_the_finding(agency_store: Path, window: AppSession,
                                                                     attack: str, capsys,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    change, said = ATTACKS[attack]
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    attacker_rewrites(agency_store, change(attacker_rows(agency_store)))

    code = main(["verify", "--store", str(agency_store), "--user", "admin"])
    err = capsys.readouterr().err
    assert code == 1
    assert "hhdesk: audit log: against the seal in the key file:" in err and said in err
    assert "found at this login (and recorded in the log)" in err

    # The finding is in the log now, below the new seal: removing it is itself detected.
    rows = attacker_rows(agency_store)
    assert any(row[3] == audit_seals.SEAL_FINDING and said in row[7] for row in rows)
    attacker_rewrites(agency_store, [row for row in rows if row[3] != audit_seals.SEAL_FINDING])
    report = maintenance.verify(window)
    assert not report.ok and "were changed, removed or inserted" in report.audit_problem


def test_a_seal_forged_with_another_key_is_refused(window: AppSession) -> None:
    path = window.store.path
    attacker_rewrites(path, cut_last_three(attacker_rows(path)))
    # The attacker signs the cut log with a key of their own and puts that seal in the key file.
    with window.store.read_session() as session:
        head = audit.chain_head(session)
    data = json.loads(keyslots_path(path).read_text())
    data["audit_seal"] = make_seal(Ed25519PrivateKey.generate(), data["store_id"], head, "admin", "login").to_json()
    keyslots_path(path).write_text(json.dumps(data))

    report = maintenance.verify(window)
    assert not report.ok
    assert any("was not made with this store's sealing key" in p for p in report.seal_problems)


def test_a_seal_with_a_changed_count_fails_its_signature(window: AppSession) -> None:
    data = json.loads(keyslots_path(window.store.path).read_text())
    data["audit_seal"]["events"] -= 3
    keyslots_path(window.store.path).write_text(json.dumps(data))
    report = maintenance.verify(window)
    assert any("forged or altered" in p for p in report.seal_problems)


def test_an_older_key_file_put_back_is_caught_by_the_backup(agency_store: Path, window: AppSession) -> None:
    """The attacker puts back a key file from before a backup and cuts the log to that older seal."""
    sealed = key_file_seal(agency_store)["events"]
    old_key_file = keyslots_path(agency_store).read_text()
    some_work(agency_store)
    maintenance.backup_now(window, backups_dir(agency_store) / "friday.hhbak")

    attacker_rewrites(agency_store, attacker_rows(agency_store)[:sealed])
    keyslots_path(agency_store).write_text(old_key_file)

    report = maintenance.verify(window)
    assert not report.ok
    assert report.seal_source == "backup friday.hhbak"
    assert any("is older than the one in backup friday.hhbak" in p for p in report.seal_problems)
    assert "events were removed" in report.audit_problem


def test_a_sealing_key_swapped_into_the_admin_slot_shows_against_the_backups(agency_store: Path,
                                                                             window: AppSession) -> None:
    """The attacker seals a key of their own to the administrator's slot (its public half is in the file), so
    the administrator's next login seals with a key the attacker knows; the backups' seals then disagree."""
    maintenance.backup_now(window, backups_dir(agency_store) / "friday.hhbak")
    slots = KeySlots.load(keyslots_path(agency_store))
    their_own = Ed25519PrivateKey.generate().private_bytes_raw()
    slots.secret_ids[StoreSecret.AUDIT_SEALING] = key_id(their_own)
    for name in ("admin", "__recovery__"):
        slots.grant(name, StoreSecret.AUDIT_SEALING, their_own)
    keyslots_path(agency_store).write_text(slots.to_text())

    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        assert app.sealing_key is not None and app.sealing_key.private_bytes_raw() == their_own
        assert any("the seal in backup friday.hhbak was not made with this store's sealing key" in finding
                   for finding in app.seal_findings)
        assert not maintenance.verify(app).ok
    finally:
        app.close()


# ---- what is not proved, said so -----------------------------------------------------------------------
def test_events_appended_after_the_last_seal_pass_but_are_reported_unproved(window: AppSession) -> None:
    path = window.store.path
    sealed = key_file_seal(path)["events"]
    rows = attacker_rows(path)
    genuine_looking = (0, rows[-1][1], "cm", "member_viewed", "member", "7", None, "")
    attacker_rewrites(path, rows + [genuine_looking])

    report = maintenance.verify(window)
    assert report.ok
    assert report.seal is not None and report.seal.events == sealed
    assert report.unsealed_events >= 1
    said = "\n".join(maintenance.what_verify_proved(report))
    assert f"Proved: events 1 to {sealed:,} are exactly those sealed" in said
    assert "Not proved: the" in said and "after that seal" in said


def test_a_store_before_seals_is_reported_unsealed_until_an_administrator_logs_in(agency_store: Path) -> None:
    keys = keyslots_path(agency_store)
    data = json.loads(keys.read_text())
    data["audit_seal"] = None  # as a key file of an older hhdesk
    keys.write_text(json.dumps(data))
    sup = users.login(agency_store, "sup", SUPERVISOR_PASSWORD)
    sup.close()
    assert key_file_seal(agency_store) is None, "a supervisor's login does not seal"
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        report = maintenance.verify(app)
    finally:
        app.close()
    assert report.ok and report.seal is not None and report.seal.reason == "login"


def test_only_administrators_hold_the_sealing_key_and_may_seal(agency_store: Path) -> None:
    slots = KeySlots.load(keyslots_path(agency_store))
    holders = {name for name, slot in slots.slots.items() if StoreSecret.AUDIT_SEALING in slot.secrets}
    assert holders == {"admin", "__recovery__"}
    sup = users.login(agency_store, "sup", SUPERVISOR_PASSWORD)
    try:
        assert sup.sealing_key is None
        with pytest.raises(PermissionDenied):
            audit_seals.seal_by_hand(sup)
    finally:
        sup.close()

    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        users.update_user(app, "sup", role=Role.ADMIN)
        users.update_user(app, "cm", role=Role.SUPERVISOR)
    finally:
        app.close()
    promoted = users.login(agency_store, "sup", SUPERVISOR_PASSWORD)
    try:
        seal, findings = audit_seals.seal_by_hand(promoted)
        assert seal.by == "sup" and not findings
    finally:
        promoted.close()
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        users.update_user(app, "sup", role=Role.SUPERVISOR)
    finally:
        app.close()
    demoted = users.login(agency_store, "sup", SUPERVISOR_PASSWORD)
    demoted.close()
    assert demoted.sealing_key is None
    assert StoreSecret.AUDIT_SEALING not in KeySlots.load(keyslots_path(agency_store)).slots["sup"].secrets


# ---- backups, restores and rotation keep the seal ---------------------------------------------------------
def test_a_sealed_store_verifies_through_backup_restore_and_rotation(window: AppSession, tmp_path: Path) -> None:
    maintenance.backup_now(window, tmp_path / "copy.hhbak")
    users.rotate_key(window)
    report = maintenance.verify(window)
    assert report.ok, report
    assert report.seal is not None and report.seal.reason == "rotate-key"
    restored = maintenance.restore_to(tmp_path / "copy.hhbak", tmp_path / "restored.hhdesk", "admin",
                                      ADMIN_PASSWORD)
    assert restored.ok and restored.seal is not None and restored.seal.reason == "backup"


def test_a_restore_of_an_older_backup_is_recorded_once_at_the_next_admin_login(agency_store: Path,
                                                                               window: AppSession) -> None:
    maintenance.backup_now(window, backups_dir(agency_store) / "monday.hhbak")
    some_work(agency_store)
    maintenance.backup_now(window, backups_dir(agency_store) / "tuesday.hhbak")
    maintenance.restore_over_current(window, backups_dir(agency_store) / "monday.hhbak", ADMIN_PASSWORD)

    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        assert any("older than the one in backup tuesday.hhbak" in f for f in app.seal_findings)
    finally:
        app.close()
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        assert app.seal_findings == []
        report = maintenance.verify(app)
        assert report.ok and report.recorded_findings[0] >= 1
    finally:
        app.close()


def test_a_backup_whose_log_was_cut_below_its_own_seal_is_not_restored(window: AppSession, tmp_path: Path) -> None:
    maintenance.backup_now(window, tmp_path / "copy.hhbak")
    # The attacker restores the copy elsewhere, cuts its log, and backs it up again as a backup of their own.
    maintenance.restore_to(tmp_path / "copy.hhbak", tmp_path / "work.hhdesk", "admin", ADMIN_PASSWORD)
    work = tmp_path / "work.hhdesk"
    attacker_rewrites(work, attacker_rows(work)[:-4])
    cm = users.login(work, "cm", CM_PASSWORD)
    write_backup(cm.store.path, cm.store.raw_key, tmp_path / "cut.hhbak")
    cm.close()

    with pytest.raises(NotAStore, match="events were removed"):
        maintenance.restore_to(tmp_path / "cut.hhbak", tmp_path / "again.hhdesk", "admin", ADMIN_PASSWORD)


def test_seal_covers_store_id_count_last_id_and_head() -> None:
    key = Ed25519PrivateKey.generate()
    seal = make_seal(key, "store-1", ChainHead(3, 3, hashlib.sha256(b"x").hexdigest()), "admin", "login")
    assert seal.signed_with(key.public_key())
    for field, value in (("store_id", "store-2"), ("events", 2), ("last_id", 4), ("head", "0" * 64),
                         ("by", "cm"), ("at", "2020-01-01T00:00:00+00:00")):
        altered = type(seal)(**{**seal.__dict__, field: value})
        assert not altered.signed_with(key.public_key()), field
    assert not seal.signed_with(Ed25519PrivateKey.generate().public_key())
