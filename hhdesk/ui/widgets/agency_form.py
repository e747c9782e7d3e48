"""The agency's details as a form, used by the setup wizard and by Admin > Agency settings."""

from __future__ import annotations

import re
from dataclasses import fields

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QWidget

from hhdesk.domain.identifiers import is_valid_npi
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui.widgets.labels import MessageLabel

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


def _validator(pattern: str, parent: QWidget) -> QRegularExpressionValidator:
    return QRegularExpressionValidator(QRegularExpression(pattern), parent)


class AgencyForm(QWidget):
    """Name, address, phone, NPI (check digit verified as you type) and Medicaid provider ID."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = QLineEdit()
        self.name.setPlaceholderText("As it appears on letters and claims")
        self.address_line1 = QLineEdit()
        self.address_line2 = QLineEdit()
        self.address_line2.setPlaceholderText("Suite, floor (optional)")
        self.city = QLineEdit()
        self.state = QLineEdit()
        self.state.setMaxLength(2)
        self.state.setFixedWidth(56)
        self.state.setValidator(_validator(r"[A-Za-z]{0,2}", self.state))
        self.state.setPlaceholderText("NY")
        self.zip = QLineEdit()
        self.zip.setFixedWidth(110)
        self.zip.setValidator(_validator(r"[0-9]{0,5}(-[0-9]{0,4})?", self.zip))
        self.zip.setPlaceholderText("12345")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("(518) 555-0100")
        self.fax = QLineEdit()
        self.npi = QLineEdit()
        self.npi.setValidator(_validator(r"[0-9 -]{0,13}", self.npi))
        self.npi.setToolTip("The agency's 10-digit National Provider Identifier; its last digit is checked.")
        self.medicaid_provider_id = QLineEdit()
        self.medicaid_provider_id.setToolTip("The provider ID the state Medicaid program assigned to the agency.")
        self.npi_message = MessageLabel()

        place = QHBoxLayout()
        place.setContentsMargins(0, 0, 0, 0)
        place.addWidget(self.city, 1)
        place.addWidget(self.state)
        place.addWidget(self.zip)

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Agency &name:", self.name)
        form.addRow("&Address:", self.address_line1)
        form.addRow("", self.address_line2)
        form.addRow("City, state, ZIP:", place)
        form.addRow("&Phone:", self.phone)
        form.addRow("Fax:", self.fax)
        form.addRow("N&PI:", self.npi)
        form.addRow("", self.npi_message)
        form.addRow("&Medicaid provider ID:", self.medicaid_provider_id)

        for edit in self._edits():
            edit.textChanged.connect(self._on_changed)
        self.state.textEdited.connect(lambda text: self.state.setText(text.upper()))

    def _edits(self) -> list[QLineEdit]:
        return [getattr(self, f.name) for f in fields(AgencyInfo)]

    def _on_changed(self) -> None:
        npi = self.npi.text().strip()
        if not npi or len(re.sub(r"[\s-]", "", npi)) < 10:
            self.npi_message.clear_message()
        elif is_valid_npi(npi):
            self.npi_message.show_ok("A valid NPI.")
        else:
            self.npi_message.show_error("Not a valid NPI: the check digit does not match.")
        self.changed.emit()

    def info(self) -> AgencyInfo:
        values = {f.name: getattr(self, f.name).text().strip() for f in fields(AgencyInfo)}
        values["npi"] = re.sub(r"[\s-]", "", values["npi"])
        values["state"] = values["state"].upper()
        return AgencyInfo(**values)

    def set_info(self, info: AgencyInfo) -> None:
        for f in fields(AgencyInfo):
            getattr(self, f.name).setText(getattr(info, f.name))

    def problems(self) -> list[str]:
        """What stops the details from being saved, in the user's words (empty when all is well)."""
        info = self.info()
        problems = []
        if not info.name:
            problems.append("The agency needs a name.")
        if info.state and len(info.state) != 2:
            problems.append("The state is two letters, like NY.")
        if info.zip and not _ZIP.match(info.zip):
            problems.append("The ZIP code is 5 digits, or 5+4 like 12207-1234.")
        if info.npi and not is_valid_npi(info.npi):
            problems.append("The NPI is not valid: it has 10 digits and its last digit is a check digit.")
        return problems
