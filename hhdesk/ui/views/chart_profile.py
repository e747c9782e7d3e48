"""The chart's Profile tab: who the member is, editable by roles that may change demographics."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther, ValidationFailed
from hhdesk.services import directory, members
from hhdesk.services.members import MemberDetails
from hhdesk.ui.dialogs.member_dialogs import AssignDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import TracksUnsavedEdits
from hhdesk.ui.views.member_chart import ChartContext
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.forms import add_address_rows
from hhdesk.ui.widgets.labels import MessageLabel, role_label

_TEXT_FIELDS: list[tuple[str, str]] = [
    ("last_name", "Last name"), ("first_name", "First name"), ("preferred_name", "Preferred name"),
    ("gender_identity", "Gender identity"), ("language", "Preferred language"),
    ("address_line1", "Address"), ("address_line2", "Address line 2"), ("city", "City"), ("state", "State"),
    ("zip", "ZIP code"), ("phone", "Phone"), ("phone_alt", "Other phone"), ("email", "Email"),
    ("emergency_contact_name", "Emergency contact"), ("emergency_contact_phone", "Emergency contact phone"),
    ("medicaid_id", "Medicaid ID"), ("plan_id", "Managed care plan"),
]


class ProfileTab(TracksUnsavedEdits, QWidget):
    """A form over ``MemberDetails``: Save writes it through ``members.update_member``."""

    def __init__(self, context: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app = context.app
        self.editable = self.app.actor.can(Permission.EDIT_DEMOGRAPHICS)
        self.dialog: AssignDialog | None = None
        self.fields: dict[str, QLineEdit] = {}
        for name, title in _TEXT_FIELDS:
            edit = QLineEdit()
            edit.setAccessibleName(title)
            edit.setReadOnly(not self.editable)
            self.fields[name] = edit
        self.fields["state"].setMaximumWidth(60)
        self.fields["medicaid_id"].setMaximumWidth(200)
        self.fields["plan_id"].setMaximumWidth(360)
        self.fields["zip"].setMaximumWidth(110)
        self.dob = DateEdit(None, optional=True, today=self.app.clock.today(), name="Date of birth")
        self.dob.setAccessibleName("Date of birth")
        self.dob.setReadOnly(not self.editable)
        self.sex = QComboBox()
        for code, text in members.SEX_CHOICES.items():
            self.sex.addItem(text, code)
        self.interpreter = QCheckBox("Needs an interpreter")
        self.pcp = QComboBox()
        self.pcp.setAccessibleName("PCP")
        self.pcp.setMinimumWidth(260)
        self.pcp.setMaximumWidth(520)
        for widget in (self.sex, self.interpreter, self.pcp):
            widget.setEnabled(self.editable)

        person = QGroupBox("Person")
        form = QFormLayout(person)
        for name in ("last_name", "first_name", "preferred_name"):
            form.addRow(dict(_TEXT_FIELDS)[name] + ":", self.fields[name])
        form.addRow("Date of birth:", self.dob)
        form.addRow("Sex:", self.sex)
        form.addRow("Gender identity:", self.fields["gender_identity"])
        language = QHBoxLayout()
        language.addWidget(self.fields["language"], 1)
        language.addWidget(self.interpreter)
        form.addRow("Preferred language:", language)

        contact = QGroupBox("Contact")
        form = QFormLayout(contact)
        add_address_rows(form, self.fields)
        for name in ("phone", "phone_alt", "email", "emergency_contact_name", "emergency_contact_phone"):
            form.addRow(dict(_TEXT_FIELDS)[name] + ":", self.fields[name])

        coverage = QGroupBox("Coverage and care")
        form = QFormLayout(coverage)
        form.addRow("Medicaid ID:", self.fields["medicaid_id"])
        form.addRow("Managed care plan:", self.fields["plan_id"])
        form.addRow("PCP:", self.pcp)
        manager = QHBoxLayout()
        self.care_manager = role_label("", wrap=False)
        manager.addWidget(self.care_manager, 1)
        self.assign_button = QPushButton("Assign…")
        self.assign_button.setToolTip("Give this member to another care manager")
        self.assign_button.setVisible(members.may_assign(self.app))
        self.assign_button.clicked.connect(self._assign)
        manager.addWidget(self.assign_button)
        form.addRow("Care manager:", manager)

        self.message = MessageLabel()
        self.save_button = QPushButton("Save changes")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Undo changes")
        self.revert_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        for button in (self.save_button, self.revert_button):
            button.setVisible(self.editable)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.addWidget(person, 0, 0)
        grid.addWidget(contact, 0, 1)
        grid.addWidget(coverage, 1, 0, 1, 2)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.setContentsMargins(18, 14, 18, 14)
        inner.addLayout(grid)
        if not self.editable:
            inner.addWidget(role_label("Your role may view this profile but not change it.", "muted"))
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        footer = QWidget()
        footer.setLayout(buttons)
        buttons.setContentsMargins(18, 6, 18, 10)
        layout.addWidget(footer)
        self.revert_button.clicked.disconnect()
        self.revert_button.clicked.connect(self.revert)
        self.refresh()
        self.track_unsaved(body, "the profile", self.save, self.revert)

    def refresh(self) -> None:
        """Show the member as saved; edits not saved yet stay (the chart refreshes tabs after other changes)."""
        if self.unsaved_what():
            return
        self.revert()

    def revert(self) -> None:
        chart = self.context.chart
        self._fill_pcp(chart.details.pcp_id)
        self.show_details(chart.details)
        self.mark_clean()
        self.care_manager.setText(chart.care_manager_name or chart.care_manager or "Unassigned")
        self.message.clear_message()

    def show_details(self, details: MemberDetails) -> None:
        for name, edit in self.fields.items():
            edit.setText(getattr(details, name))
        self.dob.set_value(details.dob)
        self.sex.setCurrentIndex(max(self.sex.findData(details.sex), 0))
        self.interpreter.setChecked(details.interpreter_needed)
        self.pcp.setCurrentIndex(max(self.pcp.findData(details.pcp_id), 0))

    def _fill_pcp(self, current: int | None) -> None:
        self.pcp.clear()
        self.pcp.addItem("None recorded", None)
        with user_errors(self.message.show_error, "PCP list") as attempt:
            entries = directory.search_entries(self.app, category="pcp")
            if current is not None and all(e.id != current for e in entries):
                entries.insert(0, directory.get_entry(self.app, current))
        if attempt.failed:
            return
        for entry in entries:
            self.pcp.addItem(entry.label, entry.id)

    def details(self) -> MemberDetails | None:
        try:
            dob = self.dob.value()
        except ValidationFailed as exc:
            self.message.show_error(str(exc))
            return None
        if dob is None:
            self.message.show_error("Date of birth: type it as MM/DD/YYYY.")
            return None
        values = {name: edit.text() for name, edit in self.fields.items()}
        return replace(self.context.chart.details, **values, dob=dob, sex=self.sex.currentData() or "",
                       interpreter_needed=self.interpreter.isChecked(), pcp_id=self.pcp.currentData())

    def save(self) -> bool:
        details = self.details()
        if details is None:
            return False
        with user_errors(self.message.show_error, "saving a profile") as attempt:
            members.update_member(self.app, self.context.member_id, details)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._follow_other_save(details)
            return False
        self.context.changed()
        self.revert()
        self.message.show_ok("Saved.")
        return True

    def _follow_other_save(self, typed: MemberDetails) -> None:
        """After a save refused because someone else saved the member first: the chart reads their save (Undo
        changes shows it), the fields this user changed keep what they typed, the others show theirs, so
        saving again replaces only what this user changed."""
        opened = self.context.chart.details
        self.context.changed()
        stored = self.context.chart.details
        if stored is opened:
            return
        for name, edit in self.fields.items():
            if getattr(typed, name) == getattr(opened, name):
                edit.setText(getattr(stored, name))
        if typed.dob == opened.dob:
            self.dob.set_value(stored.dob)
        if typed.sex == opened.sex:
            self.sex.setCurrentIndex(max(self.sex.findData(stored.sex), 0))
        if typed.interpreter_needed == opened.interpreter_needed:
            self.interpreter.setChecked(stored.interpreter_needed)
        if typed.pcp_id == opened.pcp_id:
            self._fill_pcp(stored.pcp_id)
            self.pcp.setCurrentIndex(max(self.pcp.findData(stored.pcp_id), 0))

    def _assign(self) -> None:
        self.dialog = AssignDialog(self.app, [self.context.member_id], self)
        self.dialog.accepted.connect(self._assigned)
        self.dialog.open()

    def _assigned(self) -> None:
        self.context.changed()
        self.refresh()

    def clear_for_lock(self) -> None:
        for edit in self.fields.values():
            edit.clear()
        self.dob.clear()
