"""The first-run wizard's edges: refusing to overwrite, leaving early, printing the recovery key."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrinter

from hhdesk.config import keyslots_path
from hhdesk.ui.app import Shell
from hhdesk.ui.dialogs.setup_wizard import SetupWizard, key_lines, print_recovery_sheet

KEY = "P7EF-DLV7-5NX4-WYI4-5WKZ-7KSJ-LNSJ-Z32A-ADYA-NMO3-AD3O-6R4V-IPOA"


def _fill(wizard: SetupWizard) -> None:
    wizard.next()
    wizard.agency_page.form.name.setText("Hudson Valley Health Home")
    wizard.next()
    wizard.admin_page.username.setText("director")
    wizard.admin_page.passwords.first.setText("a long admin passphrase")
    wizard.admin_page.passwords.second.setText("a long admin passphrase")


def test_an_existing_key_file_is_never_overwritten(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "agency.hhdesk"
    keyslots_path(path).write_text("{}")
    wizard = SetupWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    _fill(wizard)
    wizard.next()
    assert wizard.currentPage() is wizard.admin_page
    assert wizard.admin_page.message.text().startswith("A store already exists at")
    assert wizard.recovery_key is None and not path.exists()
    assert keyslots_path(path).read_text() == "{}"


def test_cancelling_before_the_store_exists_quits(qtbot: Any, tmp_path: Path) -> None:
    quits: list[bool] = []
    shell = Shell(tmp_path / "agency.hhdesk", quit=lambda: quits.append(True))
    shell.start()
    assert shell.wizard is not None
    shell.wizard.reject()
    assert quits == [True] and shell.login is None
    assert not (tmp_path / "agency.hhdesk").exists()


def test_the_recovery_sheet_prints_the_key(tmp_path: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "recovery.pdf"
    printer.setOutputFileName(str(out))
    print_recovery_sheet(printer, "Hudson Valley & Co. <Health Home>", KEY, today=date(2026, 11, 23))
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "Hudson Valley & Co. <Health Home>" in text
    assert "November 23, 2026" in text
    for line in key_lines(KEY):
        assert line in text


def test_the_key_is_shown_in_lines_of_whole_groups() -> None:
    assert key_lines(KEY) == ["P7EF-DLV7-5NX4-WYI4-5WKZ", "7KSJ-LNSJ-Z32A-ADYA-NMO3", "AD3O-6R4V-IPOA"]
