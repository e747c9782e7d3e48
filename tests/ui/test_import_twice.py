"""Import contacts in the window: a file imported before, and contacts already in the store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from hhdesk.clock import AgencyClock
from hhdesk.domain.contacts_csv import HEADER_LINE
from hhdesk.services import contacts, members
from tests.ui.conftest import UiStore


def test_a_repeated_file_is_refused_until_duplicates_are_skipped(qtbot: Any, ui_store_with_members: UiStore,
                                                                 login_as: Any, answers: Any, tmp_path: Path,
                                                                 main_window: Any) -> None:
    director = login_as("director")
    window = main_window(director)
    day = (AgencyClock().today() - timedelta(days=2)).isoformat()
    first = tmp_path / "march.csv"
    first.write_text(f"{HEADER_LINE}\nAB12345C,{day},phone,10,cm1,member,CM,Called\n", encoding="utf-8")
    answers.open_path = first
    dialog = window.import_contacts()
    dialog.choose_file()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.imported is not None and dialog.imported.imported == 1
    dialog.reject()

    dialog = window.import_contacts()
    dialog.choose_file()  # the same file again
    assert not dialog.import_button.isEnabled()
    problems = dialog.problems.toPlainText()
    assert "This file was imported before" in problems
    assert "Line 2: the store already holds this contact" in problems
    dialog.skip_duplicates.setChecked(True)  # checks the file again
    assert not dialog.import_button.isEnabled(), "nothing new to import"
    assert dialog.summary.text() == "Nothing new to import from this file: its one contact is already in the store."
    dialog.reject()

    grown = tmp_path / "march-and-april.csv"
    grown.write_text(f"{HEADER_LINE}\nAB12345C,{day},phone,10,cm1,member,CM,Called again (same contact)\n"
                     f"AB12345C,{day},in_person,45,cm1,member,CM,Visit\n", encoding="utf-8")
    answers.open_path = grown
    dialog = window.import_contacts()
    dialog.skip_duplicates.setChecked(True)
    dialog.choose_file()
    assert dialog.import_button.isEnabled()
    assert "Line 2: already in the store" in dialog.problems.toPlainText()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.imported is not None and dialog.imported.imported == 1 and dialog.imported.skipped == 1
    member = members.find_by_medicaid_id(director, "AB12345C")
    assert sorted(c.note for c in contacts.list_contacts(director, member)) == ["Called", "Visit"]
    dialog.reject()
