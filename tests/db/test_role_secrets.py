"""Role-scoped secrets in key slots: which slot holds which secret, through every change to the slots.

Real stores in tmp_path; each check opens the slot with its password (or the recovery key) and looks at what
it yields, as any program holding that password could.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hhdesk.config import keyslots_path
from hhdesk.db.keyslots import KeyFileDamaged, KeySlots
from hhdesk.db.models import AuditEvent, User
from hhdesk.db.store import Store
from hhdesk.domain.enums import Role
from hhdesk.domain.permissions import StoreSecret, secrets_for
from hhdesk.services import users
from hhdesk.services.settings import AgencyInfo

ADMIN_PASSWORD = "correct horse battery 1"
CLERK_PASSWORD = "counting claims all day 4"
CM_PASSWORD = "care manager passphrase 7"
NEW_PASSWORD = "a fresh start for the week 2"
CLINICAL = StoreSecret.CLINICAL
SEALING = StoreSecret.AUDIT_SEALING


@pytest.fixture
def store(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "agency.hhdesk"
    recovery = users.create_store(path, AgencyInfo(name="Secrets Health Home"), "admin", ADMIN_PASSWORD)
    app = users.login(path, "admin", ADMIN_PASSWORD)
    try:
        users.add_user(app, "clerk", Role.BILLING, CLERK_PASSWORD)
        users.add_user(app, "cm", Role.CARE_MANAGER, CM_PASSWORD)
    finally:
        app.close()
    return path, recovery


def _held(path: Path, username: str, password: str) -> dict[str, bytes]:
    opened = Store.open(path, username, password)
    try:
        return opened.secrets
    finally:
        opened.close()


def _admin(path: Path):
    return users.login(path, "admin", ADMIN_PASSWORD)


def _events(path: Path, action: str) -> list[AuditEvent]:
    app = _admin(path)
    try:
        with app.store.read_session() as session:
            return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())
    finally:
        app.close()


def test_the_roles_that_see_clinical_work_hold_the_clinical_key() -> None:
    assert CLINICAL in secrets_for(Role.ADMIN)
    assert CLINICAL in secrets_for(Role.CARE_MANAGER)
    assert CLINICAL in secrets_for(Role.SUPERVISOR)
    assert CLINICAL in secrets_for(Role.READ_ONLY)
    assert CLINICAL not in secrets_for(Role.BILLING)


def test_each_slot_holds_its_roles_secrets_and_the_recovery_slot_holds_all(store: tuple[Path, str]) -> None:
    path, recovery = store
    admin = _held(path, "admin", ADMIN_PASSWORD)
    assert set(admin) == {CLINICAL, SEALING}
    assert _held(path, "cm", CM_PASSWORD) == {CLINICAL: admin[CLINICAL]}
    assert _held(path, "clerk", CLERK_PASSWORD) == {}
    by_recovery = Store.open_with_recovery(path, recovery)
    try:
        assert by_recovery.secrets == admin
    finally:
        by_recovery.close()
    assert set(KeySlots.load(keyslots_path(path)).holders(CLINICAL)) == {"admin", "cm"}


def test_password_changes_resets_enabling_and_rotation_keep_the_secrets(store: tuple[Path, str]) -> None:
    path, recovery = store
    clinical, sealing = (_held(path, "admin", ADMIN_PASSWORD)[name] for name in (CLINICAL, SEALING))
    cm = users.login(path, "cm", CM_PASSWORD)
    try:
        users.change_own_password(cm, CM_PASSWORD, NEW_PASSWORD)
    finally:
        cm.close()
    assert _held(path, "cm", NEW_PASSWORD) == {CLINICAL: clinical}
    app = _admin(path)
    try:
        users.reset_password(app, "cm", CM_PASSWORD)
        users.reset_password(app, "clerk", NEW_PASSWORD)
        users.set_disabled(app, "cm", True)
        assert "cm" not in KeySlots.load(keyslots_path(path)).holders(CLINICAL)
        users.set_disabled(app, "cm", False, new_password=CM_PASSWORD)
        users.rotate_key(app)
    finally:
        app.close()
    assert _held(path, "cm", CM_PASSWORD) == {CLINICAL: clinical}
    assert _held(path, "clerk", NEW_PASSWORD) == {}
    assert _held(path, "admin", ADMIN_PASSWORD) == {CLINICAL: clinical, SEALING: sealing}
    users.recover(path, recovery, "cm", NEW_PASSWORD)
    users.recover(path, recovery, "clerk", CLERK_PASSWORD)
    assert _held(path, "cm", NEW_PASSWORD) == {CLINICAL: clinical}
    assert _held(path, "clerk", CLERK_PASSWORD) == {}


def test_a_role_change_gives_or_takes_the_secret(store: tuple[Path, str]) -> None:
    path, _recovery = store
    clinical = _held(path, "admin", ADMIN_PASSWORD)[CLINICAL]
    app = _admin(path)
    try:
        users.update_user(app, "clerk", role=Role.CARE_MANAGER)
        users.update_user(app, "cm", role=Role.BILLING)
    finally:
        app.close()
    assert _held(path, "clerk", CLERK_PASSWORD) == {CLINICAL: clinical}
    assert _held(path, "cm", CM_PASSWORD) == {}


def test_a_role_edited_in_the_store_takes_secrets_away_but_never_gives_them(store: tuple[Path, str]) -> None:
    """Anyone with the store key can edit the users table: that must not hand out the clinical key."""
    path, _recovery = store
    clerk = Store.open(path, "clerk", CLERK_PASSWORD)
    try:
        with clerk.write_session() as session:
            session.execute(update(User).where(User.username == "clerk").values(role=Role.CARE_MANAGER.value))
            session.execute(update(User).where(User.username == "cm").values(role=Role.BILLING.value))
    finally:
        clerk.close()
    events = [(e.entity_id, e.detail) for e in _events(path, "keyfile_repaired")]
    assert ("cm", "the clinical key withdrawn: the role billing does not hold it") in events
    assert _held(path, "clerk", CLERK_PASSWORD) == {}
    assert _held(path, "cm", CM_PASSWORD) == {}


def test_an_envelope_copied_into_another_slot_opens_nothing(store: tuple[Path, str]) -> None:
    path, _recovery = store
    data = json.loads(keyslots_path(path).read_text())
    by_name = {slot["name"]: slot for slot in data["slots"]}
    by_name["clerk"]["secrets"] = dict(by_name["admin"]["secrets"])
    keyslots_path(path).write_text(json.dumps(data))
    # The envelope is sealed to the admin's key pair and bound to the admin's slot name.
    opened = KeySlots.load(keyslots_path(path)).unseal_with_password("clerk", CLERK_PASSWORD)
    assert opened.secrets == {}


def test_a_damaged_sealed_secret_is_one_sentence(store: tuple[Path, str]) -> None:
    path, _recovery = store
    data = json.loads(keyslots_path(path).read_text())
    data["slots"][0]["secrets"][CLINICAL]["sealed"] = "AAAA"
    keyslots_path(path).write_text(json.dumps(data))
    with pytest.raises(KeyFileDamaged, match="a sealed secret of the slot of 'admin' has the wrong length"):
        KeySlots.load(keyslots_path(path))


def test_an_older_key_file_gets_the_secret_at_the_first_login_of_a_role_that_holds_it(
        store: tuple[Path, str]) -> None:
    path, recovery = store
    data = json.loads(keyslots_path(path).read_text())
    data["format"] = 2
    del data["secret_ids"]
    for slot in data["slots"]:
        slot.pop("secrets")
    keyslots_path(path).write_text(json.dumps(data))
    users.login(path, "clerk", CLERK_PASSWORD).close()  # a billing clerk cannot create it
    assert KeySlots.load(keyslots_path(path)).secret_ids == {}
    users.login(path, "cm", CM_PASSWORD).close()
    clinical = _held(path, "cm", CM_PASSWORD)[CLINICAL]
    # The care manager's login creates the clinical key only; the sealing key waits for an administrator's.
    assert _held(path, "admin", ADMIN_PASSWORD) == {CLINICAL: clinical}
    users.login(path, "admin", ADMIN_PASSWORD).close()
    sealing = _held(path, "admin", ADMIN_PASSWORD)[SEALING]
    assert _held(path, "clerk", CLERK_PASSWORD) == {}
    by_recovery = Store.open_with_recovery(path, recovery)
    try:
        assert by_recovery.secrets == {CLINICAL: clinical, SEALING: sealing}
    finally:
        by_recovery.close()
    assert [(e.username, e.entity_id) for e in _events(path, "store_secret_created")] == \
        [("cm", CLINICAL), ("admin", SEALING)]
