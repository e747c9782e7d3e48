"""The audit log against a password holder who is not an administrator.

The attacker here holds a care manager's password, so the store key: they open the file with SQLCipher
directly, drop the append-only triggers, and cut, rewrite or forge the log, recomputing the hash chain so that
it is whole again. They can also edit the key file. They do not hold the sealing key, which only
administrators' key slots hold. Everything below the newest seal must be caught; what was added after it is
reported as not proved.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from hhdesk.config import backups_dir, keyslots_path
from hhdesk.db import engine as engines
from hhdesk.db.audit_seal import ChainHead, generate_sealing_key, make_seal
from hhdesk.db.keyfile import KeyFile
from hhdesk.services import audit, audit_seals, maintenance, users
from hhdesk.services.context import AppSession
from tests.faults.conftest import ADMIN_PASSWORD, CM_PASSWORD


@pytest.fixture
def sealing_key():
    return generate_sealing_key()


def admin_login(path: Path, sealing_key) -> AppSession:  # noqa: ANN001
    """An administrator's login, sealing as the login does (the key as the administrator's slot yields it)."""
    app = users.login(path, "admin", ADMIN_PASSWORD)
    app.sealing_key = sealing_key
    audit_seals.check_and_seal(app, "login")
    return app


def verify(path: Path, sealing_key) -> maintenance.VerifyReport:  # noqa: ANN001
    app = users.login(path, "admin", ADMIN_PASSWORD)
    app.sealing_key = sealing_key  # no login seal: verify judges the store as the attacker left it
    try:
        return maintenance.verify(app)
    finally:
        app.close()


def some_work(path: Path, events: int = 5) -> None:
    app = users.login(path, "cm", CM_PASSWORD)
    try:
        with app.work(None) as uow:
            for n in range(events):
                uow.audit("member_viewed", "member", n)
    finally:
        app.close()


# ---- what the attacker does with the care manager's password ------------------------------------------
def attacker_rows(path: Path) -> list[tuple]:
    conn = engines.connect(path, KeyFile(path).unlock("cm", CM_PASSWORD))
    try:
        return conn.execute("SELECT id, at, username, action, entity, entity_id, member_id, detail "
                            "FROM audit_events ORDER BY id").fetchall()
    finally:
        conn.close()


def attacker_rewrites(path: Path, rows: list[tuple]) -> None:
    """Drop the triggers, replace the whole log by `rows` and recompute every hash: a chain that links."""
    conn = engines.connect(path, KeyFile(path).unlock("cm", CM_PASSWORD))
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


def sealed_store(agency_store: Path, sealing_key) -> int:  # noqa: ANN001
    """Work, then an administrator's login seals it; returns how many events the seal covers."""
    some_work(agency_store)
    admin_login(agency_store, sealing_key).close()
    seal = json.loads(keyslots_path(agency_store).read_text())["audit_seal"]
    return seal["events"]


# ---- the three attacks of the probe ---------------------------------------------------------------------
def test_cutting_the_last_events_below_the_seal_is_detected(agency_store: Path, sealing_key) -> None:  # noqa: ANN001
    sealed = sealed_store(agency_store, sealing_key)
    rows = attacker_rows(agency_store)
    attacker_rewrites(agency_store, rows[:-3])
    assert chain_is_whole_without_seal(agency_store)  # what got past the old verify

    report = verify(agency_store, sealing_key)
    assert not report.ok
    assert "events were removed" in report.audit_problem
    assert f"{sealed:,} events were sealed" in report.audit_problem


def _rewrite_one_event(rows: list[tuple]) -> list[tuple]:
    changed = [list(row) for row in rows]
    changed[3][7] = "nothing happened here"
    return [tuple(row) for row in changed]


def _insert_a_forged_event(rows: list[tuple]) -> list[tuple]:
    forged = (0, rows[2][1], "admin", "user_added", "user", "cm", None, "role admin")
    return rows[:3] + [forged] + rows[3:]


@pytest.mark.parametrize("attack", [_rewrite_one_event, _insert_a_forged_event], ids=["rewrite", "forgery"])
def test_rewriting_or_forging_below_the_seal_with_a_recomputed_chain_is_detected(agency_store: Path, sealing_key,  # noqa: ANN001
                                                                                 attack) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    attacker_rewrites(agency_store, attack(attacker_rows(agency_store)))
    assert chain_is_whole_without_seal(agency_store)

    report = verify(agency_store, sealing_key)
    assert not report.ok
    assert "were changed, removed or inserted" in report.audit_problem


def test_a_seal_forged_with_another_key_is_refused(agency_store: Path, sealing_key) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    rows = attacker_rows(agency_store)
    attacker_rewrites(agency_store, rows[:-3])
    # The attacker signs the cut log with a key of their own, and puts that seal in the key file.
    app = users.login(agency_store, "cm", CM_PASSWORD)
    with app.store.read_session() as session:
        head = audit.chain_head(session)
    app.close()
    keys = keyslots_path(agency_store)
    data = json.loads(keys.read_text())
    data["audit_seal"] = make_seal(generate_sealing_key(), data["store_id"], head, "admin", "login").to_json()
    keys.write_text(json.dumps(data))

    report = verify(agency_store, sealing_key)
    assert not report.ok
    assert any("was not made with this store's sealing key" in p for p in report.seal_problems)


def test_a_seal_with_a_changed_count_fails_its_signature(agency_store: Path, sealing_key) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    keys = keyslots_path(agency_store)
    data = json.loads(keys.read_text())
    data["audit_seal"]["events"] -= 3
    keys.write_text(json.dumps(data))
    report = verify(agency_store, sealing_key)
    assert any("forged or altered" in p for p in report.seal_problems)


def test_an_older_key_file_put_back_is_caught_by_the_backup(agency_store: Path, sealing_key) -> None:  # noqa: ANN001
    """The attacker puts back a key file from before a backup and cuts the log to that older seal."""
    sealed = sealed_store(agency_store, sealing_key)
    old_key_file = keyslots_path(agency_store).read_text()
    some_work(agency_store)
    app = admin_login(agency_store, sealing_key)
    maintenance.backup_now(app, backups_dir(agency_store) / "friday.hhbak")
    app.close()

    rows = attacker_rows(agency_store)
    attacker_rewrites(agency_store, rows[:sealed])
    data = json.loads(old_key_file)
    data["generation"] = json.loads(keyslots_path(agency_store).read_text())["generation"]
    keyslots_path(agency_store).write_text(json.dumps(data))

    report = verify(agency_store, sealing_key)
    assert not report.ok
    assert report.seal_source == "backup friday.hhbak"
    assert any("is older than the one in backup friday.hhbak" in p for p in report.seal_problems)
    assert "events were removed" in report.audit_problem


# ---- what is not proved, said so -----------------------------------------------------------------------
def test_events_appended_after_the_last_seal_pass_but_are_reported_unproved(agency_store: Path,
                                                                            sealing_key) -> None:  # noqa: ANN001
    sealed = sealed_store(agency_store, sealing_key)
    rows = attacker_rows(agency_store)
    genuine_looking = (0, rows[-1][1], "cm", "member_viewed", "member", "7", None, "")
    attacker_rewrites(agency_store, rows + [genuine_looking])

    report = verify(agency_store, sealing_key)
    assert report.ok
    assert report.seal is not None and report.seal.events == sealed
    assert report.unsealed_events >= 1
    said = "\n".join(maintenance.what_verify_proved(report))
    assert f"Proved: events 1 to {sealed:,} are exactly those sealed" in said
    assert "Not proved: the" in said and "after that seal" in said


def test_an_unsealed_log_is_reported_as_unproved(agency_store: Path) -> None:
    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    try:
        report = maintenance.verify(app)
    finally:
        app.close()
    assert report.ok and report.seal is None
    assert any(line.startswith("Not proved: no administrator has sealed") for line in
               maintenance.what_verify_proved(report))


# ---- an administrator's login after tampering -----------------------------------------------------------
def test_the_next_admin_login_records_the_cut_and_seals_the_finding(agency_store: Path, sealing_key) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    rows = attacker_rows(agency_store)
    attacker_rewrites(agency_store, rows[:-3])

    app = users.login(agency_store, "admin", ADMIN_PASSWORD)
    app.sealing_key = sealing_key
    findings = audit_seals.check_and_seal(app, "login")
    recorded = [r.detail for r in maintenance.audit_log(app) if r.action == audit_seals.SEAL_FINDING]
    app.close()
    assert findings and "events were removed" in findings[0]
    assert recorded and "events were removed" in recorded[0]

    # The finding is now below a seal: removing it is itself detected.
    rows = attacker_rows(agency_store)
    attacker_rewrites(agency_store, [r for r in rows if r[3] != audit_seals.SEAL_FINDING])
    assert not verify(agency_store, sealing_key).ok


def test_a_sealed_store_verifies_through_backup_restore_and_rotation(agency_store: Path, sealing_key,
                                                                     tmp_path: Path) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    app = admin_login(agency_store, sealing_key)
    try:
        maintenance.backup_now(app, tmp_path / "copy.hhbak")
        users.rotate_key(app)
        report = maintenance.verify(app)
    finally:
        app.close()
    assert report.ok, report
    assert report.seal is not None and report.seal.reason == "rotate-key"
    restored = maintenance.restore_to(tmp_path / "copy.hhbak", tmp_path / "restored.hhdesk", "admin",
                                      ADMIN_PASSWORD)
    assert restored.ok and restored.seal is not None and restored.seal.reason == "backup"


def test_a_backup_whose_log_was_cut_below_its_own_seal_is_not_restored(agency_store: Path, sealing_key,
                                                                         tmp_path: Path) -> None:  # noqa: ANN001
    sealed_store(agency_store, sealing_key)
    app = admin_login(agency_store, sealing_key)
    maintenance.backup_now(app, tmp_path / "copy.hhbak")
    app.close()
    # Restore the copy, cut its log, and back it up again as the attacker (who may make backups).
    maintenance.restore_to(tmp_path / "copy.hhbak", tmp_path / "work.hhdesk", "admin", ADMIN_PASSWORD)
    rows = attacker_rows(tmp_path / "work.hhdesk")
    attacker_rewrites(tmp_path / "work.hhdesk", rows[:-4])
    shutil.rmtree(backups_dir(tmp_path / "work.hhdesk"), ignore_errors=True)
    from hhdesk.db.backup import write_backup

    cm = users.login(tmp_path / "work.hhdesk", "cm", CM_PASSWORD)
    write_backup(cm.store.path, cm.store.raw_key, tmp_path / "cut.hhbak")
    cm.close()
    from hhdesk.errors import NotAStore

    with pytest.raises(NotAStore, match="events were removed"):
        maintenance.restore_to(tmp_path / "cut.hhbak", tmp_path / "again.hhdesk", "admin", ADMIN_PASSWORD)


def test_seal_covers_store_id_count_last_id_and_head() -> None:
    key = generate_sealing_key()
    seal = make_seal(key, "store-1", ChainHead(3, 3, hashlib.sha256(b"x").hexdigest()), "admin", "login")
    assert seal.signed_with(key.public_key())
    for field, value in (("store_id", "store-2"), ("events", 2), ("last_id", 4), ("head", "0" * 64),
                         ("by", "cm"), ("at", "2020-01-01T00:00:00+00:00")):
        altered = type(seal)(**{**seal.__dict__, field: value})
        assert not altered.signed_with(key.public_key()), field
    other = generate_sealing_key()
    assert not seal.signed_with(other.public_key())
    assert base64.b64decode(seal.signature) and len(base64.b64decode(seal.signature)) == 64
