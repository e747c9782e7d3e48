"""The member chart's Contacts tab: quick entry from the keyboard, the month line, the list with edit/delete.

Keyboard: the form's fields follow in tab order (date, mode, with whom, minutes, staff, the six core
services, note, Save). Enter saves from any field (Shift+Enter starts a new line in the note), and so does
Ctrl+Enter; Escape leaves an edit. The date is the shared date field: type the whole date over it
(`11/30/2026`, `11/30/26`, `1/5/2026`), or use the arrow keys to step the day, month or year under the cursor.
A contact with no core service ticked (where the mode could carry one) asks before saving, because it will
not count toward the month's billing.
Mode and "with whom" choose by their first letter (i, p, v, c, m, a; m, f, p, a). After a save the form keeps
date, mode, with whom and minutes, clears services and note, and puts the cursor back on the date.

When the member's segment on the chosen date does not allow the mode to carry core services (mail or an
attempt for an enrolled member, mail in outreach), the six boxes are disabled and cleared, and the
sentence beside them says why (the service checks again on save).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.contact_rules import MAX_MINUTES
from hhdesk.domain.enums import ContactMode, CoreService, SegmentType, WithWhom
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther
from hhdesk.services import contacts
from hhdesk.services.contacts import ContactFormFacts, ContactInput, ContactView, MonthSummary
from hhdesk.services.context import AppSession
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.shortcuts import bind_shortcut
from hhdesk.ui.unsaved import TracksUnsavedEdits
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import MessageLabel, role_label, set_role
from hhdesk.ui.widgets.text import format_date

MODE_LABELS: dict[ContactMode, str] = {
    ContactMode.IN_PERSON: "In person",
    ContactMode.PHONE: "Phone",
    ContactMode.VIDEO: "Video",
    ContactMode.COLLATERAL: "Collateral (provider or agency)",
    ContactMode.MAIL: "Mail",
    ContactMode.ATTEMPT: "Attempt (no one reached)",
}
WITH_WHOM_LABELS: dict[WithWhom, str] = {
    WithWhom.MEMBER: "Member",
    WithWhom.FAMILY: "Family or caregiver",
    WithWhom.PROVIDER: "Provider",
    WithWhom.AGENCY: "Agency (community)",
}
SERVICE_SHORT: dict[CoreService, str] = {
    CoreService.CM: "Care management",
    CoreService.CC: "Care coordination",
    CoreService.TC: "Transitional care",
    CoreService.FS: "Family support",
    CoreService.RS: "Referral",
    CoreService.IT: "Health IT",
}
SEGMENT_NOTES: dict[SegmentType | None, str] = {
    SegmentType.ENROLLED: "Enrolled on this date",
    SegmentType.OUTREACH: "In outreach on this date",
    None: "No outreach or enrolled segment on this date: core services will not count",
}
LIST_COLUMNS = ("Date", "Mode", "With", "Min", "Services", "Staff", "Qualifies", "Note")
LIST_WIDTHS = (95, 105, 125, 45, 110, 140, 88)
LIST_WITH_WHOM: dict[WithWhom, str] = {
    WithWhom.MEMBER: "Member", WithWhom.FAMILY: "Family/caregiver", WithWhom.PROVIDER: "Provider",
    WithWhom.AGENCY: "Agency",
}
REASON_STYLE = "color: #7a5200; background: #fff3d1; border-radius: 4px; padding: 4px 8px;"
EARLIEST = date(2000, 1, 1)


class _EnterSaves(QObject):
    """Enter (and Ctrl+Enter) in a form field saves; Shift+Enter in the note is a new line."""

    def __init__(self, tab: ContactsTab) -> None:
        super().__init__(tab)
        self.tab = tab

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.key() == Qt.Key.Key_Escape and self.tab.editing is not None:
                self.tab.cancel_edit()
                return True
            return False
        if isinstance(watched, QComboBox) and watched.view().isVisible():
            return False  # Enter picks from the open list
        if isinstance(watched, QPlainTextEdit) and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return False
        self.tab.save()
        return True


class ContactsTab(TracksUnsavedEdits, QWidget):
    """One member's contacts. `refresh()` reloads the list, the month line and the rules' facts."""

    def __init__(self, app: AppSession, member_id: int, member_label: str = "", parent: QWidget | None = None,
                 today: date | None = None, on_member_changed: Callable[[], None] | None = None,
                 show_month: bool = True) -> None:
        super().__init__(parent)
        self.app = app
        self.on_member_changed = on_member_changed
        self.member_id = member_id
        self.member_label = member_label
        self._today = today
        self.facts: ContactFormFacts | None = None
        self.month: MonthSummary | None = None
        self.contacts: list[ContactView] = []
        self.editing: ContactView | None = None
        self.can_edit = app.actor.can(Permission.EDIT_CLINICAL)

        self.month_label = role_label("", "subheading")
        self.month_label.setAccessibleName("This month")
        # In the chart the header already carries the month line (an alert from the contacts service).
        self.month_label.setVisible(show_month)
        self._build_form()
        self.list = ListTable(LIST_COLUMNS, LIST_WIDTHS)
        self.list.setAccessibleName("Contacts")
        self.list.setWordWrap(False)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(lambda _item: self.edit_selected())
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Load the selected contact into the form (or press Enter on it)")
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.empty_label = role_label("No contacts logged yet.", "muted")
        for button in (self.edit_button, self.delete_button):
            button.setVisible(self.can_edit)
            button.setEnabled(False)

        list_buttons = QHBoxLayout()
        list_buttons.addWidget(role_label("Contacts, newest first", "subheading", wrap=False))
        list_buttons.addStretch(1)
        list_buttons.addWidget(self.edit_button)
        list_buttons.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.month_label)
        layout.addWidget(self.form_frame)
        layout.addLayout(list_buttons)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label)

        bind_shortcut("contacts.save", self, self.save, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()
        self.track_unsaved(self.form_frame, "the contact form", self.save, self.cancel_edit)

    @property
    def today(self) -> date:
        return self._today or self.app.clock.today()

    # ---- the form ---------------------------------------------------------------------------------
    def _build_form(self) -> None:
        self.form_frame = QFrame()
        self.form_frame.setObjectName("contactForm")
        self.form_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.form_title = role_label("Log a contact", "subheading")

        self.date_edit = DateEdit(self.today, earliest=EARLIEST, latest=self.today, today=self.today, name="Date")
        self.date_edit.limit_reasons = ("", "a contact cannot be dated in the future")
        self.date_edit.date_changed.connect(self._rules_changed)

        self.mode_box = QComboBox()
        self.mode_box.setAccessibleName("Mode")
        for mode, text in MODE_LABELS.items():
            self.mode_box.addItem(text, mode)
        self.mode_box.setCurrentIndex(1)  # phone: the most common contact
        self.mode_box.currentIndexChanged.connect(self._rules_changed)

        self.with_box = QComboBox()
        self.with_box.setAccessibleName("With whom")
        for party, text in WITH_WHOM_LABELS.items():
            self.with_box.addItem(text, party)

        self.minutes = QSpinBox()
        self.minutes.setRange(0, MAX_MINUTES)
        self.minutes.setValue(15)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Minutes")

        self.staff_box = QComboBox()
        self.staff_box.setAccessibleName("Staff")

        self.service_boxes: dict[CoreService, QCheckBox] = {}
        services = QGridLayout()
        services.setHorizontalSpacing(18)
        for number, service in enumerate(CoreService):
            box = QCheckBox(f"{service.value}  {SERVICE_SHORT[service]}")
            box.setToolTip(service.label)
            box.setAccessibleName(service.label)
            self.service_boxes[service] = box
            services.addWidget(box, number // 3, number % 3)
        self.block_reason = role_label("")
        self.block_reason.setStyleSheet(REASON_STYLE)
        self.block_reason.setAccessibleName("Why the core services are off")
        self.segment_note = role_label("", "muted")

        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What happened, in a few lines (Shift+Enter for a new line)")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(58)
        self.note.setAccessibleName("Note")

        self.save_button = QPushButton("Save contact")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Enter or Ctrl+Enter")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("Cancel edit")
        self.cancel_button.setToolTip("Escape")
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.cancel_button.hide()
        self.message = MessageLabel()

        first_row = FlowLayout(spacing=14)  # wraps on a narrow screen instead of widening the chart
        for caption, widget in (("&Date", self.date_edit), ("M&ode", self.mode_box), ("&With", self.with_box),
                                ("M&inutes", self.minutes), ("&Staff", self.staff_box)):
            first_row.addWidget(captioned(caption, widget))
        form = QFormLayout()
        form.addRow(first_row)
        services_box = QVBoxLayout()
        services_box.addLayout(services)
        services_box.addWidget(self.block_reason)
        form.addRow(role_label("Core services", wrap=False), services_box)
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note)
        form.addRow(note_label, self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.segment_note, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self.form_frame)
        layout.addWidget(self.form_title)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self._enter = _EnterSaves(self)
        for widget in (self.date_edit, self.mode_box, self.with_box, self.minutes, self.staff_box, self.note,
                       *self.service_boxes.values()):
            widget.installEventFilter(self._enter)
        order = [self.date_edit, self.mode_box, self.with_box, self.minutes, self.staff_box,
                 *self.service_boxes.values(), self.note, self.save_button]
        for before, after in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(before, after)
        self.form_frame.setVisible(self.can_edit)

    def _fill_staff(self) -> None:
        assert self.facts is not None
        current = self.staff_box.currentData() or self.facts.default_staff
        self.staff_box.blockSignals(True)
        self.staff_box.clear()
        for choice in self.facts.staff_choices:
            self.staff_box.addItem(choice.full_name if choice.full_name == choice.username
                                   else f"{choice.full_name} ({choice.username})", choice.username)
        index = self.staff_box.findData(current)
        self.staff_box.setCurrentIndex(max(index, 0))
        self.staff_box.setEnabled(self.facts.may_choose_staff)
        self.staff_box.setFocusPolicy(Qt.FocusPolicy.StrongFocus if self.facts.may_choose_staff
                                      else Qt.FocusPolicy.NoFocus)
        self.staff_box.blockSignals(False)

    def selected_mode(self) -> ContactMode:
        # Qt hands item data back as plain str: make it the enum again.
        return ContactMode(self.mode_box.currentData())

    def _rules_changed(self, *_args: object) -> None:
        """Enable or disable the six boxes for the member's segment on the chosen date and the mode."""
        if self.facts is None:
            return
        day = self.date_edit.committed()
        if day is None:
            return
        segment = self.facts.segment_type_on(day)
        reason = self.facts.core_service_block_reason(day, self.selected_mode())
        for box in self.service_boxes.values():
            if reason:
                box.setChecked(False)
            box.setEnabled(reason is None)
        self.block_reason.setText(reason or "")
        self.block_reason.setVisible(bool(reason))
        self.segment_note.setText(SEGMENT_NOTES[segment])
        set_role(self.segment_note, "error" if segment is None else "muted")

    def form_input(self) -> ContactInput:
        staff = self.staff_box.currentData()
        contact_date = self.date_edit.value()
        assert contact_date is not None
        return ContactInput(
            contact_date=contact_date,
            mode=self.selected_mode(),
            with_whom=WithWhom(self.with_box.currentData()),
            minutes=self.minutes.value(),
            core_services=frozenset(s for s, box in self.service_boxes.items() if box.isChecked() and box.isEnabled()),
            note=self.note.toPlainText(),
            staff=staff if staff and staff != self.app.actor.username else None,
        )

    def save(self) -> bool:
        """Save the form (new contact, or the one being edited); True if saved."""
        if not self.can_edit:
            return False
        with user_errors(self.message.show_error, "saving a contact") as attempt:
            data = self.form_input()
        if attempt.failed:
            self.date_edit.setFocus()
            return False
        if not self._services_checked_or_confirmed(data):
            return False
        with user_errors(self.message.show_error, "saving a contact") as attempt:
            if self.editing is not None:
                if self.staff_box.currentData() == self.editing.staff:
                    data = ContactInput(data.contact_date, data.mode, data.with_whom, data.minutes,
                                        data.core_services, data.note, self.editing.staff or None)
                saved = contacts.edit_contact(self.app, self.editing.contact_id, data, today=self.today,
                                              seen_version=self.editing.version)
                what = "Changes saved"
            else:
                saved = contacts.log_contact(self.app, self.member_id, data, today=self.today)
                what = "Contact saved"
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther) and self.editing is not None:
                self._follow_other_save(self.editing.contact_id)
            return False
        self.editing = None
        self._reset_form(keep=True)
        self.refresh(select=saved.contact.contact_id)
        self._changed()
        notes = [f"{what}: {format_date(saved.contact.contact_date)}, {MODE_LABELS[saved.contact.mode].split(' (')[0]}."]
        notes += [f"Checklist item done: {label}." for label in saved.completed_items]
        notes += list(saved.warnings)
        self.message.show_ok(" ".join(notes))
        self.date_edit.setFocus()
        self.date_edit.selectAll()
        return True

    def _services_checked_or_confirmed(self, data: ContactInput) -> bool:
        """No core service ticked where the mode could carry one: the contact will not count; ask first."""
        if data.core_services or not any(box.isEnabled() for box in self.service_boxes.values()):
            return True
        if common.confirm(self, "No core service ticked",
                          "No core service is ticked, so this contact will not count toward the month's "
                          "billing. Save it anyway?", "Save without a service"):
            return True
        self.message.show_error("Not saved: tick the core services delivered, then save.")
        next(iter(self.service_boxes.values())).setFocus()
        return False

    def _reset_form(self, *, keep: bool) -> None:
        for box in self.service_boxes.values():
            box.setChecked(False)
        self.note.clear()
        if not keep:
            self.date_edit.set_value(self.today)
        self.form_title.setText("Log a contact")
        self.save_button.setText("Save contact")
        self.cancel_button.hide()
        if self.facts is not None:
            index = self.staff_box.findData(self.facts.default_staff)
            self.staff_box.setCurrentIndex(max(index, 0))
        self._rules_changed()
        self.mark_clean()

    # ---- editing ----------------------------------------------------------------------------------
    def selected_contact(self) -> ContactView | None:
        key = self.list.selected_key()
        return next((c for c in self.contacts if c.contact_id == key), None)

    def _selection_changed(self) -> None:
        contact = self.selected_contact()
        may_edit = contact is not None and contact.may_edit
        self.edit_button.setEnabled(may_edit)
        self.delete_button.setEnabled(may_edit)

    def edit_selected(self) -> None:
        contact = self.selected_contact()
        if contact is None or not self.can_edit:
            return
        self.editing = contact
        self.date_edit.set_value(contact.contact_date)
        self.mode_box.setCurrentIndex(self.mode_box.findData(contact.mode))
        self.with_box.setCurrentIndex(self.with_box.findData(contact.with_whom))
        self.minutes.setValue(contact.minutes)
        index = self.staff_box.findData(contact.staff)
        if index < 0 and contact.staff:
            self.staff_box.addItem(contact.staff_name, contact.staff)
            index = self.staff_box.count() - 1
        self.staff_box.setCurrentIndex(max(index, 0))
        self._rules_changed()
        for service, box in self.service_boxes.items():
            box.setChecked(service in contact.core_services)
        self.note.setPlainText(contact.note)
        self.form_title.setText(f"Editing the contact of {format_date(contact.contact_date)}")
        self.save_button.setText("Save changes")
        self.cancel_button.show()
        self.message.clear_message()
        self.mark_clean()
        self.date_edit.setFocus()

    def _follow_other_save(self, contact_id: int) -> None:
        """After a save refused because someone else saved the contact first: the list shows their version,
        the form keeps what the user typed, and saving again replaces theirs knowingly."""
        self.refresh(select=contact_id)
        fresh = next((c for c in self.contacts if c.contact_id == contact_id), None)
        if fresh is not None:
            self.editing = fresh

    def cancel_edit(self) -> None:
        self.editing = None
        self._reset_form(keep=False)
        self.message.clear_message()

    def delete_selected(self) -> None:
        contact = self.selected_contact()
        if contact is None:
            return
        if not common.confirm(self, "Delete contact",
                              f"Delete the contact of {format_date(contact.contact_date)} "
                              f"({MODE_LABELS[contact.mode].split(' (')[0]})? The audit log keeps that it existed.",
                              "Delete"):
            return
        with user_errors(self.message.show_error, "deleting a contact") as attempt:
            contacts.delete_contact(self.app, contact.contact_id)
        if attempt.failed:
            return
        if self.editing is not None and self.editing.contact_id == contact.contact_id:
            self.cancel_edit()
        self.refresh()
        self._changed()
        self.message.show_ok("Contact deleted.")

    def _changed(self) -> None:
        """Tell the chart (its header's month line, the Transitions tab) that the member changed."""
        if self.on_member_changed is not None:
            self.on_member_changed()

    # ---- loading ----------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        with user_errors(self.message.show_error, "loading contacts") as attempt:
            self.facts = contacts.form_facts(self.app, self.member_id)
            self.contacts = contacts.list_contacts(self.app, self.member_id)
            self.month = contacts.month_summary_for(self.app, self.member_id, self.today)
        if attempt.failed:
            return
        self._fill_staff()
        self._rules_changed()
        self.month_label.setText(self.month.text)
        set_role(self.month_label, "ok" if self.month.summary.met else "subheading")
        rows = []
        for c in self.contacts:
            first_line = c.note.splitlines()[0] if c.note else ""
            rows.append([format_date(c.contact_date), MODE_LABELS[c.mode].split(" (")[0],
                         LIST_WITH_WHOM[c.with_whom], str(c.minutes), c.services_text or "—",
                         c.staff_name, "Yes" if c.qualifying else "No", first_line])
        self.list.set_rows(rows, [c.contact_id for c in self.contacts],
                           muted=[not c.qualifying for c in self.contacts])
        for number, c in enumerate(self.contacts):
            self.list.item(number, 7).setToolTip(c.note)
            if not c.qualifying:
                self.list.item(number, 6).setToolTip(_why_not_counted(c))
        self.empty_label.setVisible(not self.contacts)
        if select is not None:
            self.list.select_key(select)
        self._selection_changed()

    def clear_for_lock(self) -> None:
        self.contacts = []
        self.list.setRowCount(0)
        self.note.clear()
        self.month_label.clear()


def _why_not_counted(contact: ContactView) -> str:
    if contact.segment_type is None:
        return "No outreach or enrolled segment on this date."
    if not contact.core_services:
        return "No core service was delivered."
    return "This mode does not count for the member's segment."



def make_tab(context: Any) -> ContactsTab:
    """The chart's factory (``hhdesk.ui.views.member_chart.CHART_TABS``); ``context`` is a ChartContext."""
    return ContactsTab(context.app, context.member_id, context.member_label, on_member_changed=context.changed,
                       show_month=False)
