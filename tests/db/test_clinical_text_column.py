"""The clinical-text column type: what it stores and returns with and without the clinical key, per engine."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from hhdesk.db.clinical_text import (
    DAMAGED,
    PREFIX,
    WITHHELD,
    ClinicalKeyNotHeld,
    ClinicalKeys,
    ClinicalText,
    decrypt,
    encrypt,
)

KEY = secrets.token_bytes(32)
NOTE = ClinicalText("contacts.note")


def _sqlite(held: dict[str, bytes], store_has: set[str]) -> sqlite.dialect:
    dialect = sqlite.dialect()
    dialect.hhdesk_clinical_keys = ClinicalKeys(held, store_has)
    return dialect


@given(st.text())
def test_a_value_comes_back_as_it_was_written(text: str) -> None:
    assert decrypt(KEY, "contacts.note", encrypt(KEY, "contacts.note", text)) == text


def test_each_value_gets_its_own_nonce_and_is_bound_to_its_column() -> None:
    first, second = encrypt(KEY, "contacts.note", "same"), encrypt(KEY, "contacts.note", "same")
    assert first != second and first.startswith(PREFIX)
    assert decrypt(KEY, "referrals.reason", first) == DAMAGED
    assert decrypt(secrets.token_bytes(32), "contacts.note", first) == DAMAGED
    assert decrypt(KEY, "contacts.note", PREFIX + "not base64!") == DAMAGED


def test_with_the_key_the_store_holds_ciphertext_and_the_session_reads_text() -> None:
    dialect = _sqlite({"clinical": KEY}, {"clinical"})
    stored = NOTE.process_bind_param("Member reports chest pain", dialect)
    assert stored.startswith(PREFIX) and "chest" not in stored
    assert NOTE.process_result_value(stored, dialect) == "Member reports chest pain"
    assert NOTE.process_bind_param("", dialect) == ""


def test_without_the_key_a_session_reads_a_placeholder_and_may_not_write() -> None:
    stored = encrypt(KEY, "contacts.note", "Member reports chest pain")
    billing = _sqlite({}, {"clinical"})
    assert NOTE.process_result_value(stored, billing) == WITHHELD
    assert NOTE.process_result_value("", billing) == ""
    with pytest.raises(ClinicalKeyNotHeld):
        NOTE.process_bind_param("a note", billing)


def test_a_store_from_before_the_clinical_key_keeps_plain_text_until_it_is_created() -> None:
    before = _sqlite({}, set())
    assert NOTE.process_bind_param("plain for now", before) == "plain for now"
    assert NOTE.process_result_value("plain for now", before) == "plain for now"


def test_an_agency_server_stores_plain_text_protected_by_its_grants() -> None:
    server = postgresql.dialect()
    assert NOTE.process_bind_param("Member reports chest pain", server) == "Member reports chest pain"
    assert NOTE.process_result_value("Member reports chest pain", server) == "Member reports chest pain"
