"""Dialogs of the Enrolment tab: start outreach, enrol / re-enrol (with the override), disenrol, record a
consent form (with its scan), set a tier, appropriateness criteria, and a viewer for a stored scan.

Each is opened with ``open()`` and accepts once its service call succeeded; tests set the fields and call
``save()``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.date_entry import add_months
from hhdesk.domain.enums import ConsentKind, EndReason
from hhdesk.domain.segments import MIN_OVERRIDE_REASON_LENGTH
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.private_files import write_private_bytes
from hhdesk.services import enrolment, members
from hhdesk.services.context import AppSession
from hhdesk.services.enrolment import CONSENT_KIND_LABELS, END_REASON_LABELS, AttachmentFile
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date
from hhdesk.ui.window_placement import preferred_size

MAX_ATTACHMENT_MB = enrolment.MAX_ATTACHMENT_BYTES // (1024 * 1024)


_buttons = common.ok_cancel_buttons


class SegmentDialog(UnsavedEditsDialog, QDialog):
    """Start outreach, enrol, re-enrol or disenrol, on a date the user picks."""

    TITLES = {"outreach": "Start outreach", "enrol": "Enrol", "re_enrol": "Re-enrol", "disenrol": "Disenrol"}

    def __init__(self, app: AppSession, member_id: int, action: str, member_label: str = "",
                 parent: QWidget | None = None, open_kind: str = "") -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.action = action
        self.setWindowTitle(f"{self.TITLES[action]}: {member_label}" if member_label else self.TITLES[action])
        self.setMinimumWidth(520)
        self.day = date_picker(today=self.app.clock.today(), maximum=self.app.clock.today(), name="Date")
        self.reason = QComboBox()
        self.blockers = role_label("")
        self.blockers.setStyleSheet("QLabel { background: #fdf3dc; border: 1px solid #e8b55a; border-radius: 6px;"
                                    " padding: 8px; color: #5a3300; }")
        self.override = QPlainTextEdit()
        self.override.setPlaceholderText(
            f"Why enrol anyway? At least {MIN_OVERRIDE_REASON_LENGTH} characters; this goes in the audit log.")
        self.override.setFixedHeight(70)
        self.override.setTabChangesFocus(True)
        self.message = MessageLabel()

        form = QFormLayout()
        date_titles = {"outreach": "Outreach starts on:", "enrol": "Enrolled from:", "re_enrol": "Enrolled from:",
                       "disenrol": "Last day:"}
        form.addRow(date_titles[action], self.day)
        if action == "disenrol":
            for reason in enrolment.disenrolment_reasons(app):
                self.reason.addItem(END_REASON_LABELS[reason], reason.value)
            form.addRow("Reason:", self.reason)
            what = "enrolment" if open_kind == "enrolled" else "outreach"
            note = role_label(f"Ends the member's current {what}. The end date is the last day covered.", "muted")
            form.addRow("", note)
            # Agencies often disenrol at the end of the month, so a date a little ahead is allowed.
            self.day.set_latest(add_months(self.app.clock.today(), 2))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if action in ("enrol", "re_enrol"):
            layout.addWidget(self.blockers)
            self.override_label = role_label("Override reason:")
            layout.addWidget(self.override_label)
            layout.addWidget(self.override)
            self.day.date_changed.connect(self.check)
            self.check()
        layout.addWidget(self.message)
        buttons = _buttons(self, self.TITLES[action])
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def check(self) -> list[str]:
        """Show what stands in the way of enrolling on the chosen date; the override appears only then."""
        with user_errors(self.message.show_error, "checking enrolment") as attempt:
            day = self.day.value()
            if day is None:
                return []
            problems = enrolment.enrolment_blockers(self.app, self.member_id, day)
        if attempt.failed:
            return []
        if problems:
            self.blockers.setText("Before enrolling, the program expects:\n• " + "\n• ".join(problems)
                                  + "\n\nYou can still enrol with an override reason below.")
        self.blockers.setVisible(bool(problems))
        self.override_label.setVisible(bool(problems))
        self.override.setVisible(bool(problems))
        return problems

    def save(self) -> bool:
        with user_errors(self.message.show_error, self.action) as attempt:
            day = self.day.value()
            assert day is not None
            if self.action == "outreach":
                enrolment.start_outreach(self.app, self.member_id, day)
            elif self.action == "disenrol":
                enrolment.disenrol(self.app, self.member_id, day, EndReason(self.reason.currentData()))
            else:
                reason = self.override.toPlainText().strip() or None
                call = enrolment.re_enrol if self.action == "re_enrol" else enrolment.enrol
                call(self.app, self.member_id, day, reason)
        if attempt.failed:
            return False
        self.accept()
        return True


class ConsentDialog(UnsavedEditsDialog, QDialog):
    """Record a signed consent, withdrawal or opt-out form, with its scan if there is one."""

    def __init__(self, app: AppSession, member_id: int, kind: ConsentKind, member_label: str = "",
                 parent: QWidget | None = None, billing_month: ServiceMonth | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.kind = kind
        self.file: AttachmentFile | None = None
        title = f"Record {CONSENT_KIND_LABELS[kind].lower()}"
        self.setWindowTitle(f"{title}: {member_label}" if member_label else title)
        self.setMinimumWidth(540)
        self.form_type = QComboBox()
        for form in enrolment.consent_forms(app, member_id, kind):
            self.form_type.addItem(f"{form.code} — {form.label}", form.code)
        # From the billing preview the consent is for the month being billed: it must be signed by its last day.
        today = self.app.clock.today()
        signed_default = min(billing_month.last_day, today) if billing_month else today
        self.signed_on = date_picker(signed_default, today=today, maximum=today, name="Signed on")
        self.billing_note = role_label(_billing_note(billing_month, signed_default) if billing_month else "",
                                       "muted")
        self.billing_note.setVisible(billing_month is not None)
        self.signed_by = QLineEdit()
        self.signed_by.setPlaceholderText("The member, or the parent or guardian who signed")
        self.note = QLineEdit()
        self.file_label = role_label("No scan attached", "muted", wrap=False)
        attach = QPushButton("Attach scan…")
        attach.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_label, 1)
        file_row.addWidget(attach)
        form = QFormLayout()
        form.addRow("Form:", self.form_type)
        form.addRow("Signed on:", self.signed_on)
        form.addRow("", self.billing_note)
        form.addRow("Signed by:", self.signed_by)
        form.addRow("Note:", self.note)
        form.addRow("Scanned form:", file_row)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(role_label("The scan is kept inside the encrypted store, not as a separate file.", "muted"))
        layout.addWidget(self.message)
        buttons = _buttons(self, "Record")
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def choose_file(self) -> None:
        path = common.ask_open_path(self, "Attach the scanned form", Path.home(),
                                    "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;All files (*)")
        if path is not None:
            self.attach(path)

    def attach(self, path: Path) -> bool:
        try:
            size = path.stat().st_size
            if size > enrolment.MAX_ATTACHMENT_BYTES:
                self.message.show_error(f"The file is larger than {MAX_ATTACHMENT_MB} MB; scan it at a lower "
                                        "resolution.")
                return False
            self.file = AttachmentFile(path.name, path.read_bytes())
        except OSError as exc:
            self.message.show_error(f"The file cannot be read ({exc.strerror or 'unknown reason'}).")
            return False
        self.file_label.setText(path.name)
        self.message.clear_message()
        return True

    def save(self) -> bool:
        with user_errors(self.message.show_error, "recording consent") as attempt:
            enrolment.record_consent(self.app, self.member_id, self.kind, self.form_type.currentData() or "",
                                     self.signed_on.value(), signed_by=self.signed_by.text(),
                                     note=self.note.text(), file=self.file)
        if attempt.failed:
            return False
        self.accept()
        return True


def _billing_note(month: ServiceMonth, signed_default: date) -> str:
    """What the consent dialog says when the billing preview opened it for `month`."""
    name = month.first_day.strftime("%B %Y")
    when = "the last day of that month" if signed_default == month.last_day else "today, as the month is not over"
    return (f"Opened from the billing preview of {name}: the date is set to {format_date(signed_default)}, {when}. "
            "Change it to the date on the signed form; the month bills only with a consent signed on or before "
            "its last day.")


class TierDialog(UnsavedEditsDialog, QDialog):
    """Set the member's tier from a date on (the history keeps the earlier tiers)."""

    def __init__(self, app: AppSession, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.setWindowTitle("Set tier")
        self.tier = QComboBox()
        for tier in enrolment.tier_choices(app, member_id):
            self.tier.addItem(members.TIER_LABELS[tier], tier.value)
        self.effective = date_picker(today=self.app.clock.today(), name="From")
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. after the CANS assessment")
        form = QFormLayout()
        form.addRow("Tier:", self.tier)
        form.addRow("From:", self.effective)
        form.addRow("Note:", self.note)
        self.message = MessageLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(role_label("Billing uses the tier in effect on the last day of the month.", "muted"))
        layout.addWidget(self.message)
        buttons = _buttons(self, "Set tier")
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def save(self) -> bool:
        with user_errors(self.message.show_error, "setting a tier") as attempt:
            enrolment.set_tier(self.app, self.member_id, self.tier.currentData(), self.effective.value(),
                               self.note.text())
        if attempt.failed:
            return False
        self.accept()
        return True


class AppropriatenessDialog(UnsavedEditsDialog, QDialog):
    """Tick the program's appropriateness criteria that apply to the member (NY)."""

    def __init__(self, app: AppSession, member_id: int, chosen: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.setWindowTitle("Appropriateness for Health Home care management")
        self.boxes: dict[str, QCheckBox] = {}
        profile = enrolment.program_profile(app)
        # codes recorded before the state's list changed are read as the criterion that replaced them
        current = {found.code for code in chosen if (found := profile.criterion(code)) is not None}
        layout = QVBoxLayout(self)
        layout.addWidget(role_label("Which of these apply to the member? The program needs at least one.", "muted"))
        for criterion in enrolment.appropriateness_options(app):
            text = criterion.label
            if criterion.doh_code:
                text = f"{criterion.doh_code}. {text}"
            if criterion.age_band is not None:
                text += " (children)" if criterion.age_band.value == "child" else " (adults)"
            box = QCheckBox(text)
            box.setChecked(criterion.code in current)
            self.boxes[criterion.code] = box
            layout.addWidget(box)
        self.assessed_on = date_picker(today=self.app.clock.today(), maximum=self.app.clock.today())
        row = QHBoxLayout()
        row.addWidget(role_label("Assessed on:", wrap=False))
        row.addWidget(self.assessed_on)
        row.addStretch(1)
        layout.addLayout(row)
        months = (profile.appropriateness_recheck_months or {})
        if months:
            layout.addWidget(role_label("Re-assessed every " + ", ".join(
                f"{count} months for {'children' if band.value == 'child' else 'adults'}"
                for band, count in months.items()) + ".", "muted"))
        self.message = MessageLabel()
        layout.addWidget(self.message)
        buttons = _buttons(self, "Save")
        buttons.accepted.connect(self.save)
        layout.addWidget(buttons)

    def save(self) -> bool:
        with user_errors(self.message.show_error, "appropriateness") as attempt:
            enrolment.set_appropriateness(self.app, self.member_id,
                                          [code for code, box in self.boxes.items() if box.isChecked()],
                                          self.assessed_on.value())
        if attempt.failed:
            return False
        self.accept()
        return True


class ImageViewer(QDialog):
    """A scanned page (PNG, JPEG, TIFF) shown from memory."""

    def __init__(self, data: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        preferred_size(self, 760, 900)
        pixmap = QPixmap()
        pixmap.loadFromData(QByteArray(data))
        picture = QLabel()
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if pixmap.isNull():
            picture.setText("This file cannot be shown here.")
        else:
            picture.setPixmap(pixmap)
        scroll = QScrollArea()
        scroll.setWidget(picture)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(close)


def view_attachment(app: AppSession, attachment_id: int, parent: QWidget | None) -> QDialog | None:
    """Show a stored scan without writing it to disk: PDFs in the PDF viewer, images as pictures;
    anything else can be saved where the user says."""
    stored = enrolment.get_attachment(app, attachment_id)
    if stored.mime_type == "application/pdf":
        from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog

        dialog: QDialog = PdfPreviewDialog(stored.data, f"Scanned form: {stored.filename}", stored.filename, parent)
    elif stored.mime_type.startswith("image/"):
        dialog = ImageViewer(stored.data, f"Scanned form: {stored.filename}", parent)
    else:
        path = common.ask_save_path(parent, "Save a copy of the scanned form", Path.home() / stored.filename,
                                    "All files (*)")
        if path is not None:
            write_private_bytes(path, stored.data)
        return None
    dialog.open()
    return dialog

