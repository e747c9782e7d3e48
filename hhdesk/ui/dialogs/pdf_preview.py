"""A PDF shown in the window before it goes anywhere: preview (QPdfView) with zoom (in, out, fit width),
Print… (Ctrl+P), Save as… and, for documents that can be rendered again with a password, Save with a
password….

The PDF is loaded from memory through a QBuffer, so no copy of a member's document is left in a temporary
folder; printing draws each page with ``QPdfDocument.render`` on a ``QPrinter``, so it leaves no file either.
Nothing here is specific to one document: referral letters, transition summaries, care plans, packets and
scanned forms all use this one dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, QRect, QSize
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.errors import UserError
from hhdesk.services import printing
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import show_error, user_errors
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.window_placement import preferred_size

__all__ = ["PdfPreviewDialog", "Rerender", "ask_printer", "print_document"]

MAX_PRINT_DPI = 300  # enough for letters; a 600-dpi page image would take 130 MB
MIN_PASSWORD = 8
ZOOM_STEPS = (0.5, 0.67, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)

Rerender = Callable[[str], bytes]
"""Render the same document again with a password (audited by the service)."""


def ask_printer(parent: QWidget | None, page_count: int) -> QPrinter | None:
    """The system print dialog; None if the user cancelled. Tests replace this function."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFromTo(1, page_count)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


def print_document(document: QPdfDocument, printer: QPrinter) -> int:
    """Draw each page (or the range chosen in the print dialog) on the printer; returns pages printed."""
    count = document.pageCount()
    first, last = printer.fromPage(), printer.toPage()
    pages = range(first - 1, last) if first >= 1 and last >= first else range(count)
    pages = [number for number in pages if 0 <= number < count]
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError("The printer could not be started. Check that it is on and try again.")
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        for position, number in enumerate(pages):
            if position:
                printer.newPage()
            area = painter.viewport()
            points = document.pagePointSize(number)
            scale = min(area.width() / points.width(), area.height() / points.height())
            target = QRect(area.x(), area.y(), int(points.width() * scale), int(points.height() * scale))
            image = document.render(number, QSize(int(points.width() * dpi / 72), int(points.height() * dpi / 72)))
            painter.drawImage(target, image)
    finally:
        painter.end()
    return len(pages)


class PdfPreviewDialog(QDialog):
    """Shows PDF bytes; Print… opens the print dialog, Save as… writes the bytes where the user says and,
    given ``rerender``, Save with a password… writes a copy rendered again with a password."""

    def __init__(self, pdf: bytes, title: str, suggested_name: str, parent: QWidget | None = None, *,
                 rerender: Rerender | None = None, note: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        preferred_size(self, 820, 920)
        self.pdf = pdf
        self.suggested_name = suggested_name
        self.rerender = rerender
        self.saved_to: Path | None = None
        self.protected_to: Path | None = None
        self.printed_pages = 0

        # The buffer must outlive the document, which reads from it lazily.
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.viewport().installEventFilter(self)

        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setAccessibleName("Zoom out")
        self.zoom_out_button.setToolTip("Zoom out (Ctrl+-)")
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setAccessibleName("Zoom in")
        self.zoom_in_button.setToolTip("Zoom in (Ctrl++)")
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.fit_button = QPushButton("Fit width")
        self.fit_button.setToolTip("Fit the page to the width of the window (Ctrl+0)")
        self.fit_button.clicked.connect(self.fit_width)
        self.zoom_label = role_label("", "muted", wrap=False)
        for sequence, slot in ((QKeySequence.StandardKey.ZoomIn, self.zoom_in), ("Ctrl+=", self.zoom_in),
                               (QKeySequence.StandardKey.ZoomOut, self.zoom_out), ("Ctrl+0", self.fit_width)):
            QShortcut(QKeySequence(sequence), self, activated=slot)

        self.print_button = QPushButton("Print…")
        self.print_button.setToolTip("Print (Ctrl+P)")
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.clicked.connect(self.print_pdf)
        self.print_button.setDefault(True)
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save this PDF where you choose")
        self.save_button.clicked.connect(self.save_pdf)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        pages = self.document.pageCount()
        buttons.addWidget(role_label(f"{pages} page{'s' if pages != 1 else ''}", "muted", wrap=False))
        buttons.addSpacing(12)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            buttons.addWidget(widget)
        if note:
            buttons.addSpacing(12)
            buttons.addWidget(role_label(note, "muted"), 1)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        if rerender is not None:
            self.protect_button = QPushButton("Save with a password…")
            self.protect_button.setToolTip("Save a copy that opens only with a password you choose "
                                           "(for email or a USB stick)")
            self.protect_button.clicked.connect(self.save_protected)
            buttons.addWidget(self.protect_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._show_zoom()

    def page_count(self) -> int:
        return self.document.pageCount()

    # ---- zoom ---------------------------------------------------------------------------------------
    def zoom_factor(self) -> float:
        """The scale the page is drawn at now (1.0 = actual size), also while it fits the width."""
        if self.view.zoomMode() == QPdfView.ZoomMode.Custom:
            return self.view.zoomFactor()
        if self.document.pageCount() == 0:
            return 1.0
        screen = self.view.screen()
        dpi = screen.logicalDotsPerInch() if screen is not None else 96.0
        page_width = self.document.pagePointSize(0).width() * dpi / 72
        margins = self.view.documentMargins()
        usable = self.view.viewport().width() - margins.left() - margins.right()
        return max(usable / page_width, ZOOM_STEPS[0]) if page_width > 0 else 1.0

    def _set_zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(factor)
        self._show_zoom()

    def zoom_in(self) -> None:
        current = self.zoom_factor()
        self._set_zoom(next((step for step in ZOOM_STEPS if step > current + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        current = self.zoom_factor()
        self._set_zoom(next((step for step in reversed(ZOOM_STEPS) if step < current - 0.01), ZOOM_STEPS[0]))

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._show_zoom()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._show_zoom()  # fitting the width, the scale follows the window
        return super().eventFilter(watched, event)

    def _show_zoom(self) -> None:
        fitting = self.view.zoomMode() == QPdfView.ZoomMode.FitToWidth
        self.zoom_label.setText(f"{round(self.zoom_factor() * 100)} %")
        self.fit_button.setEnabled(not fitting)
        self.zoom_in_button.setEnabled(fitting or self.zoom_factor() < ZOOM_STEPS[-1])
        self.zoom_out_button.setEnabled(fitting or self.zoom_factor() > ZOOM_STEPS[0])

    def print_pdf(self) -> None:
        printer = ask_printer(self, self.document.pageCount())
        if printer is None:
            return
        with user_errors(self):  # shown to the user in their words
            self.printed_pages = print_document(self.document, printer)

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
        with user_errors(self) as attempt:  # shown to the user in their words
            printing.save_pdf(path, self.rerender(password))
        if attempt.failed:
            return
        self.protected_to = path

    def _ask_path(self, title: str) -> Path | None:
        path = common.ask_save_path(self, title, Path.home() / self.suggested_name, "PDF files (*.pdf)")
        if path is None:
            return None
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")

    def done(self, result: int) -> None:
        # Closing the document empties the view too; detaching it first (setDocument(None)) makes Qt's link
        # model connect to a null document, which Qt reports as a warning.
        self.document.close()
        super().done(result)
