"""How errors reach the user: their own sentence for a UserError, the log file's place for a bug."""

from __future__ import annotations

import logging

import pytest

from hhdesk.errors import ValidationFailed, WrongPassword
from hhdesk.ui.errors import show_error, user_message
from hhdesk.ui.logs import describe_exception, log_file


def test_a_user_error_is_shown_as_it_is(message_boxes: list) -> None:
    show_error(None, WrongPassword("Wrong password. Check Caps Lock and try again."))
    assert message_boxes == [("warning", "hhdesk", "Wrong password. Check Caps Lock and try again.")]


def test_several_problems_are_listed() -> None:
    error = ValidationFailed("The agency needs a name.", ["The agency needs a name.", "The ZIP code is 5 digits."])
    assert user_message(error) == "The agency needs a name.\nThe ZIP code is 5 digits."


def test_a_bug_is_logged_without_its_message(message_boxes: list, caplog: pytest.LogCaptureFixture) -> None:
    secret = "".join(["AB", "12345C"])
    try:
        {}[secret]
    except KeyError as exc:
        with caplog.at_level(logging.ERROR, logger="hhdesk"):
            show_error(None, exc)
    kind, _title, text = message_boxes[-1]
    assert kind == "critical"
    assert text == f"Something went wrong; the details are in the log file at {log_file()}."
    assert "builtins.KeyError" in caplog.text and "test_a_bug_is_logged_without_its_message" in caplog.text
    assert secret not in caplog.text


def test_messages_that_name_code_are_kept() -> None:
    try:
        None.missing_attribute  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        text = describe_exception(exc)
    assert "missing_attribute" in text


def test_the_cause_chain_is_followed() -> None:
    words = " ".join(["while", "saving"])
    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as inner:
            raise RuntimeError(words) from inner
    except RuntimeError as exc:
        text = describe_exception(exc)
    assert "builtins.RuntimeError" in text and "builtins.OSError" in text and "caused by" in text
    assert "while saving" not in text
