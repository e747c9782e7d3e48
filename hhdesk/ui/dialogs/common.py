"""Small questions to the user. Tests replace these functions to answer without a modal loop."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)


def confirm(parent: QWidget | None, title: str, text: str, yes: str = "OK") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes_button


def save_discard_cancel_box(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """The Save / Discard / Cancel question (Save is the default, so Enter keeps the work)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box


def ask_save_discard_cancel(parent: QWidget | None, title: str, text: str) -> str:
    """"save", "discard" or "cancel"."""
    answer = save_discard_cancel_box(parent, title, text).exec()
    if answer == QMessageBox.StandardButton.Save:
        return "save"
    return "discard" if answer == QMessageBox.StandardButton.Discard else "cancel"


def ask_password(parent: QWidget | None, title: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, text, QLineEdit.EchoMode.Password)
    return value if ok and value else None


def ask_save_path(parent: QWidget | None, title: str, suggested: Path, filter_text: str) -> Path | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filter_text)
    return Path(chosen) if chosen else None


def ask_export_path(parent: QWidget | None, title: str, suggested: Path) -> Path | None:
    """Where to save a list: an Excel workbook (.xlsx) or a CSV file, as the user picks."""
    chosen, picked = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                                 "Excel workbook (*.xlsx);;CSV for Excel (*.csv)")
    if not chosen:
        return None
    path = Path(chosen)
    if "csv" in picked and path.suffix.lower() not in (".csv", ".xlsx"):
        path = path.with_name(path.name + ".csv")
    return path


def ask_open_path(parent: QWidget | None, title: str, folder: Path, filter_text: str) -> Path | None:
    chosen, _ = QFileDialog.getOpenFileName(parent, title, str(folder), filter_text)
    return Path(chosen) if chosen else None


def ask_folder(parent: QWidget | None, title: str, start: Path) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, title, str(start))
    return Path(chosen) if chosen else None


def inform(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def ask_text(parent: QWidget | None, title: str, text: str, default: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, text, QLineEdit.EchoMode.Normal, default)
    return value.strip() if ok and value.strip() else None


def ok_cancel_buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK (named `ok_text`) and Cancel; Cancel rejects the dialog, the caller connects OK to its save."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.rejected.connect(dialog.reject)
    return buttons
