"""The Billing section: preview a month (every member-month, billable or not, and why), export it, and see
the exports made so far. Admins also get the billing settings here.

A clerk's month-end loop: pick the month, tick "Not billable only", double-click a member whose consent is
missing (the chart opens on its Enrolment tab), record the consent there, come back and Refresh: the row is
billable. Then Export… writes the file off the UI thread and the run appears under Export history.

The preview is computed by `services.billing.preview` on a worker thread; the table holds that answer only
(filtering and sorting happen in a proxy over it, as the rows are already in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import BillingReason
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.exports.tables import Workbook
from hhdesk.services import billing, billing_facts
from hhdesk.services.billing import BillingPreview, BillingPreviewRow, BillingRunInfo, ExportFormat
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.ui import list_export, workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import report, user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.shortcuts import bind_shortcut
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fitted_columns import fit_columns
from hhdesk.ui.widgets.flow_layout import FlowLayout, captioned
from hhdesk.ui.widgets.labels import role_label, set_role
from hhdesk.ui.widgets.text import display_name, format_date, tier_label

_AnyIndex = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
MONTHS_OFFERED = 36
REASON_MIN_WIDTH = 160  # on a narrow screen the other columns give way first; the line under the table has it all
NARROW_COLUMN = 44  # a laptop at 150 %: figures and yes/no still read, titles are elided (their tooltips say them)

_GREEN = QBrush(QColor("#1e6b3a"))
_RED = QBrush(QColor("#b3261e"))
_AMBER = QBrush(QColor("#8a5a00"))
_MUTED = QBrush(QColor("#7a8790"))

_LIMITS = billing_facts.outreach_limits()
# What to do about each reason, for the tooltip of the reason cell.
REASON_HINTS: dict[BillingReason, str] = {
    BillingReason.NO_SEGMENT: "The member has no outreach or enrolled segment in this month.",
    BillingReason.NO_CORE_SERVICE: (
        "No contact dated in the month carried a core service in a mode that counts (enrolled: in person, "
        "phone, video or collateral; outreach: any but mail). The care manager records the month's contacts."),
    BillingReason.NO_CONSENT: (
        "Double-click to open the member, record the signed consent on the Enrolment tab (dated on or before "
        "the month's last day), then Refresh."),
    BillingReason.NO_CARE_PLAN: (
        "Enrolled longer than the grace period with no care plan signed by the month's last day. The care "
        "manager signs the plan with the member; then Refresh."),
    BillingReason.OUTREACH_LIMIT: (
        f"Outreach bills at most {_LIMITS.in_a_row} months in a row, counting months another Health Home billed; "
        "this month cannot be billed."),
    BillingReason.OUTREACH_NEEDS_FACE_TO_FACE: (
        "The month before was billed as outreach (here or by another Health Home), so this month needs an "
        "in-person meeting with the member or the parent, guardian or legal representative. An in-person "
        "meeting with a provider does not count."),
    BillingReason.OUTREACH_LIMIT_12M: (
        f"Outreach bills at most {_LIMITS.in_rolling_months} months in any rolling {_LIMITS.rolling_months} months, "
        "this month included, counting months another Health Home billed; "
        f"{_LIMITS.in_rolling_months} of the {_LIMITS.rolling_months - 1} months before are already counted."),
    BillingReason.OUTREACH_BILLED_ELSEWHERE: (
        "Another Health Home or care management agency billed outreach for this person this month (recorded on "
        "the Enrolment tab under Billing facts). Outreach follows the person, so the month cannot bill here."),
    BillingReason.CHILD_MINIMUM_NOT_MET: (
        "High and medium acuity need 2 core services in the month on different days, one of them face to face "
        "with the child or family; low acuity needs 1. Below that the month does not bill."),
    BillingReason.NO_RATE_CODE: (
        "Outreach: an administrator sets the outreach rate code under Billing settings. Enrolled: record the "
        "member's tier on the Enrolment tab."),
    BillingReason.NO_PAYER: (
        "Double-click to open the member and record their Medicaid plan (or fee-for-service) on the Enrolment "
        "tab, from the date it pays; then Refresh."),
}
LATE_HINT = ("The payer's filing limit for this month has passed: the claim may be denied (CARC 29). The export "
             "asks why it is sent late, e.g. a retroactive eligibility decision.")
NOTE_HINT = ("Below the Health Home Plus minimum of the agency's billing profile the month bills at the high "
             "risk/need code.")
NO_DIAGNOSIS_TEXT = "Billable; no diagnosis code on file for the claim"
NO_DIAGNOSIS_HINT = ("A claim needs an ICD-10-CM diagnosis: the care manager records the member's condition with "
                     "its code. The claim export stops until then.")


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    tooltip: str = ""
    numeric: bool = False


COLUMNS: list[Column] = [
    Column("Row", 46, "The row's number in the preview; claim-file messages name rows by it", numeric=True),
    Column("Medicaid ID", 96),
    Column("Name", 180),
    Column("Segment", 76),
    Column("Tier", 112),
    Column("Contacts", 72, "Qualifying contacts: dated in the month, with a core service, in a mode that counts",
           numeric=True),
    Column("In person", 74, "Of the qualifying contacts, how many were face to face: in person with the member "
           "(for outreach and children, also the parent, guardian or family); not with a provider", numeric=True),
    Column("Core services", 108, "Core services the qualifying contacts delivered"),
    Column("Billable", 66),
    Column("Rate code", 76),
    Column("Amount", 80, numeric=True),
    Column("Payer", 70, "The member's Medicaid plan or fee-for-service for the month; its claim file goes to it"),
    Column("Reason or note", REASON_MIN_WIDTH, "Why the month does not bill, or a note on how it bills; "
           "point at a reason for what to do"),
]
(ROW, MEDICAID_ID, NAME, SEGMENT, TIER, CONTACTS, IN_PERSON, SERVICES, BILLABLE, RATE, AMOUNT, PAYER,
 REASON) = range(13)
HISTORY_SHA256, HISTORY_REASON, HISTORY_FILE = 8, 9, 11
SHA_SHOWN = 16  # hex digits in the table; the line under it has all 64


def header_width(view: QWidget, title: str, *, sortable: bool = False) -> int:
    """Room for a column title in the style sheet's bold header font, its padding, and a sort arrow."""
    font = QFont(view.font())
    font.setWeight(QFont.Weight.DemiBold)
    return QFontMetrics(font).horizontalAdvance(title) + 20 + (16 if sortable else 0)


def fit_headers(table: ListTable) -> None:
    header = table.horizontalHeader()
    for number in range(table.columnCount()):
        item = table.horizontalHeaderItem(number)
        if item is not None:
            header.resizeSection(number, max(header.sectionSize(number), header_width(table, item.text())))


def money(amount: Decimal | None) -> str:
    return "" if amount is None else f"${amount:,.2f}"


def month_label(month: ServiceMonth) -> str:
    return month.first_day.strftime("%B %Y")


class BillingPreviewModel(QAbstractTableModel):
    """The rows of one preview. `show` replaces them; `clear` forgets them (lock)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.preview: BillingPreview | None = None
        self.rows: list[BillingPreviewRow] = []

    def show(self, preview: BillingPreview) -> None:
        self.beginResetModel()
        self.preview, self.rows = preview, preview.rows
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.preview, self.rows = None, []
        self.endResetModel()

    def row_at(self, row: int) -> BillingPreviewRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of_member(self, member_id: int) -> int | None:
        for number, item in enumerate(self.rows):
            if item.member_id == member_id:
                return number
        return None

    # ---- Qt's model interface ---------------------------------------------------------------------
    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section].tooltip or None
        return None

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index.row(), item, column)
        if role == SORT_ROLE:
            return self._sort_value(index.row(), item, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[column].numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == BILLABLE:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def reason_cell(self, item: BillingPreviewRow) -> str:
        if item.reason_text:
            return item.reason_text
        if item.billable and not item.diagnosis_codes:
            return NO_DIAGNOSIS_TEXT
        if item.billable and item.past_filing_limit and item.filing_deadline is not None:
            return f"Billable; past the payer's filing limit (due by {format_date(item.filing_deadline)})"
        return ""

    def _text(self, number: int, item: BillingPreviewRow, column: int) -> str:
        match column:
            case 0:
                return str(number + 1)
            case 1:
                return item.medicaid_id
            case 2:
                return display_name(item.last_name, item.first_name, item.preferred_name)
            case 3:
                return item.segment.value.capitalize() if item.segment else ""
            case 4:
                return tier_label(item.tier.value) if item.tier else ""
            case 5:
                return str(item.qualifying_contacts)
            case 6:
                return str(item.in_person_contacts)
            case 7:
                return ", ".join(item.core_services)
            case 8:
                return "Yes" if item.billable else "No"
            case 9:
                return item.rate_code or ""
            case 10:
                if item.billable and item.amount is not None and not item.amount_confirmed:
                    return money(item.amount) + " *"
                return money(item.amount)
            case 11:
                return item.payer_code
            case 12:
                return self.reason_cell(item)
        return ""

    def _sort_value(self, number: int, item: BillingPreviewRow, column: int) -> Any:
        match column:
            case 0:
                return number
            case 5:
                return item.qualifying_contacts
            case 6:
                return item.in_person_contacts
            case 10:
                return float(item.amount or 0)
            case 2:
                return f"{item.last_name.casefold()} {item.first_name.casefold()}"
        return self._text(number, item, column).casefold()

    def _colour(self, item: BillingPreviewRow, column: int) -> QBrush | None:
        if column == AMOUNT and item.billable and not item.amount_confirmed:
            return _AMBER
        if column == BILLABLE:
            return _GREEN if item.billable else _RED
        if column == REASON:
            if not item.billable:
                return _RED
            return _AMBER
        if column in (RATE, AMOUNT) and not item.billable:
            return _MUTED
        if column == PAYER and item.billable and item.past_filing_limit:
            return _AMBER
        return None

    def _tooltip(self, item: BillingPreviewRow, column: int) -> str | None:
        if column == AMOUNT and item.billable:
            state = "Confirmed by the agency." if item.amount_confirmed else (
                "Not confirmed by the agency: an administrator confirms it under Billing settings, Rates.")
            return f"{state}\nSource: {item.rate_source}"
        if column == REASON:
            hint = None
            minimums = self.preview.minimums if self.preview is not None else {}
            if item.reason is BillingReason.CHILD_MINIMUM_NOT_MET and item.tier is not None:
                hint = minimums.get(item.tier.value) or REASON_HINTS.get(item.reason)
            elif item.reason is not None:
                hint = REASON_HINTS.get(item.reason)
            elif item.note:
                population = item.evaluation.hh_plus_population
                hint = (f"{minimums[population]}; below that the month bills at the high risk/need code."
                        if population in minimums else NOTE_HINT)
            elif not item.diagnosis_codes:
                hint = NO_DIAGNOSIS_HINT
            elif item.past_filing_limit:
                hint = LATE_HINT
            return f"{self.reason_cell(item)}\n\n{hint}" if hint else None
        if column == PAYER:
            if not item.payer_code:
                return "No payer recorded for the month"
            deadline = (f"\nClaims for the month are due by {format_date(item.filing_deadline)}"
                        if item.filing_deadline else "")
            return f"{item.payer_name} ({item.payer_code}){deadline}"
        if column in (MEDICAID_ID, NAME):
            parts = ["Double-click to open the member on the Enrolment tab"]
            if item.care_manager_name:
                parts.append(f"Care manager: {item.care_manager_name}")
            if item.consent_date:
                parts.append(f"Consent: {format_date(item.consent_date)}")
            if item.care_plan_date:
                parts.append(f"Care plan signed: {format_date(item.care_plan_date)}")
            return "\n".join(parts)
        return None


class PreviewFilter(QSortFilterProxyModel):
    """'Not billable only' and one reason; sorting by the model's SORT_ROLE."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.not_billable_only = False
        self.reason: BillingReason | None = None

    def set_filter(self, not_billable_only: bool, reason: BillingReason | None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 and later
            self.beginFilterChange()
            self.not_billable_only, self.reason = not_billable_only, reason
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.not_billable_only, self.reason = not_billable_only, reason
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, BillingPreviewModel)
        item = model.row_at(source_row)
        if item is None:
            return False
        if self.not_billable_only and item.billable:
            return False
        return self.reason is None or item.reason is self.reason


class BillingView(QWidget):
    """Month picker, preview table with filters and totals, Export…, history, and (admins) billing settings."""

    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.model = BillingPreviewModel(self)
        self.proxy = PreviewFilter(self)
        self.proxy.setSourceModel(self.model)
        self.history_runs: list[BillingRunInfo] = []
        self.last_job: Any = None
        self._requested: ServiceMonth | None = None
        self._columns_fitted = False

        # ---- the month and the actions -------------------------------------------------------------
        self.month = QComboBox()
        self.month.setAccessibleName("Service month")
        self.month.setMinimumWidth(230)
        this_month = ServiceMonth.of(self.app.clock.today())
        for back in range(MONTHS_OFFERED + 1):
            month = this_month.shift(-back)
            text = month_label(month) + (" (this month, so far)" if back == 0 else "")
            self.month.addItem(text, str(month))
        self.month.setCurrentIndex(1)  # last month: the one usually billed
        self.month.currentIndexChanged.connect(lambda _i: self.run_preview())
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Work the month out again from the records (F5), e.g. after recording "
                                       "a consent")
        self.refresh_button.clicked.connect(self.run_preview)
        bind_shortcut("billing.refresh", self, self.run_preview)
        self.import_button = QPushButton("Import months billed elsewhere…")
        self.import_button.setToolTip("Record outreach months another Health Home or agency billed, from a CSV "
                                      "file (they count in the outreach limits)")
        self.import_button.clicked.connect(self.open_import_dialog)
        self.export_button = QPushButton("&Export…")
        self.export_button.setToolTip("Write the month's billing file (CSV, billing support or claim file)")
        self.export_button.clicked.connect(self.open_export_dialog)
        self.export_list_button = QPushButton("Export &list…")
        self.export_list_button.setToolTip("Save the preview as shown (filters and order) and its totals as an "
                                           "Excel workbook (.xlsx) or CSV, to work on; not a billing file")
        self.export_list_button.clicked.connect(self.export_list)
        top = FlowLayout(spacing=8)  # wraps on a narrow screen instead of widening the window
        top.addWidget(captioned("Month:", self.month))
        top.addWidget(self.refresh_button)
        top.addWidget(self.import_button)
        top.addWidget(self.export_list_button)
        top.addWidget(self.export_button)

        self.profile_label = role_label("", "muted")
        self.exported_label = role_label("")
        self.settings_label = role_label("", "error")
        self.settings_label.hide()

        # ---- the preview tab --------------------------------------------------------------------------
        self.not_billable_only = QCheckBox("&Not billable only")
        self.not_billable_only.setToolTip("Show only the member-months that will not bill, to fix before "
                                          "month end")
        self.not_billable_only.toggled.connect(self._apply_filter)
        self.reason_filter = QComboBox()
        self.reason_filter.setAccessibleName("Reason")
        self.reason_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reason_filter.setMinimumContentsLength(40)  # the reasons are sentences: the list shows them whole
        self.reason_filter.addItem("Any reason", None)
        self.reason_filter.currentIndexChanged.connect(self._apply_filter)
        self.count_label = role_label("", "muted", wrap=False)
        filters = FlowLayout(spacing=12)
        filters.addWidget(self.not_billable_only)
        filters.addWidget(captioned("Reason:", self.reason_filter))
        filters.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ROW, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setAccessibleName("Member-months")
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        for number in range(len(COLUMNS)):
            header.setSectionResizeMode(number, QHeaderView.ResizeMode.Interactive)
        # The reason takes the room left; on a narrow screen the other columns shrink before it does.
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, minimum=NARROW_COLUMN, stretched_minimum=REASON_MIN_WIDTH)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())

        self.totals_table = ListTable(["Rate code", "Billed for", "Member-months", "Amount"], [88, 150, 120, 110])
        self.totals_table.setAccessibleName("Billable by rate code")
        self.reasons_table = ListTable(["Reason", "Member-months"], [400, 120])
        self.reasons_table.setAccessibleName("Not billable by reason")
        self.reasons_table.setToolTip("Click a reason to list its member-months")
        self.reasons_table.itemSelectionChanged.connect(self._reason_clicked)
        for table in (self.totals_table, self.reasons_table):
            table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            table.horizontalHeader().setStretchLastSection(False)
            table.horizontalHeader().setSectionResizeMode(1 if table is self.totals_table else 0,
                                                          QHeaderView.ResizeMode.Stretch)
        self._fit_totals_height(4)
        totals = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(role_label("Billable, by rate code", "subheading"))
        left.addWidget(self.totals_table)
        right.addWidget(role_label("Not billable, by reason", "subheading"))
        right.addWidget(self.reasons_table)
        totals.addLayout(left, 4)
        totals.addSpacing(16)
        totals.addLayout(right, 5)

        preview_page = QWidget()
        preview_layout = QVBoxLayout(preview_page)
        preview_layout.setContentsMargins(0, 8, 0, 0)
        preview_layout.addLayout(filters)
        self.filing_label = role_label("", "error")
        self.filing_label.setAccessibleName("Filing limit warnings")
        self.filing_label.hide()
        preview_layout.addWidget(self.filing_label)
        self.detail_label = role_label("Select a row to see why it bills or not, and what to do.", "muted")
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The member-months over the summaries, in a splitter: on a laptop screen the list keeps most of the
        # height, and the user can drag the summaries smaller or larger.
        summaries = QWidget()
        summaries_layout = QVBoxLayout(summaries)
        summaries_layout.setContentsMargins(0, 0, 0, 0)
        summaries_layout.addWidget(self.detail_label)
        summaries_layout.addLayout(totals)
        self.preview_splitter = QSplitter(Qt.Orientation.Vertical)
        self.preview_splitter.addWidget(self.table)
        self.preview_splitter.addWidget(summaries)
        self.preview_splitter.setStretchFactor(0, 1)
        self.preview_splitter.setStretchFactor(1, 0)
        self.preview_splitter.setChildrenCollapsible(False)
        preview_layout.addWidget(self.preview_splitter, 1)

        # ---- the history tab --------------------------------------------------------------------------
        self.history_table = ListTable(
            ["Month", "Format", "Exported by", "When", "Member-months", "Billable", "Total", "Control numbers",
             "SHA-256", "Reason for exporting again", "Payer", "File"],
            [74, 110, 105, 135, 120, 76, 110, 130, 190, 280, 70, 200])
        self.history_table.setAccessibleName("Export history")
        self.history_table.setWordWrap(False)
        self.history_month_only = QCheckBox("Only the chosen month")
        self.history_month_only.toggled.connect(lambda _on: self._show_history())
        history_page = QWidget()
        history_layout = QVBoxLayout(history_page)
        history_layout.setContentsMargins(0, 8, 0, 0)
        history_layout.addWidget(role_label(
            "Every export is recorded with who made it, when, and the file's SHA-256, so a month is not "
            "billed twice by accident. Compare a file's SHA-256 with the one here to be sure it is the same file.",
            "muted"))
        history_layout.addWidget(self.history_month_only)
        history_layout.addWidget(self.history_table, 1)
        self.run_detail = role_label("Select an export to see its file's full SHA-256 and where it was saved.",
                                     "muted")
        self.run_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        history_layout.addWidget(self.run_detail)
        self.history_table.itemSelectionChanged.connect(self._show_run_detail)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(preview_page, "Preview")
        self.tabs.addTab(history_page, "Export history")
        from hhdesk.ui.views.billing_claims import ClaimsTab

        self.claims_tab = ClaimsTab(self.app, self.host, self.selected_month, self)
        self.tabs.addTab(self.claims_tab, "Claims and payments")
        self.settings_tab: QWidget | None = None
        if self.app.actor.can(Permission.MANAGE_SETTINGS):
            from hhdesk.ui.views.billing_settings import BillingSettingsTab

            self.settings_tab = BillingSettingsTab(self.app, saved=self._settings_saved)
            self.tabs.addTab(self.settings_tab, "Billing settings")
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 10)
        layout.setSpacing(8)
        layout.addWidget(role_label("Billing", "heading"))
        layout.addLayout(top)
        layout.addWidget(self.profile_label)
        layout.addWidget(self.exported_label)
        layout.addWidget(self.settings_label)
        layout.addWidget(self.tabs, 1)

        self.run_preview()

    # ---- section protocol -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Shown again (or unlocked): records may have changed since, so work the month out again."""
        self.run_preview()

    def clear_for_lock(self) -> None:
        if self.last_job is not None:
            self.last_job.cancel()
        self._requested = None
        self.model.clear()
        self.totals_table.set_rows([])
        self.reasons_table.set_rows([])
        self.history_table.set_rows([])
        self.claims_tab.clear_for_lock()
        self.filing_label.hide()
        self.count_label.setText("")
        self.exported_label.setText("")
        if self.settings_tab is not None and hasattr(self.settings_tab, "clear_for_lock"):
            self.settings_tab.clear_for_lock()

    # ---- preview ----------------------------------------------------------------------------------
    def selected_month(self) -> ServiceMonth:
        return ServiceMonth.parse(self.month.currentData())

    def run_preview(self) -> None:
        month = self.selected_month()
        if self.last_job is not None and getattr(self.last_job, "running", False):
            self.last_job.cancel()
        self._requested = month
        self.refresh_button.setEnabled(False)

        def job(progress: workers.Progress) -> BillingPreview:
            def step(done: int, total: int, text: str) -> None:
                progress.check()
                progress.report(done, total, text)
            return billing.preview(self.app, month, progress=step)

        self.last_job = workers.run_in_background(self, f"Previewing {month_label(month)}", job,
                                                  self._preview_ready, self._preview_failed)
        self._load_history()

    def _preview_ready(self, preview: BillingPreview) -> None:
        if preview.service_month != self._requested:
            return  # the user chose another month meanwhile; that preview is on its way
        self.refresh_button.setEnabled(True)
        selected = self.selected_member_id()
        self.model.show(preview)
        self._fill_reason_filter(preview)
        self._fill_totals(preview)
        kind = "institutional claim (837I)" if preview.claim_type.value == "837I" else "professional claim (837P)"
        self.profile_label.setText(
            f"{preview.profile_title}; {preview.region} rates; claims on the {kind}. "
            f"{len(preview.rows):,} members had a segment in {month_label(preview.service_month)}.")
        self._update_count()
        self._check_claim_settings()
        warnings = preview.filing_warnings()
        self.filing_label.setText(("Past the filing limit: " + "; ".join(warnings)
                                   + ". The claim export will ask why they are sent late.") if warnings else "")
        self.filing_label.setVisible(bool(warnings))
        if selected is not None:
            self.select_member(selected)
        # Reselecting the same row emits no selection change: the line under the table is written anew here,
        # or it would go on saying "does not bill" about a row that now bills.
        self._show_detail()

    def _preview_failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.model.clear()
        self.totals_table.set_rows([])
        self.reasons_table.set_rows([])
        self._update_count()
        self.profile_label.setText("")
        set_role(self.settings_label, "error")
        self.settings_label.setText(report(exc, "billing preview"))
        self.settings_label.show()

    def _fill_reason_filter(self, preview: BillingPreview) -> None:
        previous = self.reason_filter.currentData()
        self.reason_filter.blockSignals(True)
        self.reason_filter.clear()
        self.reason_filter.addItem("Any reason", None)
        for reason, count in preview.not_billable.items():
            self.reason_filter.addItem(f"{billing.reason_text(reason)}: {count:,}", reason)
        position = self.reason_filter.findData(previous) if previous is not None else 0
        self.reason_filter.setCurrentIndex(max(position, 0))
        self.reason_filter.blockSignals(False)
        self._apply_filter()

    def _fill_totals(self, preview: BillingPreview) -> None:
        rows = [[total.rate_code, preview.code_labels.get(total.rate_code, ""), f"{total.count:,}",
                 (money(total.amount) if total.amount is not None else "amount not set")
                 + (" *" if total.unconfirmed else "")]
                for total in preview.totals]
        rows.append(["Total", "", f"{preview.billable_count:,}", money(preview.total_amount)])
        self.totals_table.set_rows(rows, muted=[False] * len(preview.totals) + [True])
        reason_rows = [[billing.reason_text(reason), f"{count:,}"] for reason, count in preview.not_billable.items()]
        keys: list[object] = list(preview.not_billable)
        for note, count in preview.notes.items():
            reason_rows.append([f"Billable with a note: {billing.reason_text(None, note)}", f"{count:,}"])
            keys.append(None)
        if preview.unconfirmed_count:
            reason_rows.append(["Billable at an amount the agency has not confirmed (* in the Amount column): "
                                "confirm under Billing settings", f"{preview.unconfirmed_count:,}"])
            keys.append(None)
        missing = preview.billable_without_diagnosis
        if missing:
            reason_rows.append([f"{NO_DIAGNOSIS_TEXT}", f"{missing:,}"])
            keys.append(None)
        if not reason_rows:
            reason_rows = [["Every member-month is billable.", ""]]
            keys = [None]
        self.reasons_table.blockSignals(True)
        self.reasons_table.set_rows(reason_rows, keys=keys)
        self.reasons_table.blockSignals(False)
        for number, values in enumerate(reason_rows):
            item = self.reasons_table.item(number, 0)
            if item is not None:
                item.setToolTip(values[0])
        self._fit_totals_height(max(len(rows), len(reason_rows)))

    def _fit_totals_height(self, rows: int) -> None:
        """Both summary tables as tall as their rows (up to 7; more scroll), and never shorter than two rows
        when the splitter above them is dragged down."""
        shown = min(max(rows, 3), 7)
        for table in (self.totals_table, self.reasons_table):
            header = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
            table.setMaximumHeight(header + shown * table.verticalHeader().defaultSectionSize())
            table.setMinimumHeight(header + 2 * table.verticalHeader().defaultSectionSize())

    def _fit_columns(self) -> None:
        """Column widths from the header titles in the font the style sheet gives them (known once shown)."""
        header = self.table.horizontalHeader()
        for number, column in enumerate(COLUMNS):
            header.resizeSection(number, max(column.width, header_width(self.table, column.title,
                                                                         sortable=number == ROW)))
        for table in (self.totals_table, self.reasons_table, self.history_table):
            fit_headers(table)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if not self._columns_fitted:
            self._columns_fitted = True
            self._fit_columns()
            QTimer.singleShot(0, self._share_preview_height)

    def _share_preview_height(self) -> None:
        """The summaries get the height their rows need, but never more than about a third: on a laptop the
        member-months keep most of the screen (the splitter between them can be dragged)."""
        total = sum(self.preview_splitter.sizes())
        if total <= 0:
            return
        summaries = min(self.preview_splitter.widget(1).sizeHint().height(), int(total * 0.36))
        self.preview_splitter.setSizes([total - summaries, summaries])

    def _apply_filter(self, *_args: object) -> None:
        data = self.reason_filter.currentData()
        reason = BillingReason(data) if data else None  # the combo hands the enum back as plain text
        if reason is not None and not self.not_billable_only.isChecked():
            self.not_billable_only.blockSignals(True)
            self.not_billable_only.setChecked(True)
            self.not_billable_only.blockSignals(False)
        only_not_billable = self.not_billable_only.isChecked()
        self.proxy.set_filter(only_not_billable, reason)
        for column in (BILLABLE, RATE, AMOUNT):  # empty or "No" on every row then: room for the reasons
            self.table.setColumnHidden(column, only_not_billable)
        self._update_count()

    def _reason_clicked(self) -> None:
        reason = self.reasons_table.selected_key()
        if reason:
            position = self.reason_filter.findData(reason)
            if position >= 0:
                self.reason_filter.setCurrentIndex(position)

    def _update_count(self) -> None:
        preview = self.model.preview
        if preview is None:
            self.count_label.setText("")
            return
        shown, total = self.proxy.rowCount(), len(preview.rows)
        self.count_label.setText(
            f"Showing {shown:,} of {total:,} member-months · {preview.billable_count:,} billable, "
            f"{preview.not_billable_count:,} not billable")

    # ---- members ----------------------------------------------------------------------------------
    def selected_member_id(self) -> int | None:
        indexes = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not indexes:
            return None
        item = self.model.row_at(self.proxy.mapToSource(indexes[0]).row())
        return item.member_id if item else None

    def select_member(self, member_id: int) -> bool:
        number = self.model.row_of_member(member_id)
        if number is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(number, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _show_detail(self) -> None:
        """The selected row's verdict in full, with what to do: the table's reason column may be cut short."""
        member_id = self.selected_member_id()
        number = self.model.row_of_member(member_id) if member_id is not None else None
        item = self.model.row_at(number) if number is not None else None
        if item is None:
            self.detail_label.setText("Select a row to see why it bills or not, and what to do.")
            set_role(self.detail_label, "muted")
            return
        name = display_name(item.last_name, item.first_name, item.preferred_name)
        if item.billable:
            verdict = f"bills at {item.rate_code} ({money(item.amount) or 'amount not set'})"
            if item.rate_source:
                verdict += f" — amount from {item.rate_source}"
        else:
            verdict = "does not bill"
        parts = [f"Row {number + 1}, {name}: {verdict}."]
        reason = self.model.reason_cell(item)
        if reason:
            parts.append(reason + ".")
        hint = self.model._tooltip(item, REASON)  # the same words as the tooltip
        if hint:
            parts.append(hint.split("\n\n", 1)[-1])
        facts = [f"consent {format_date(item.consent_date)}" if item.consent_date else "no consent in force",
                 f"care plan signed {format_date(item.care_plan_date)}" if item.care_plan_date
                 else "no signed care plan"]
        if item.care_manager_name:
            facts.append(f"care manager {item.care_manager_name}")
        parts.append("On file at month end: " + ", ".join(facts) + ".")
        if not (hint and "Double-click" in hint):
            parts.append("Double-click to open the member.")
        self.detail_label.setText(" ".join(parts))
        set_role(self.detail_label, "" if item.billable else "error")

    def visible_rows(self) -> list[BillingPreviewRow]:
        rows = []
        for number in range(self.proxy.rowCount()):
            item = self.model.row_at(self.proxy.mapToSource(self.proxy.index(number, 0)).row())
            if item is not None:
                rows.append(item)
        return rows

    def _open_index(self, index: QModelIndex) -> None:
        item = self.model.row_at(self.proxy.mapToSource(index).row())
        if item is None:
            return
        self.host.open_member(item.member_id, tab="enrolment", billing_month=self.selected_month())
        self.host.show_status("After fixing the member's record, click Refresh (F5) to see the month again.", 10_000)

    # ---- history ----------------------------------------------------------------------------------
    def _load_history(self) -> None:
        with user_errors(self.exported_label.setText, "billing history") as attempt:
            self.history_runs = billing.history(self.app)
        if attempt.failed:
            self.history_runs = []
            return
        self._show_history()

    def runs_of(self, month: ServiceMonth) -> list[BillingRunInfo]:
        return [run for run in self.history_runs if run.service_month == str(month)]

    def _show_history(self) -> None:
        month = self.selected_month()
        runs = self.runs_of(month) if self.history_month_only.isChecked() else self.history_runs
        rows = []
        for run in runs:
            control = (f"{run.interchange_control_number} / {run.group_control_number}"
                       if run.interchange_control_number is not None else "")
            rows.append([run.service_month, format_name(run.format), run.created_by,
                         run.created_local.strftime("%m/%d/%Y %H:%M"), f"{run.member_months:,}",
                         f"{run.billable_count:,}", money(run.total_amount), control,
                         run.sha256[:SHA_SHOWN] + "…", run.repeat_reason, run.payer_code,
                         Path(run.file_name).name])
        self.history_table.set_rows(rows, keys=[run.id for run in runs])
        for number, run in enumerate(runs):
            item = self.history_table.item(number, HISTORY_FILE)
            if item is not None:
                item.setToolTip(run.file_name)
            reason_item = self.history_table.item(number, HISTORY_REASON)
            if reason_item is not None and run.repeat_reason:
                reason_item.setToolTip(run.repeat_reason)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for number, run in enumerate(runs):
            item = self.history_table.item(number, HISTORY_SHA256)
            if item is not None:
                item.setFont(mono)
                item.setToolTip(run.sha256)
        self._show_run_detail()
        exported = self.runs_of(month)
        if exported:
            formats = sorted({format_name(run.format) for run in exported})
            last = exported[0]
            self.exported_label.setText(
                f"{month_label(month)} has been exported before: {', '.join(formats)} (last on "
                f"{format_date(last.created_local)} by {last.created_by}). See Export history.")
            set_role(self.exported_label, "error")
        else:
            self.exported_label.setText(f"{month_label(month)} has not been exported yet.")
            set_role(self.exported_label, "muted")

    def _show_run_detail(self) -> None:
        run_id = self.history_table.selected_key()
        run = next((run for run in self.history_runs if run.id == run_id), None)
        if run is None:
            self.run_detail.setText("Select an export to see its file's full SHA-256 and where it was saved.")
            set_role(self.run_detail, "muted")
            return
        lines = [f"{format_name(run.format)} of {run.service_month}, exported by {run.created_by} on "
                 f"{run.created_local:%m/%d/%Y at %H:%M}", f"File: {run.file_name}", f"SHA-256: {run.sha256}"]
        if run.repeat_reason:
            lines.append(f"Exported again because: {run.repeat_reason}")
        if run.payer_code:
            lines.append(f"Payer: {run.payer_code}" + (" (replacement and void claims)" if run.correction else ""))
        if run.late_reason:
            lines.append(f"Sent past the filing limit because: {run.late_reason}")
        self.run_detail.setText("\n".join(lines))
        set_role(self.run_detail, "")

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if widget is self.settings_tab and hasattr(widget, "refresh"):
            widget.refresh()
        if widget is self.claims_tab:
            self.claims_tab.refresh()

    def _check_claim_settings(self) -> None:
        with user_errors(None, "claim settings") as attempt:
            missing = billing.claim_settings_problems(self.app)
        if attempt.failed:
            missing = [attempt.message]
        if missing:
            who = ("fill them in on the Billing settings tab" if self.settings_tab is not None
                   else "an administrator fills them in under Billing settings")
            set_role(self.settings_label, "error")
            self.settings_label.setText(f"Claim files cannot be written yet; {who}: {', '.join(missing)}.")
            self.settings_label.show()
        else:
            self.settings_label.hide()

    def _settings_saved(self) -> None:
        self.host.settings_changed()
        self.run_preview()

    # ---- outreach months billed elsewhere -----------------------------------------------------------
    def open_import_dialog(self) -> QWidget:
        from hhdesk.ui.dialogs.billing_facts_dialogs import OutreachImportDialog

        dialog = OutreachImportDialog(self.app, self)
        dialog.finished.connect(lambda _result: self.run_preview())
        self.import_dialog = dialog
        dialog.open()
        return dialog

    # ---- export -----------------------------------------------------------------------------------
    def open_export_dialog(self) -> QWidget:
        from hhdesk.ui.dialogs.billing_export import ExportDialog

        with user_errors(lambda text: common.inform(self, "Export", text), "billing profile") as attempt:
            profile = billing.billing_profile(self.app)
        if attempt.failed:
            return self
        month = self.selected_month()
        preview = self.model.preview
        warnings = preview.filing_warnings() if preview is not None and preview.service_month == month else []
        dialog = ExportDialog(month, billing.recommended_claim_format(profile), self.runs_of(month), self,
                              late_warnings=warnings)
        dialog.chosen.connect(self._export_chosen)
        dialog.open()
        return dialog

    def _export_chosen(self, export_format: str, reason: str, late_reason: str = "") -> None:
        month = self.selected_month()
        suggested = Path.home() / billing.default_file_name(month, export_format)
        chosen = ExportFormat(export_format)
        filter_text = "CSV files (*.csv)" if chosen.claim_type is None else "X12 claim files (*.x12 *.837 *.txt)"
        path = common.ask_save_path(self, f"Export {month_label(month)}", suggested, filter_text)
        if path is None:
            return
        self.start_export(month, chosen, path, reason or None, late_reason or None)

    def start_export(self, month: ServiceMonth, export_format: ExportFormat, path: Path,
                     reason: str | None = None, late_reason: str | None = None) -> None:
        def job(progress: workers.Progress) -> billing.ExportOutcome:
            def step(done: int, total: int, text: str) -> None:
                progress.check()
                progress.report(done, total, text)
            return billing.export(self.app, month, export_format, path, reason=reason, progress=step,
                                  late_reason=late_reason)

        self.last_job = workers.run_in_background(
            self, f"Exporting {month_label(month)}", job, self._export_done, self._export_failed)

    def _export_done(self, outcome: billing.ExportOutcome) -> None:
        self._load_history()
        run = outcome.runs[0]
        claims = "claims" if ExportFormat(run.format).claim_type is not None else "billable member-months"
        self.host.show_status(f"Exported {run.service_month} as {format_name(run.format)}")
        files = "\n\n".join(
            (f"{run.payer_code}: " if run.payer_code else "") + f"{run.file_name}\n{run.billable_count:,} {claims}, "
            f"total {money(run.total_amount)}.\nSHA-256: {run.sha256}" for run in outcome.runs)
        where = "one file per payer" if len(outcome.runs) > 1 else "the file"
        common.inform(
            self, "Export done",
            f"{month_label(ServiceMonth.parse(run.service_month))} was exported as {format_name(run.format)}, "
            f"{where}:\n\n{files}")

    def _export_failed(self, exc: BaseException) -> None:
        common.inform(self, "Export not made", report(exc, "billing export"))


    def export_list(self) -> None:
        if self.model.preview is None:
            return
        month = self.selected_month()
        title = f"Billing preview {month}"
        filters = [ListFilter("Month", month_label(month))]
        if self.not_billable_only.isChecked():
            filters.append(ListFilter("Not billable only", "yes"))
        if self.reason_filter.currentData() is not None:
            filters.append(ListFilter("Reason", self.reason_filter.currentText()))

        def book() -> Workbook:
            return Workbook([list_export.table_from_view(self.table, title),
                             list_export.table_from_view(self.totals_table, "Billable by rate code"),
                             list_export.table_from_view(self.reasons_table, "Not billable by reason")])

        list_export.export_list(self, self.app, ListKind.BILLING_PREVIEW, title, book, filters,
                                status=self.host.show_status)


def format_name(value: str) -> str:
    return {"csv": "CSV", "billing-support": "Billing support", "837i": "837I claims",
            "837p": "837P claims"}.get(value, value)
