"""Directory entry form, adding a directory entry to a member's care team, and changing a care-team link.

Opened with ``open()``; each accepts once its service call succeeded. Tests fill fields and call ``save()``.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import DirectoryKind
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther
from hhdesk.services import directory
from hhdesk.services.context import AppSession
from hhdesk.services.directory import (
    CARE_TEAM_ROLES,
    DIRECTORY_CATEGORIES,
    CareTeamLink,
    DirectoryEntryInfo,
    DirectoryEntryInput,
)
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.forms import add_address_rows, save_cancel_layout
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.window_placement import preferred_size

_ROLE_FOR_CATEGORY = {"pcp": "pcp", "pharmacy": "pharmacist", "behavioural_health": "bh_provider",
                      "substance_use": "sud_counsellor", "housing": "housing_case_worker", "mco": "mco_care_manager",
                      "medical_specialty": "specialist"}


def role_combo(current: str = "") -> QComboBox:
    """The suggested roles; the user may type another."""
    combo = QComboBox()
    combo.setEditable(True)
    for key, text in CARE_TEAM_ROLES.items():
        combo.addItem(text, key)
    if current:
        position = combo.findData(current)
        if position >= 0:
            combo.setCurrentIndex(position)
        else:
            combo.setEditText(current)
    return combo


def chosen_role(combo: QComboBox) -> str:
    text = combo.currentText().strip()
    position = combo.findText(text)
    return combo.itemData(position) if position >= 0 else text


class DirectoryEntryDialog(UnsavedEditsDialog, QDialog):
    """Add or change a person or organisation in the directory."""

    saved = Signal(object)  # DirectoryEntryInfo

    def __init__(self, app: AppSession, entry: DirectoryEntryInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.entry = entry
        self.setWindowTitle("Change directory entry" if entry else "New directory entry")
        self.setMinimumWidth(620)
        values = entry.entry if entry else DirectoryEntryInput(name="")
        self.kind = QComboBox()
        self.kind.addItem("Organisation", DirectoryKind.ORGANISATION.value)
        self.kind.addItem("Person", DirectoryKind.PERSON.value)
        self.kind.setCurrentIndex(max(self.kind.findData(values.kind.value), 0))
        self.fields: dict[str, QLineEdit] = {}
        for name in ("name", "organisation", "specialty", "npi", "phone", "fax", "email", "address_line1",
                     "address_line2", "city", "state", "zip"):
            edit = QLineEdit(getattr(values, name))
            self.fields[name] = edit
        self.fields["npi"].setPlaceholderText("10 digits, if the provider has one")
        self.fields["organisation"].setPlaceholderText("For a person: the practice or agency")
        self.fields["state"].setMaximumWidth(60)
        self.fields["zip"].setMaximumWidth(110)
        self.notes = QPlainTextEdit(values.notes)
        self.notes.setFixedHeight(60)
        self.notes.setTabChangesFocus(True)
        self.categories: dict[str, QCheckBox] = {}
        box = QGroupBox("Services")
        grid = QGridLayout(box)
        for number, (key, text) in enumerate(DIRECTORY_CATEGORIES.items()):
            check = QCheckBox(text)
            check.setChecked(key in values.categories)
            self.categories[key] = check
            grid.addWidget(check, number // 3, number % 3)

        form = QFormLayout()
        form.addRow("Kind:", self.kind)
        form.addRow("Name:", self.fields["name"])
        form.addRow("Organisation:", self.fields["organisation"])
        form.addRow("Specialty:", self.fields["specialty"])
        form.addRow("NPI:", self.fields["npi"])
        form.addRow("Phone:", self.fields["phone"])
        form.addRow("Fax:", self.fields["fax"])
        form.addRow("Email:", self.fields["email"])
        add_address_rows(form, self.fields)
        form.addRow("Notes:", self.notes)
        self.message, _buttons = save_cancel_layout(self, form, self.save, box)

    def value(self) -> DirectoryEntryInput:
        return DirectoryEntryInput(
            kind=DirectoryKind(self.kind.currentData()),
            categories=tuple(key for key, check in self.categories.items() if check.isChecked()),
            notes=self.notes.toPlainText(),
            **{name: edit.text() for name, edit in self.fields.items()},
        )

    def save(self) -> bool:
        with user_errors(self.message.show_error, "saving a directory entry") as attempt:
            if self.entry is None:
                info = directory.create_entry(self.app, self.value())
            else:
                info = directory.update_entry(self.app, self.entry.id, self.value(), seen_version=self.entry.version)
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther) and self.entry is not None:
                self._follow_other_save(self.entry)
            return False
        self.entry = info
        self.saved.emit(info)
        self.accept()
        return True

    def _follow_other_save(self, opened: DirectoryEntryInfo) -> None:
        """After a save refused because someone else saved the entry first: the fields this user changed keep
        what they typed, the others show what the other person saved, so saving again replaces only what
        this user changed."""
        with user_errors(None) as attempt:  # removed meanwhile: the refusal on screen says enough
            stored = directory.get_entry(self.app, opened.id)
        if attempt.failed:
            return
        typed = self.value()
        for name, edit in self.fields.items():
            if getattr(typed, name) == getattr(opened.entry, name):
                edit.setText(getattr(stored.entry, name))
        if typed.kind == opened.entry.kind:
            self.kind.setCurrentIndex(max(self.kind.findData(stored.entry.kind.value), 0))
        if typed.notes == opened.entry.notes:
            self.notes.setPlainText(stored.entry.notes)
        for key, check in self.categories.items():
            if check.isChecked() == (key in opened.entry.categories):
                check.setChecked(key in stored.entry.categories)
        self.entry = stored


class AddToCareTeamDialog(UnsavedEditsDialog, QDialog):
    """Pick a directory entry, say what role it plays for the member and whether they may share."""

    def __init__(self, app: AppSession, member_id: int, member_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.entries: list[DirectoryEntryInfo] = []
        self.setWindowTitle(f"Add to the care team: {member_label}" if member_label else "Add to the care team")
        preferred_size(self, 760, 560)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the directory by name, organisation, specialty or NPI")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self.refresh())
        self.category = QComboBox()
        self.category.addItem("All services", None)
        for key, text in DIRECTORY_CATEGORIES.items():
            self.category.addItem(text, key)
        self.category.currentIndexChanged.connect(lambda _index: self.refresh())
        self.table = ListTable(["Name", "Specialty", "Services", "Phone"], [260, 150, 170])
        self.table.doubleClicked.connect(lambda _index: self.save())
        self.new_button = QPushButton("New directory entry…")
        self.new_button.setVisible(app.actor.can(Permission.MANAGE_DIRECTORY))
        self.new_button.clicked.connect(self.open_new_entry)
        self.role = role_combo()
        self.role.setMinimumWidth(260)
        self.role.setCurrentIndex(-1)  # no default: a wrong role (say, PCP) would mislead the whole team
        self.role.lineEdit().setPlaceholderText("Choose or type a role")
        self.table.itemSelectionChanged.connect(self._suggest_role)
        self.consent = QCheckBox("The member consented to share information with them")
        self.message = MessageLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add to the care team")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.category)
        form = QFormLayout()
        form.addRow("Role:", self.role)
        form.addRow("", self.consent)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        new_row = QHBoxLayout()
        new_row.addWidget(role_label("Not in the directory yet?", "muted", wrap=False))
        new_row.addWidget(self.new_button)
        new_row.addStretch(1)
        layout.addLayout(new_row)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.new_dialog: DirectoryEntryDialog | None = None
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        with user_errors(self.message.show_error, "directory search") as attempt:
            self.entries = directory.search_entries(self.app, self.search.text(), self.category.currentData())
        if attempt.failed:
            return
        self.table.set_rows([[e.label, e.entry.specialty, e.categories_label, e.entry.phone] for e in self.entries],
                            keys=[e.id for e in self.entries])
        if select is not None:
            self.table.select_key(select)
        elif len(self.entries) == 1:
            self.table.selectRow(0)

    def _suggest_role(self) -> None:
        """Offer the role an entry's service usually plays, until the user has chosen one."""
        if self.role.currentText().strip():
            return
        entry = next((e for e in self.entries if e.id == self.table.selected_key()), None)
        for category in entry.entry.categories if entry else ():
            if category in _ROLE_FOR_CATEGORY:
                self.role.setCurrentIndex(self.role.findData(_ROLE_FOR_CATEGORY[category]))
                return

    def open_new_entry(self) -> DirectoryEntryDialog:
        self.new_dialog = DirectoryEntryDialog(self.app, None, self)
        self.new_dialog.saved.connect(lambda info: self.refresh(select=info.id))
        self.new_dialog.open()
        return self.new_dialog

    def save(self) -> bool:
        entry_id = self.table.selected_key()
        if entry_id is None:
            self.message.show_error("Choose someone from the directory list first.")
            return False
        with user_errors(self.message.show_error, "adding to the care team") as attempt:
            directory.add_to_care_team(self.app, self.member_id, int(entry_id), chosen_role(self.role),
                                       self.consent.isChecked())
        if attempt.failed:
            return False
        self.accept()
        return True


class CareTeamLinkDialog(UnsavedEditsDialog, QDialog):
    """Change the role of a care-team link, or the member's consent to share with them."""

    def __init__(self, app: AppSession, link: CareTeamLink, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.link = link
        self.setWindowTitle("Change care-team link")
        self.role = role_combo(link.role)
        self.consent = QCheckBox("The member consented to share information with them")
        self.consent.setChecked(link.consent_to_share)
        form = QFormLayout()
        form.addRow("Who:", role_label(link.entry_label))
        form.addRow("Role:", self.role)
        form.addRow("", self.consent)
        self.message, _buttons = save_cancel_layout(self, form, self.save)

    def save(self) -> bool:
        with user_errors(self.message.show_error, "changing a care-team link") as attempt:
            directory.update_care_team_link(self.app, self.link.id, role=chosen_role(self.role),
                                            consent_to_share=self.consent.isChecked())
        if attempt.failed:
            return False
        self.accept()
        return True
