"""Billing settings (admins): the billing profile, rate region and codes, monthly amounts, and the claim
identifiers the 837 files need. Saved together through `services.billing.save_billing_settings`, which refuses
a combination that would not make a usable profile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_data import PayerInfo
from hhdesk.services import billing, payers, settings
from hhdesk.services.context import AppSession
from hhdesk.ui.errors import user_errors
from hhdesk.ui.widgets.labels import MessageLabel, role_label

TEXT_FIELDS: dict[str, list[tuple[str, str]]] = {
    "Billing provider (the agency, as on its NPI record)": [
        ("billing_provider_name", ""),
        ("billing_provider_npi", "10 digits"),
        ("billing_provider_taxonomy", "e.g. 251B00000X (case management)"),
        ("billing_provider_tax_id", "EIN, 9 digits"),
        ("billing_provider_address", ""),
        ("billing_provider_city", ""),
        ("billing_provider_state", "two letters, e.g. NY"),
        ("billing_provider_zip", "ZIP+4, e.g. 12180-1234"),
    ],
    "Submitter (from the payer's or clearinghouse's companion guide)": [
        ("submitter_id", "at most 15 characters"),
        ("submitter_name", ""),
        ("submitter_contact_phone", "10 digits"),
    ],
    "Attending provider on 837I claims (the practitioner responsible; the guide requires one)": [
        ("attending_last_name", "required for 837I claim files"),
        ("attending_first_name", ""),
        ("attending_npi", "only if the practitioner has an NPI"),
    ],
}
PAYER_COLUMNS = ["Code", "Payer name", "Payer ID", "Receiver ID", "Receiver name", "Filing limit (days)",
                 "Fee-for-service"]
EXTRA_LABELS = {"care_plan_grace_days": "Care plan grace period"}


def label_for(key: str) -> str:
    return EXTRA_LABELS.get(key) or settings.OPTIONS[key].label


def _spin_range(key: str) -> tuple[int, int]:
    option = settings.OPTIONS[key]
    assert option.minimum is not None and option.maximum is not None, key
    return option.minimum, option.maximum


class BillingSettingsTab(QWidget):
    """One form with one Save; `saved()` is called after a successful save."""

    def __init__(self, app: AppSession, saved: Callable[[], None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._saved = saved
        self._loaded: settings.Settings | None = None
        self._rows: list[billing.RateRow] = []

        self.profile = QComboBox()
        for name, title, claim_type, _regions in billing.profile_choices():
            self.profile.addItem(f"{title} — {claim_type}", name)
        self.region = QComboBox()
        self.outreach_code = QLineEdit()
        self.outreach_code.setPlaceholderText("empty: outreach months are not billed")
        self.hcpcs_code = QLineEdit()
        self.hcpcs_code.setPlaceholderText("e.g. S0280")
        self.hcpcs_modifiers = QLineEdit()
        self.hcpcs_modifiers.setPlaceholderText("up to 4, e.g. U1, U2")
        self.grace_days = QSpinBox()
        self.grace_days.setRange(*_spin_range("care_plan_grace_days"))
        self.grace_days.setSuffix(" days after enrolment")
        self.aot_code = QLineEdit()
        self.aot_code.setPlaceholderText("empty: AOT months bill at the Health Home Plus code")
        self.aot_code.setToolTip("NY's August 2024 rate table lists Health Home Plus/AOT with the rate code "
                                 "'to be assigned': enter it once DOH assigns it")
        self.amounts = QTableWidget(0, 6)
        self.amounts.setHorizontalHeaderLabels(["Code", "Bills", "Profile", "Agency", "Confirmed", "Source"])
        self.amounts.verticalHeader().hide()
        self.amounts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.amounts.setMaximumHeight(260)
        self.amounts.setMinimumHeight(200)
        header = self.amounts.horizontalHeader()
        for column, mode in ((0, QHeaderView.ResizeMode.ResizeToContents), (1, QHeaderView.ResizeMode.Stretch),
                             (2, QHeaderView.ResizeMode.ResizeToContents), (3, QHeaderView.ResizeMode.Interactive),
                             (4, QHeaderView.ResizeMode.ResizeToContents), (5, QHeaderView.ResizeMode.Stretch)):
            header.setSectionResizeMode(column, mode)
        header.resizeSection(3, 80)
        self.amounts.setToolTip("Type the agency's monthly amount for a code to replace the profile's (it counts "
                                "as confirmed), or tick Confirmed once the profile's dated amounts are checked "
                                "against the current rate table and the plans' contracts. Point at an amount "
                                "for every dated amount and its source.")
        for editor in (self.outreach_code, self.hcpcs_code, self.aot_code):
            editor.editingFinished.connect(self._rebuild_amounts)
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.region.currentIndexChanged.connect(self._rebuild_amounts)

        rates = QGroupBox("Profile, codes and amounts")
        form = QFormLayout(rates)
        form.addRow(label_for("billing_profile") + ":", self.profile)
        form.addRow(label_for("billing_region") + ":", self.region)
        form.addRow(label_for("outreach_rate_code") + ":", self.outreach_code)
        form.addRow(label_for("aot_rate_code") + ":", self.aot_code)
        form.addRow(label_for("hcpcs_code") + ":", self.hcpcs_code)
        form.addRow(label_for("hcpcs_modifiers") + ":", self.hcpcs_modifiers)
        form.addRow(label_for("care_plan_grace_days") + ":", self.grace_days)
        form.addRow(label_for("rate_amounts") + ":", self.amounts)
        self.source_note = role_label("", "muted")
        form.addRow("", self.source_note)

        self.texts: dict[str, QLineEdit] = {}
        boxes: list[QGroupBox] = []
        for title, fields in TEXT_FIELDS.items():
            box = QGroupBox(title)
            box_form = QFormLayout(box)
            for key, hint in fields:
                editor = QLineEdit()
                editor.setPlaceholderText(hint)
                editor.setAccessibleName(label_for(key))
                self.texts[key] = editor
                box_form.addRow(label_for(key) + ":", editor)
            boxes.append(box)

        self.test_file = QCheckBox(label_for("claim_test_file") + " (ISA15 = T), for a first trial with the payer")
        self.interchange = QSpinBox()
        self.group = QSpinBox()
        for spin in (self.interchange, self.group):
            spin.setRange(*_spin_range("interchange_control_number"))
            spin.setToolTip("The last number used; the next claim file takes the one after it.")
        payer_box = QGroupBox("Payers: one claim file per payer (Medicaid fee-for-service and each plan)")
        payer_layout = QVBoxLayout(payer_box)
        self.payers = QTableWidget(0, len(PAYER_COLUMNS))
        self.payers.setHorizontalHeaderLabels(PAYER_COLUMNS)
        self.payers.setAccessibleName("Payers")
        self.payers.verticalHeader().hide()
        self.payers.setMinimumHeight(150)
        self.payers.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.payers.setToolTip("Each member's payer is recorded on the chart's Enrolment tab (or the roster). "
                               "The filing limit is how many days after the month the payer accepts a claim: "
                               "90 for NY Medicaid fee-for-service; a plan's is in its contract.")
        self.add_payer_button = QPushButton("Add a payer")
        self.add_payer_button.clicked.connect(self.add_payer_row)
        self.save_payers_button = QPushButton("Save payers")
        self.save_payers_button.clicked.connect(self.save_payers)
        self.payer_message = MessageLabel()
        payer_buttons = QHBoxLayout()
        payer_buttons.addWidget(self.payer_message, 1)
        payer_buttons.addWidget(self.add_payer_button)
        payer_buttons.addWidget(self.save_payers_button)
        payer_layout.addWidget(self.payers)
        payer_layout.addLayout(payer_buttons)
        boxes.append(payer_box)

        files = QGroupBox("Claim files")
        files_form = QFormLayout(files)
        files_form.addRow("", self.test_file)
        files_form.addRow(label_for("interchange_control_number") + ":", self.interchange)
        files_form.addRow(label_for("group_control_number") + ":", self.group)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 12, 0)
        column.addWidget(rates)
        for box in boxes:
            column.addWidget(box)
        column.addWidget(files)
        column.addStretch(1)
        content.setMaximumWidth(1100)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)

        self.message = MessageLabel()
        self.save_button = QPushButton("&Save billing settings")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Undo changes")
        self.revert_button.clicked.connect(self.reload)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(role_label("What the agency bills with, and what its claim files say about it. Confirm "
                                    "codes and amounts against the state's current rate table and the plans' "
                                    "contracts.", "muted"))
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.reload()

    # ---- loading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self.is_dirty():
            self.reload()

    def reload(self) -> None:
        self.message.clear_message()
        with user_errors(self.message.show_error, "loading billing settings") as attempt:
            self._loaded = settings.get_settings(self.app)
        if attempt.failed:
            return
        values = self._loaded
        self.profile.blockSignals(True)
        self.profile.setCurrentIndex(max(self.profile.findData(values.billing_profile), 0))
        self.profile.blockSignals(False)
        self._fill_regions(values.billing_region)
        self.outreach_code.setText(values.outreach_rate_code)
        self.aot_code.setText(values.aot_rate_code)
        self.hcpcs_code.setText(values.hcpcs_code)
        self.hcpcs_modifiers.setText(values.hcpcs_modifiers)
        self.grace_days.setValue(values.care_plan_grace_days)
        for key, editor in self.texts.items():
            editor.setText(getattr(values, key))
        self.test_file.setChecked(values.claim_test_file)
        self.interchange.setValue(values.interchange_control_number)
        self.group.setValue(values.group_control_number)
        self._rebuild_amounts(agency_amounts=self._stored_amounts(values))
        self.load_payers()

    # ---- payers -----------------------------------------------------------------------------------
    def load_payers(self) -> None:
        with user_errors(self.payer_message.show_error, "loading the payers") as attempt:
            table = payers.list_payers(self.app)
        if attempt.failed:
            return
        self.payers.setRowCount(0)
        for payer in table:
            self.add_payer_row(payer)

    def add_payer_row(self, payer: PayerInfo | None = None) -> None:
        number = self.payers.rowCount()
        self.payers.insertRow(number)
        values = ([payer.code, payer.name, payer.payer_id, payer.receiver_id, payer.receiver_name,
                   str(payer.filing_limit_days)] if isinstance(payer, PayerInfo) else ["", "", "", "", "", "90"])
        for column, text in enumerate(values):
            item = QTableWidgetItem(text)
            if column == 0 and isinstance(payer, PayerInfo):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)  # the code names the member's periods
            self.payers.setItem(number, column, item)
        check = QTableWidgetItem("")
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        fee_for_service = isinstance(payer, PayerInfo) and payer.fee_for_service
        check.setCheckState(Qt.CheckState.Checked if fee_for_service else Qt.CheckState.Unchecked)
        self.payers.setItem(number, 6, check)
        if not isinstance(payer, PayerInfo):
            self.payers.setCurrentCell(number, 0)
            self.payers.editItem(self.payers.item(number, 0))

    def payer_rows(self) -> list[PayerInfo]:
        rows = []
        for number in range(self.payers.rowCount()):
            def cell(column: int, row: int = number) -> str:
                item = self.payers.item(row, column)
                return item.text().strip() if item is not None else ""
            if not any(cell(column) for column in range(5)):
                continue  # an added row left empty
            try:
                limit = int(cell(5))
            except ValueError:
                limit = 0
            check = self.payers.item(number, 6)
            rows.append(PayerInfo(cell(0), cell(1), cell(2), cell(3), cell(4), limit,
                                  check is not None and check.checkState() == Qt.CheckState.Checked))
        return rows

    def save_payers(self) -> bool:
        stored = {payer.code: payer for payer in payers.list_payers(self.app)}
        with user_errors(self.payer_message.show_error, "saving the payers") as attempt:
            for row in self.payer_rows():
                before = stored.get(row.code.strip().upper())
                if before is None or (before.name, before.payer_id, before.receiver_id, before.receiver_name,
                                      before.filing_limit_days, before.fee_for_service) != (
                        row.name, row.payer_id, row.receiver_id, row.receiver_name, row.filing_limit_days,
                        row.fee_for_service):
                    payers.save_payer(self.app, row)
        if attempt.failed:
            return False
        self.load_payers()
        self.payer_message.show_ok("Payers saved.")
        if self._saved is not None:
            self._saved()
        return True

    def _stored_amounts(self, values: settings.Settings) -> dict[str, str]:
        amounts = {code: amount for code, amount in values.rate_amounts.items() if amount.strip()}
        outreach = values.outreach_rate_code.strip()
        if outreach and values.outreach_amount.strip():
            amounts.setdefault(outreach, values.outreach_amount.strip())
        aot = values.aot_rate_code.strip()
        if aot and values.aot_amount.strip():
            amounts.setdefault(aot, values.aot_amount.strip())
        return amounts

    def _profile_info(self) -> tuple[str, str, tuple[str, ...]]:
        name = self.profile.currentData()
        for choice_name, _title, claim_type, regions in billing.profile_choices():
            if choice_name == name:
                return choice_name, claim_type, regions
        return str(name), "", ()

    def _fill_regions(self, wanted: str) -> None:
        _name, claim_type, regions = self._profile_info()
        self.region.blockSignals(True)
        self.region.clear()
        for region in regions:
            self.region.addItem(region.capitalize(), region)
        self.region.setCurrentIndex(max(self.region.findData(wanted), 0))
        self.region.blockSignals(False)
        professional = claim_type == "837P"
        self.hcpcs_code.setEnabled(professional)
        self.hcpcs_modifiers.setEnabled(professional)

    def _profile_changed(self) -> None:
        self._fill_regions(str(self.region.currentData() or ""))
        self._rebuild_amounts()

    # ---- the amounts table ------------------------------------------------------------------------
    def _typed_amounts(self) -> dict[str, str]:
        typed: dict[str, str] = {}
        for number in range(self.amounts.rowCount()):
            code_item, amount_item = self.amounts.item(number, 0), self.amounts.item(number, 3)
            if number < len(self._rows) and self._rows[number].reference_only:
                continue
            if code_item is not None and amount_item is not None and amount_item.text().strip():
                typed[code_item.text()] = amount_item.text().strip().lstrip("$").replace(",", "")
        return typed

    def _ticked_confirmations(self) -> list[str]:
        ticked = []
        for number, row in enumerate(self._rows):
            item = self.amounts.item(number, 4)
            if (not row.reference_only and item is not None and item.checkState() == Qt.CheckState.Checked
                    and item.flags() & Qt.ItemFlag.ItemIsEnabled):
                ticked.append(row.code)
        return sorted(set(ticked))

    def _rebuild_amounts(self, *_args: object, agency_amounts: dict[str, str] | None = None) -> None:
        if agency_amounts is None:
            typed = self._typed_amounts()
            confirmed = set(self._ticked_confirmations())
        else:
            typed = agency_amounts
            confirmed = set(self._loaded.confirmed_rates) if self._loaded is not None else set()
        try:
            values = (self._loaded or settings.Settings()).with_changes(
                {**self._form_values(with_amounts=False), "rate_amounts": {}, "confirmed_rates": sorted(confirmed)})
            rows = billing.rate_rows(values)
            profile = billing.profile_from_settings(values)
            self.source_note.setText(profile.source_note)
        except ValidationFailed as exc:
            self.message.show_error(str(exc))
            return
        self._rows = rows
        self.amounts.setRowCount(len(rows))
        for number, row in enumerate(rows):
            latest = row.latest
            source = ""
            if latest is not None:
                source = billing.describe_rate_period(latest)
            what = row.what + (" (listed for reference; hhdesk does not bill it)" if row.reference_only else "")
            profile_amount = "not set" if row.profile_amount is None else f"{row.profile_amount:.2f}"
            if latest is not None and latest.effective != date.min:
                profile_amount += f" from {latest.effective:%m/%Y}"
            own = "" if row.reference_only else typed.get(row.code, "")
            cells = [row.code, what, profile_amount, own, "", source]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column != 3 or row.reference_only:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column == 2:
                    item.setToolTip(row.provenance or "No dated amounts in the profile.")
                if column == 4 and not row.reference_only:
                    item.setFlags((item.flags() | Qt.ItemFlag.ItemIsUserCheckable) & ~Qt.ItemFlag.ItemIsEditable)
                    item.setCheckState(Qt.CheckState.Checked if row.code in confirmed or row.confirmed or own
                                       else Qt.CheckState.Unchecked)
                    item.setToolTip("Tick once the profile's amounts for this code are checked against the current "
                                    "rate table and the plans' contracts")
                    if own:
                        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                        item.setToolTip("The agency's own amount counts as confirmed")
                if column == 5:
                    item.setToolTip(row.provenance)
                self.amounts.setItem(number, column, item)

    # ---- saving -----------------------------------------------------------------------------------
    def _form_values(self, *, with_amounts: bool = True) -> dict[str, Any]:
        values: dict[str, Any] = {
            "billing_profile": self.profile.currentData(),
            "billing_region": self.region.currentData() or "",
            "outreach_rate_code": self.outreach_code.text().strip(),
            "aot_rate_code": self.aot_code.text().strip(),
            "hcpcs_code": self.hcpcs_code.text().strip().upper(),
            "hcpcs_modifiers": self.hcpcs_modifiers.text().strip().upper(),
            "care_plan_grace_days": self.grace_days.value(),
            "claim_test_file": self.test_file.isChecked(),
            "interchange_control_number": self.interchange.value(),
            "group_control_number": self.group.value(),
        }
        for key, editor in self.texts.items():
            values[key] = editor.text().strip()
        if with_amounts:
            typed = self._typed_amounts()
            outreach = values["outreach_rate_code"]
            values["outreach_amount"] = typed.pop(outreach, "") if outreach else ""
            aot = values["aot_rate_code"]
            values["aot_amount"] = typed.pop(aot, "") if aot else ""
            values["rate_amounts"] = typed
            values["confirmed_rates"] = self._ticked_confirmations()
        return values

    def amount_problems(self) -> list[str]:
        problems = []
        for code, text in self._typed_amounts().items():
            try:
                amount = Decimal(text)
            except InvalidOperation:
                amount = Decimal(-1)
            if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
                problems.append(f"The amount for {code} must be like 202.00.")
        return problems

    def is_dirty(self) -> bool:
        if self._loaded is None:
            return False
        return bool(self._changes())

    def _changes(self) -> dict[str, Any]:
        stored = (self._loaded or settings.Settings()).as_dict()
        return {key: value for key, value in self._form_values().items() if value != stored[key]}

    def save(self) -> bool:
        problems = self.amount_problems()
        if problems:
            self.message.show_error(problems[0])
            return False
        changes = self._changes()
        if not changes:
            self.message.show_ok("Nothing to save: the billing settings are as stored.")
            return True
        with user_errors(self.message.show_error, "saving billing settings") as attempt:
            billing.save_billing_settings(self.app, changes)
        if attempt.failed:
            return False
        self.reload()
        self.message.show_ok("Billing settings saved.")
        if self._saved is not None:
            self._saved()
        return True
