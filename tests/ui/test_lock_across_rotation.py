"""A window left open while an administrator rotates the store's key: one sentence, nothing written."""

from __future__ import annotations

from typing import Any

from hhdesk.config import keyslots_path
from hhdesk.services import users
from tests.ui.conftest import ADMIN, ADMIN_PASSWORD, CM_PASSWORD, UiStore


def test_the_lock_screen_after_a_rotation_asks_to_log_in_again(
        ui_store: UiStore, login_as: Any, main_window: Any, message_boxes: list) -> None:
    window = main_window(login_as("cm1"))
    window.lock("Locked after 15 minutes without activity.")
    admin = users.login(ui_store.path, ADMIN, ADMIN_PASSWORD)
    users.rotate_key(admin)
    users.logout(admin)
    rotated = keyslots_path(ui_store.path).read_text()

    assert not window.try_unlock("one wrong guess at the lock")
    assert not window.try_unlock(CM_PASSWORD)
    assert "changed the store's encryption key since you logged in" in window.lock_screen.message.text()
    assert window.is_locked
    # Neither attempt wrote the key file the window loaded in the morning: the rotated one still opens.
    assert "generation" in rotated
    users.login(ui_store.path, "cm1", CM_PASSWORD).close()
    users.login(ui_store.path, ADMIN, ADMIN_PASSWORD).close()
    assert message_boxes == []
