"""A role change killed between its database commit and its key-file write never leaves a slot holding a
secret its user's role does not hold (the next login withdraws it), nor loses the secret for anyone else."""

from __future__ import annotations

import signal

import pytest

from hhdesk.config import keyslots_path
from hhdesk.db.keyslots import KeySlots
from hhdesk.db.store import Store
from hhdesk.domain.permissions import StoreSecret
from hhdesk.services import users
from tests.faults.conftest import ADMIN_PASSWORD, MARIA_PASSWORD, FaultStore, every_way_in_opens, worker

CLINICAL = StoreSecret.CLINICAL


def _holds_clinical(store: FaultStore, username: str, password: str) -> bool:
    opened = Store.open(store.path, username, password)
    try:
        return CLINICAL in opened.secrets
    finally:
        opened.close()


@pytest.mark.parametrize("step", ["role:user-committed", "role:slot-written"])
def test_a_demotion_killed_half_way_leaves_no_clinical_key_in_a_billing_slot(fault_store: FaultStore,
                                                                              step: str) -> None:
    result = worker("change-role", str(fault_store.path), "admin", ADMIN_PASSWORD, "maria", "billing",
                    "--kill-at", step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    users.login(fault_store.path, "admin", ADMIN_PASSWORD).close()  # any login reconciles
    assert "maria" not in KeySlots.load(keyslots_path(fault_store.path)).holders(CLINICAL)
    assert not _holds_clinical(fault_store, "maria", MARIA_PASSWORD)
    assert _holds_clinical(fault_store, "admin", ADMIN_PASSWORD)


@pytest.mark.parametrize("step", ["role:user-committed", "role:slot-written"])
def test_a_promotion_killed_half_way_is_finished_by_saving_the_role_again(fault_store: FaultStore,
                                                                          step: str) -> None:
    admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        users.update_user(admin, "maria", role="billing")
    finally:
        admin.close()
    result = worker("change-role", str(fault_store.path), "admin", ADMIN_PASSWORD, "maria", "care_manager",
                    "--kill-at", step)
    assert result.returncode == -signal.SIGKILL, result.stderr
    every_way_in_opens(fault_store)
    admin = users.login(fault_store.path, "admin", ADMIN_PASSWORD)
    try:
        users.update_user(admin, "maria", role="care_manager")
    finally:
        admin.close()
    assert _holds_clinical(fault_store, "maria", MARIA_PASSWORD)
