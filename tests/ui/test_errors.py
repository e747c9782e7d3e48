"""How errors reach the user: their own sentence for a UserError, the log file's place for a bug."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog, QWidget
from sqlalchemy import text

from hhdesk.errors import ValidationFailed, WrongPassword
from hhdesk.services.context import AppSession
from hhdesk.ui.errors import show_error, user_errors, user_message
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
    # The name is built here, so that only the exception's message (not a source line in the frames) holds it.
    name = "_".join(["missing", "attribute"])
    try:
        getattr(None, name)
    except AttributeError as exc:
        text = describe_exception(exc)
    assert "builtins.AttributeError: 'NoneType' object has no attribute 'missing_attribute'" in text


def test_an_unexpected_modal_dialog_fails_the_test_instead_of_hanging(qapp: Any, tmp_path: Path) -> None:
    from hhdesk.ui.dialogs import common

    with pytest.raises(pytest.fail.Exception, match=r"QFileDialog\.getExistingDirectory"):
        common.ask_folder(None, "Choose a folder", tmp_path)
    with pytest.raises(pytest.fail.Exception, match=r"QDialog\.exec"):
        QDialog().exec()


def test_a_bug_in_a_read_is_logged_and_not_blamed_on_the_disk(qapp: Any, login_as: Callable[..., AppSession],
                                                               message_boxes: list,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    app = login_as()
    member_value = "".join(["AB", "12345C"])
    with caplog.at_level(logging.ERROR, logger="hhdesk"), user_errors(QWidget(), "reading a list") as attempt, \
            app.read(None) as session:
        session.execute(text("SELECT no_such_column FROM members WHERE medicaid_id = :id"), {"id": member_value})
    assert attempt.failed
    assert message_boxes == [("critical", "hhdesk",
                              f"Something went wrong; the details are in the log file at {log_file()}.")]
    assert "sqlalchemy.exc.OperationalError" in caplog.text and "in reading a list" in caplog.text
    assert member_value not in caplog.text and "no_such_column" in caplog.text  # the frame's code, not data


def test_user_errors_says_a_user_error_where_it_is_told(message_boxes: list) -> None:
    said: list[str] = []
    with user_errors(said.append, "saving") as attempt:
        raise ValidationFailed("The ZIP code is 5 digits.")
    assert attempt.failed and said == ["The ZIP code is 5 digits."] and message_boxes == []
    with user_errors(None) as attempt:
        pass
    assert not attempt.failed and attempt.message == ""


def test_user_errors_lets_an_interrupt_through(message_boxes: list) -> None:
    with pytest.raises(KeyboardInterrupt), user_errors(None):
        raise KeyboardInterrupt
    assert message_boxes == []


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
