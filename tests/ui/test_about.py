"""Help > About hhdesk: the version, and the licence text of every bundled component."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from hhdesk import __version__
from hhdesk.resources_path import resource_path
from hhdesk.ui.dialogs.about import AboutDialog, bundled_components, missing_licence_files


def test_every_bundled_component_has_its_licence_files() -> None:
    components = bundled_components()
    names = {c.name for c in components}
    assert {"Qt 6", "SQLCipher (with SQLite)", "DejaVu fonts", "ReportLab", "SQLAlchemy", "Alembic",
            "cryptography", "platformdirs", "simple_icd_10_cm"} <= names
    assert missing_licence_files(components) == []
    assert all(resource_path(f).stat().st_size > 150 for c in components for f in c.files)


def test_the_qt_entry_says_how_to_replace_qt() -> None:
    qt = next(c for c in bundled_components() if c.name == "Qt 6")
    text = qt.licence_text()
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "Version 3" in text
    assert "GNU GENERAL PUBLIC LICENSE" in text
    assert "replace them with your own build" in text


def test_the_dialog_shows_the_version_and_a_licence(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = AboutDialog(store_path=tmp_path / "agency.hhdesk")
    qtbot.addWidget(dialog)
    dialog.show()

    assert dialog.windowTitle() == "About hhdesk"
    assert f"hhdesk {__version__}" in [label.text() for label in dialog.findChildren(type(dialog.paths))]
    assert str(tmp_path / "agency.hhdesk") in dialog.paths.text()
    assert dialog.list.count() == len(dialog.components)

    sqlcipher_row = next(i for i, c in enumerate(dialog.components) if c.name.startswith("SQLCipher"))
    dialog.list.setCurrentRow(sqlcipher_row)
    assert "ZETETIC LLC" in dialog.text.toPlainText()
    assert dialog.missing_licence_files() == []


def test_help_about_in_the_main_window_opens_it(main_window, login_as) -> None:  # fixtures
    window = main_window(login_as())
    window.about()
    dialogs = [d for d in window.findChildren(AboutDialog) if d.isVisible()]
    assert len(dialogs) == 1
    assert str(window.store_path) in dialogs[0].paths.text()
    dialogs[0].close()
