"""Preview a document before it goes anywhere, print it, save it, or save a password-protected copy.

This builds on the referral feature's :class:`~hhdesk.ui.dialogs.referral_letter_preview.PdfPreviewDialog`
(``QPdfView`` over a ``QBuffer``, so no copy of a member's document is left in a temporary folder; printing
through ``QPrintDialog``/``QPrinter``, each page drawn with ``QPdfDocument.render``). It adds what the care
plan and packet need: "Save with a password…", which asks for a password and renders the document again
with it (the service audits that print too), and a page count with the paper size in the footer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from hhdesk.errors import UserError
from hhdesk.services import printing
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.referral_letter_preview import PdfPreviewDialog, ask_printer, print_document
from hhdesk.ui.errors import show_error

__all__ = ["DocumentPreviewDialog", "ask_printer", "print_document"]

MIN_PASSWORD = 8

Rerender = Callable[[str], bytes]
"""Render the same document again with a password (audited by the service)."""


class DocumentPreviewDialog(PdfPreviewDialog):
    """A PDF preview with Print…, Save… and, given a way to render again, Save with a password…."""

    def __init__(self, pdf: bytes, title: str, suggested_name: str, parent: QWidget | None = None, *,
                 rerender: Rerender | None = None, note: str = "") -> None:
        super().__init__(pdf, title, suggested_name, parent, note=note)
        self.resize(820, 920)
        self.rerender = rerender
        self.protected_to: Path | None = None
        self.save_button.setText("Save as…")
        self.save_button.setToolTip("Save this PDF where you choose")
        if rerender is not None:
            self.protect_button = QPushButton("Save with a password…")
            self.protect_button.setToolTip("Save a copy that opens only with a password you choose "
                                           "(for email or a USB stick)")
            self.protect_button.clicked.connect(self.save_protected)
            buttons = _button_row(self)
            if buttons is not None:
                buttons.insertWidget(buttons.indexOf(self.save_button) + 1, self.protect_button)
            else:
                self.layout().addWidget(self.protect_button)

    def save_pdf(self) -> None:
        path = self._ask_path("Save the PDF")
        if path is None:
            return
        try:
            printing.save_pdf(path, self.pdf)
        except UserError as exc:
            show_error(self, exc)
            return
        self.saved_to = path

    def save_protected(self) -> None:
        if self.rerender is None:
            return
        password = common.ask_password(self, "Save with a password",
                                       f"The password the PDF will ask for ({MIN_PASSWORD} characters or more). "
                                       "Give it to the recipient by phone, not in the same email.")
        if password is None:
            return
        if len(password) < MIN_PASSWORD:
            show_error(self, UserError(f"The password needs {MIN_PASSWORD} characters or more; nothing was saved."))
            return
        path = self._ask_path("Save the password-protected PDF")
        if path is None:
            return
        try:
            printing.save_pdf(path, self.rerender(password))
        except Exception as exc:  # noqa: BLE001 - shown to the user in their words
            show_error(self, exc)
            return
        self.protected_to = path

    def _ask_path(self, title: str) -> Path | None:
        path = common.ask_save_path(self, title, Path.home() / self.suggested_name, "PDF files (*.pdf)")
        if path is None:
            return None
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def _button_row(dialog: PdfPreviewDialog) -> QHBoxLayout | None:
    """The row that holds the base dialog's buttons (it keeps no reference to it)."""
    for layout in dialog.findChildren(QHBoxLayout):
        if layout.indexOf(dialog.save_button) >= 0:
            return layout
    return None
