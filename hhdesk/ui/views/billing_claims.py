"""Claims and payments (Billing section): what the payers said about the claims sent, and the clerk's list.

The tab shows the denied-and-unpaid work list (denied and rejected claims first, then those not answered or
not paid yet), or every claim of the chosen month. "Import 999 / 277CA / 835…" applies a payer's file (all of
it or nothing, see `services.claims`); "Replace claim…" and "Void claim…" write a corrected or cancelling
claim for the selected member-month to the payer of the original, one file per payer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import claims
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import report, user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.labels import role_label, set_role
from hhdesk.ui.widgets.text import format_date

HEADERS = ["Month", "Member", "Medicaid ID", "Payer", "Status", "What the payer said", "Billed", "Paid", "Sent",
           "Filing deadline", "Claim"]
WIDTHS = [70, 170, 96, 70, 190, 380, 80, 80, 90, 105, 130]
DETAIL_COLUMN = 5


def _money(value: Any) -> str:
    return "" if value is None else f"${value:,.2f}"


class ClaimsTab(QWidget):
    def __init__(self, app: Any, host: SectionHost, month: Callable[[], ServiceMonth],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.host = host
        self.month = month
        self.views: list[claims.ClaimView] = []
        self.last_job: Any = None

        self.import_button = QPushButton("&Import 999 / 277CA / 835…")
        self.import_button.setToolTip("Apply a payer's acknowledgement (999, 277CA) or remittance (835) to the "
                                      "claims sent; a file that does not validate changes nothing")
        self.import_button.clicked.connect(self.choose_import)
        self.replace_button = QPushButton("Re&place claim…")
        self.replace_button.setToolTip("Send the selected member-month again as it stands now (frequency 7), "
                                       "replacing the claim the payer has")
        self.replace_button.clicked.connect(lambda: self.correct("replace"))
        self.void_button = QPushButton("&Void claim…")
        self.void_button.setToolTip("Cancel the claim the payer has for the selected member-month (frequency 8)")
        self.void_button.clicked.connect(lambda: self.correct("void"))
        self.month_only = QCheckBox("Every claim of the chosen month (not only the work list)")
        self.month_only.toggled.connect(lambda _on: self.refresh())
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.replace_button)
        buttons.addWidget(self.void_button)

        self.table = ListTable(HEADERS, WIDTHS)
        self.table.setAccessibleName("Denied and unpaid claims")
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.table.itemDoubleClicked.connect(lambda _item: self._open_member())
        self.summary = role_label("", "muted")
        self.detail = role_label("Select a claim to see everything the payer said about it.", "muted")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(role_label(
            "Denied and unpaid: work from the top. A denied claim says why in the payer's codes, put in words; "
            "fix the record, then replace the claim (or void it). Import each 999, 277CA and 835 the payers send.",
            "muted"))
        layout.addLayout(buttons)
        layout.addWidget(self.month_only)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.detail)

    # ---- showing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        with user_errors(self.summary.setText, "claims") as attempt:  # shown where the list would be
            if self.month_only.isChecked():
                self.views = claims.claims_of_month(self.app, self.month())
            else:
                self.views = claims.unpaid_claims(self.app)
        if attempt.failed:
            self.views = []
            set_role(self.summary, "error")
            self.table.set_rows([])
            return
        rows = [[view.service_month, view.member_name, view.medicaid_id, view.payer_code, view.status_words,
                 view.status_detail, _money(view.amount), _money(view.paid_amount), format_date(view.sent_at.date()),
                 format_date(view.filing_deadline) if view.filing_deadline else "", view.claim_id]
                for view in self.views]
        self.table.set_rows(rows, keys=[view.id for view in self.views])
        for number, view in enumerate(self.views):
            item = self.table.item(number, DETAIL_COLUMN)
            if item is not None and view.status_detail:
                item.setToolTip(view.status_detail)
        open_claims = sum(1 for view in self.views if view.status in ("denied", "rejected"))
        if self.month_only.isChecked():
            latest: dict[tuple[str, str], claims.ClaimView] = {}
            for view in self.views:  # newest first: a member-month's latest claim to each payer
                latest.setdefault((view.medicaid_id, view.payer_code), view)
            counts: dict[str, int] = {}
            for view in latest.values():
                counts[view.status_words] = counts.get(view.status_words, 0) + 1
            what = (f"{len(self.views):,} claims of {self.month()} for {len(latest):,} member-months: "
                    + ", ".join(f"{words} {count:,}" for words, count in sorted(counts.items())))
        else:
            what = f"{len(self.views):,} claims not paid yet, {open_claims:,} of them denied or rejected"
        self.summary.setText(what)
        set_role(self.summary, "error" if open_claims else "muted")
        self._show_detail()

    def clear_for_lock(self) -> None:
        self.views = []
        self.table.set_rows([])
        self.summary.setText("")

    def selected(self) -> claims.ClaimView | None:
        key = self.table.selected_key()
        return next((view for view in self.views if view.id == key), None)

    def select_claim(self, claim_id: str) -> bool:
        for number, view in enumerate(self.views):
            if view.claim_id == claim_id:
                self.table.selectRow(number)
                return True
        return False

    def _show_detail(self) -> None:
        view = self.selected()
        if view is None:
            self.detail.setText("Select a claim to see everything the payer said about it.")
            set_role(self.detail, "muted")
            return
        lines = [f"{view.member_name or view.medicaid_id}, {view.service_month}, {view.payer_code}: "
                 f"{view.status_words}. Billed {_money(view.amount)}"
                 + (f", paid {_money(view.paid_amount)}" if view.paid_amount is not None else "") + "."]
        if view.status_detail:
            lines.append(view.status_detail)
        if view.payer_claim_number:
            lines.append(f"Payer's claim number: {view.payer_claim_number}")
        lines.append(f"Sent in {view.file_name}")
        self.detail.setText("\n".join(lines))
        set_role(self.detail, "error" if view.status in ("denied", "rejected") else "")

    def _open_member(self) -> None:
        view = self.selected()
        if view is not None and view.member_id is not None:
            self.host.open_member(view.member_id, tab="enrolment")

    # ---- importing ----------------------------------------------------------------------------------
    def choose_import(self) -> None:
        path = common.ask_open_path(self, "Import a payer's file", Path.home(),
                                    "X12 files (*.x12 *.999 *.277 *.835 *.edi *.txt);;All files (*)")
        if path is not None:
            self.start_import(path)

    def start_import(self, path: Path) -> None:
        def job(progress: workers.Progress) -> claims.ImportResult:
            progress.report(0, 1, "Validating the file")
            return claims.import_response(self.app, path)

        self.last_job = workers.run_in_background(self, "Importing the payer's file", job, self._imported,
                                                  self._failed)

    def _imported(self, result: claims.ImportResult) -> None:
        self.refresh()
        self.host.show_status(f"Imported a {result.kind}: {result.matched} claims matched")
        common.inform(self, f"{result.kind} imported", "\n".join(result.lines()))

    def _failed(self, exc: BaseException) -> None:
        common.inform(self, "Nothing was changed", report(exc, "importing a payer's file"))

    # ---- corrections --------------------------------------------------------------------------------
    def correct(self, kind: str) -> None:
        view = self.selected()
        if view is None:
            common.inform(self, "Choose a claim", "Select the member-month's claim in the list first.")
            return
        number = view.payer_claim_number
        if not number:
            number = common.ask_text(
                self, "Payer's claim number",
                "The payer's claim number of the original claim is not on file yet (it comes with the 277CA or "
                "835). Type it from the payer's remittance:") or ""
            if not number:
                return
        verb = "replacement" if kind == "replace" else "void"
        month = ServiceMonth.parse(view.service_month)
        suggested = Path.home() / f"billing-{view.service_month}-{verb}.x12"
        path = common.ask_save_path(self, f"Write the {verb} claim", suggested, "X12 claim files (*.x12 *.837)")
        if path is None:
            return

        def job(progress: workers.Progress) -> Any:
            progress.report(0, 1, f"Writing the {verb} claim")
            return claims.correct_claims(self.app, month,
                                         [claims.ClaimCorrection(view.medicaid_id, kind, number)], path)

        self.last_job = workers.run_in_background(self, f"Writing the {verb} claim", job, self._corrected,
                                                  lambda exc: common.inform(self, "No claim written",
                                                                            report(exc, "correcting a claim")))

    def _corrected(self, outcome: Any) -> None:
        self.refresh()
        files = "\n".join(run.file_name for run in outcome.runs)
        common.inform(self, "Claim written", f"Send this file to the payer:\n{files}")
