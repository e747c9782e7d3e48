"""The billing clerk's password opens the store but reads no clinical text, even with SQLCipher directly.

The store is a real demo store in tmp_path. The clerk's store key is taken from their own key slot, as
anyone holding that password could; the file is then read with sqlcipher3, and every page of it decrypted
by hand, so that no clinical text can hide in a free page either.
"""

from __future__ import annotations

import json
import signal
from datetime import date
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import select

from hhdesk.config import keyslots_path
from hhdesk.db import clinical_text
from hhdesk.db import engine as engines
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.models import Base, Contact, Setting
from hhdesk.db.store import Store
from hhdesk.errors import PermissionDenied
from hhdesk.services import users
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_store
from tests.faults.conftest import worker

CLERK = "tkowalski"  # the demo's billing clerk
CARE_MANAGER = "mperez"
TODAY = date(2026, 11, 30)
PAGE = 4096  # SQLCipher 4's defaults: 4 KiB pages ending in a 16-byte IV and a 64-byte HMAC
RESERVE = 80
COLUMNS = [(c.table.name, c.name) for c in clinical_text.clinical_columns(Base.metadata.tables)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[tuple[str, str, int], str]]:
    """A demo store, and every clinical value in it as the administrator reads it (decrypted)."""
    path = tmp_path_factory.mktemp("clinical") / "demo.hhdesk"
    build_demo_store(path, members=12, seed=3, today=TODAY, contacts_per_member=6, referrals_per_member=2)
    return path, _clinical_values(path, DEMO_USER, DEMO_PASSWORD)


def _clinical_values(path: Path, username: str, password: str) -> dict[tuple[str, str, int], str]:
    store = Store.open(path, username, password)
    try:
        values = {}
        with store.read_session() as session:
            for column in clinical_text.clinical_columns(Base.metadata.tables):
                for row_id, value in session.execute(select(column.table.c.id, column)):
                    values[(column.table.name, column.name, row_id)] = value
        return values
    finally:
        store.close()


def _slot_key(path: Path, username: str, password: str) -> bytes:
    return KeySlots.load(keyslots_path(path)).unseal_with_password(username, password).raw_key


def _read_raw(path: Path, raw_key: bytes) -> dict[tuple[str, str, int], str]:
    conn = sqlcipher.connect(str(path))
    try:
        conn.execute(engines.key_pragma(raw_key))
        values = {}
        for table, column in COLUMNS:
            for row_id, value in conn.execute(f"SELECT id, {column} FROM {table}"):
                values[(table, column, row_id)] = value
        return values
    finally:
        conn.close()


def _decrypted_pages(path: Path, raw_key: bytes) -> bytes:
    """Every page of the file decrypted with the store key, live or free: what a determined reader gets."""
    data = path.read_bytes()
    pages = []
    for start in range(0, len(data), PAGE):
        page = data[start:start + PAGE]
        body_start = 16 if start == 0 else 0  # the first page begins with the salt
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(raw_key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[body_start:PAGE - RESERVE]) + decryptor.finalize())
    return b"".join(pages)


def _distinctive(values: dict[tuple[str, str, int], str]) -> list[str]:
    """Clinical values long enough that finding one in the file cannot be chance."""
    return sorted({v for v in values.values() if v and len(v) >= 24})


def _assert_no_clinical_text(path: Path, raw_key: bytes, plain: dict[tuple[str, str, int], str]) -> None:
    raw = _read_raw(path, raw_key)
    assert raw.keys() == plain.keys()
    written = [v for v in raw.values() if v]
    assert written and all(v.startswith(clinical_text.PREFIX) for v in written)
    pages = _decrypted_pages(path, raw_key)
    assert b"SQLite format 3" not in pages[:16] and b"CREATE TABLE" in pages  # the key really decrypts pages
    texts = _distinctive(plain)
    assert len(texts) > 20
    found = [t for t in texts if t.encode("utf-8") in pages]
    assert found == []


def test_the_billing_clerks_key_reads_no_clinical_text(demo) -> None:
    path, plain = demo
    clerk_key = _slot_key(path, CLERK, DEMO_STAFF_PASSWORD)
    _assert_no_clinical_text(path, clerk_key, plain)
    # The care manager's own slot holds the clinical key, and reads the same text the administrator does.
    assert _clinical_values(path, CARE_MANAGER, DEMO_STAFF_PASSWORD) == plain


def test_a_billing_session_sees_a_placeholder_and_cannot_write_clinical_text(demo) -> None:
    path, plain = demo
    shown = _clinical_values(path, CLERK, DEMO_STAFF_PASSWORD)
    assert shown.keys() == plain.keys()
    assert {v for v in shown.values() if v} == {clinical_text.WITHHELD}
    store = Store.open(path, CLERK, DEMO_STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied, match="does not hold the clinical key"), \
                store.write_session() as session:
            contact = session.execute(select(Contact).limit(1)).scalar_one()
            contact.note = "written by a billing clerk"
    finally:
        store.close()
    assert _clinical_values(path, DEMO_USER, DEMO_PASSWORD) == plain


def test_a_value_changed_outside_hhdesk_reads_as_damaged_not_a_crash(tmp_path: Path, demo) -> None:
    path, plain = demo
    copy = tmp_path / "copy.hhdesk"
    for suffix in ("", ".keys"):
        Path(str(copy) + suffix).write_bytes(Path(str(path) + suffix).read_bytes())
    (table, column, row_id) = next(k for k, v in plain.items() if k[0] == "contacts" and v)
    conn = engines.connect(copy, _slot_key(copy, CLERK, DEMO_STAFF_PASSWORD))
    try:  # the clerk moves another note's ciphertext onto this row's column of another table
        other = conn.execute("SELECT reason FROM referrals WHERE reason != '' LIMIT 1").fetchone()[0]
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (other, row_id))
    finally:
        conn.close()
    assert _clinical_values(copy, DEMO_USER, DEMO_PASSWORD)[(table, column, row_id)] == clinical_text.DAMAGED


def test_role_change_and_rotate_key_keep_clinical_text_right(tmp_path: Path, demo) -> None:
    path, plain = demo
    copy = tmp_path / "copy.hhdesk"
    for suffix in ("", ".keys"):
        Path(str(copy) + suffix).write_bytes(Path(str(path) + suffix).read_bytes())
    admin = users.login(copy, DEMO_USER, DEMO_PASSWORD)
    try:
        users.rotate_key(admin)
        users.update_user(admin, CLERK, role="care_manager")
        users.update_user(admin, CARE_MANAGER, role="billing")
    finally:
        admin.close()
    assert _clinical_values(copy, CLERK, DEMO_STAFF_PASSWORD) == plain
    _assert_no_clinical_text(copy, _slot_key(copy, CARE_MANAGER, DEMO_STAFF_PASSWORD), plain)


# ---- a store from before the clinical key --------------------------------------------------------------
def _as_before_the_clinical_key(source: Path, plain: dict[tuple[str, str, int], str], target: Path) -> None:
    """A copy of the demo as an older hhdesk left it: clinical text plain, a key file without secrets."""
    for suffix in ("", ".keys"):
        Path(str(target) + suffix).write_bytes(Path(str(source) + suffix).read_bytes())
    conn = engines.connect(target, _slot_key(target, DEMO_USER, DEMO_PASSWORD))
    try:
        conn.execute("BEGIN")
        for (table, column, row_id), value in plain.items():
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, row_id))
        conn.execute("DELETE FROM settings WHERE key = ?", (clinical_text.DONE_SETTING,))
        conn.execute("COMMIT")
    finally:
        conn.close()
    keys = keyslots_path(target)
    data = json.loads(keys.read_text())
    data["format"] = 2
    del data["secret_ids"]
    for slot in data["slots"]:
        slot.pop("secrets")
    keys.write_text(json.dumps(data))


def test_an_older_store_is_encrypted_at_the_first_login_of_a_clinical_role(tmp_path: Path, demo) -> None:
    path, plain = demo
    old = tmp_path / "old.hhdesk"
    _as_before_the_clinical_key(path, plain, old)
    users.login(old, CLERK, DEMO_STAFF_PASSWORD).close()  # billing cannot encrypt: it has no key to
    assert _read_raw(old, _slot_key(old, CLERK, DEMO_STAFF_PASSWORD)) == plain
    users.login(old, CARE_MANAGER, DEMO_STAFF_PASSWORD).close()
    _assert_no_clinical_text(old, _slot_key(old, CLERK, DEMO_STAFF_PASSWORD), plain)
    assert _clinical_values(old, DEMO_USER, DEMO_PASSWORD) == plain
    store = Store.open(old, DEMO_USER, DEMO_PASSWORD)
    try:
        with store.read_session() as session:
            assert session.execute(select(Setting.value_json).where(
                Setting.key == clinical_text.DONE_SETTING)).scalar() is not None
    finally:
        store.close()


@pytest.mark.parametrize("step", ["secrets:created", "clinical:batch-committed"])
def test_a_first_login_killed_between_the_key_file_and_the_store_loses_nothing(tmp_path: Path, demo,
                                                                               step: str) -> None:
    """Killed after the clinical key is in the key file, before (or while) the text is encrypted."""
    path, plain = demo
    old = tmp_path / "old.hhdesk"
    _as_before_the_clinical_key(path, plain, old)
    result = worker("login", str(old), CARE_MANAGER, DEMO_STAFF_PASSWORD, "--kill-at", step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert clinical_text.CLINICAL in KeySlots.load(keyslots_path(old)).secret_ids
    users.login(old, DEMO_USER, DEMO_PASSWORD).close()  # the next login of a clinical role finishes the work
    assert _clinical_values(old, DEMO_USER, DEMO_PASSWORD) == plain
    _assert_no_clinical_text(old, _slot_key(old, CLERK, DEMO_STAFF_PASSWORD), plain)
    assert _clinical_values(old, CARE_MANAGER, DEMO_STAFF_PASSWORD) == plain
