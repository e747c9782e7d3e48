"""Admin > Agency settings: the agency's details and the typed settings, in one form with one Save.

Settings are declared in `SETTING_FIELDS`; a feature that adds a setting to `services.settings.Settings`
shows it here with one entry, e.g. ``SettingField("referral_follow_up_days", suffix=" days", group="Referrals")``.
Its editor follows the setting's declaration: a whole number gets a spin box over its range, a text with fixed
values a list. Fields of the same `group` share a box, in the order they are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hhdesk.services import settings
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui.errors import user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.widgets.agency_form import AgencyForm
from hhdesk.ui.widgets.labels import MessageLabel, role_label


@dataclass(frozen=True)
class SettingField:
    key: str  # a field of services.settings.Settings
    label: str = ""  # default: the setting's own label
    suffix: str = ""
    tooltip: str = ""
    group: str = "Window and printing"

    @property
    def option(self) -> settings.Option:
        return settings.OPTIONS[self.key]

    @property
    def text(self) -> str:
        return self.label or self.option.label


SETTING_FIELDS: list[SettingField] = [
    SettingField("lock_minutes", label="Lock the window after", suffix=" minutes without use",
                 tooltip="The window hides member data and asks for the password again after this long "
                         "without a key press or mouse movement."),
    SettingField("paper_size", tooltip="The page size of printed care plans, letters and summaries."),
    SettingField("print_file_name", tooltip="How files of printed packets and care plans are named. Placeholders: {document}, "
                         "{member_number}, {date}, and, only if your folders are private, {medicaid_id}, "
                         "{last_name}, {first_name}. A file name is seen by anyone who sees the folder, an "
                         "e-mail or a print queue."),
]


class SettingsTab(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.agency_form = AgencyForm()
        self.editors: dict[str, QWidget] = {}
        self._loaded_settings = settings.Settings()
        self._loaded_agency: AgencyInfo | None = None

        agency_box = QGroupBox("Agency")
        QVBoxLayout(agency_box).addWidget(self.agency_form)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 12, 0)
        column.addWidget(agency_box)
        for group, fields in self._groups().items():
            box = QGroupBox(group)
            form = QFormLayout(box)
            for field in fields:
                editor = self._editor(field)
                self.editors[field.key] = editor
                form.addRow(field.text + ":", editor)
            column.addWidget(box)
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        content.setMaximumWidth(720)

        self.message = MessageLabel()
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Undo changes")
        self.revert_button.clicked.connect(self.reload)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(role_label("The agency's details print on letters and care plans.", "muted"))
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    @staticmethod
    def _groups() -> dict[str, list[SettingField]]:
        groups: dict[str, list[SettingField]] = {}
        for field in SETTING_FIELDS:
            groups.setdefault(field.group, []).append(field)
        return groups

    @staticmethod
    def _editor(field: SettingField) -> QWidget:
        editor: QWidget
        option = field.option
        if option.kind is int:
            editor = QSpinBox()
            editor.setRange(option.minimum or 0, option.maximum if option.maximum is not None else 1_000_000)
            editor.setSuffix(field.suffix)
            editor.setMinimumWidth(220)
        elif option.choices:
            editor = QComboBox()
            for value, words in option.choices:
                editor.addItem(words, value)
            editor.setMinimumWidth(220)
        else:
            editor = QLineEdit()
        if option.kind is int or option.choices:
            editor.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        if field.tooltip:
            editor.setToolTip(field.tooltip)
        return editor

    def _value(self, field: SettingField) -> Any:
        editor = self.editors[field.key]
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        assert isinstance(editor, QLineEdit)
        return editor.text().strip()

    def _set_value(self, field: SettingField, value: Any) -> None:
        editor = self.editors[field.key]
        if isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(value), 0))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))

    def is_dirty(self) -> bool:
        if self._loaded_agency is None:
            return False
        return self.agency_form.info() != self._loaded_agency or any(
            self._value(field) != getattr(self._loaded_settings, field.key) for field in SETTING_FIELDS)

    def refresh(self) -> None:
        """Shown again: load the stored values, unless the user has unsaved edits here."""
        if not self.is_dirty():
            self.reload()

    def reload(self) -> None:
        self.message.clear_message()
        with user_errors(self.message.show_error, "loading settings") as attempt:
            self._loaded_settings = settings.get_settings(self.app)
            self._loaded_agency = settings.get_agency(self.app)
        if attempt.failed:
            return
        self.agency_form.set_info(self._loaded_agency)
        for field in SETTING_FIELDS:
            self._set_value(field, getattr(self._loaded_settings, field.key))

    def save(self) -> bool:
        problems = self.agency_form.problems()
        if problems:
            self.message.show_error(problems[0])
            return False
        changes = {field.key: self._value(field) for field in SETTING_FIELDS
                   if self._value(field) != getattr(self._loaded_settings, field.key)}
        agency = self.agency_form.info()
        with user_errors(self.message.show_error, "saving settings") as attempt:
            if agency != self._loaded_agency:
                settings.update_agency(self.app, agency)
            if changes:
                settings.update_settings(self.app, changes)
        if attempt.failed:
            return False
        self.reload()
        self.host.settings_changed()
        self.message.show_ok("Saved.")
        return True
