"""Admin > Audit log: who did what and when, filtered by member and date, and Verify for the hash chain."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.exports.tables import Workbook
from hhdesk.services import audit_seals, maintenance, members
from hhdesk.services.audit_seals import SealStatus
from hhdesk.services.list_exports import ListFilter, ListKind
from hhdesk.services.maintenance import AuditRow, VerifyReport
from hhdesk.ui import list_export, workers
from hhdesk.ui.errors import report, user_errors
from hhdesk.ui.sections import SectionHost
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.labels import MessageLabel, role_label

AUDIT_LIMIT = 1000


def local_time(at: str) -> str:
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%m/%d/%Y %I:%M:%S %p")


def describe_verify(result: VerifyReport) -> str:
    proved = "\n".join(maintenance.what_verify_proved(result))
    if result.ok:
        return "The store passed every check.\n" + proved
    parts = list(result.cipher_and_integrity[:5])
    if result.audit_problem:
        parts.append(f"Audit log: {result.audit_problem}.")
    parts += [f"Seal: {problem}." for problem in result.seal_problems[:3]]
    return ("The store failed a check: " + " ".join(parts) + " Restore a recent backup, or call for help.\n"
            + proved)


def describe_seal(status: SealStatus) -> str:
    if status.seal is None and not status.key_fingerprint:
        return ""  # an agency's server: the server keeps the log unchangeable, nothing is sealed
    if status.seal is None:
        text = "Not sealed yet: an administrator's login, a backup or Seal now seals the log."
    else:
        seal = status.seal
        text = (f"Last seal: events 1 to {seal.events:,}, {local_time(seal.at)} by {seal.by} ({seal.reason}), "
                f"kept in {status.source}.")
    if status.key_fingerprint:
        text += f" Sealing key {status.key_fingerprint}."
    if status.problems:
        text += " " + " ".join(f"Warning: {problem}." for problem in status.problems)
    return text


class AuditTab(QWidget):
    def __init__(self, host: SectionHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.app = host.app
        self.rows: list[AuditRow] = []
        self.shown_filter: tuple[str, date | None] = ("", None)
        self.medicaid_id = QLineEdit()
        self.medicaid_id.setPlaceholderText("Medicaid ID")
        self.medicaid_id.setToolTip("Only the events about this member")
        self.medicaid_id.setClearButtonEnabled(True)
        self.medicaid_id.setMaximumWidth(170)
        self.medicaid_id.returnPressed.connect(self.refresh)
        self.since_enabled = QCheckBox("Since:")
        today = self.app.clock.today()
        self.since = DateEdit(today - timedelta(days=30), today=today, name="Since")
        self.since.setEnabled(False)
        self.since_enabled.toggled.connect(self.since.setEnabled)
        self.show_button = QPushButton("&Show")
        self.show_button.clicked.connect(self.refresh)
        self.verify_button = QPushButton("&Verify…")
        self.verify_button.setToolTip("Check the encryption, the database and every link of the audit chain")
        self.verify_button.clicked.connect(self.verify)
        self.seal_button = QPushButton("Seal &now")
        self.seal_button.setToolTip("Sign where the audit log ends now, so that nobody without an administrator's "
                                    "key can remove or change these events unnoticed")
        self.seal_button.clicked.connect(self.seal_now)
        self.seal_label = role_label("", "muted")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip(list_export.EXPORT_TOOLTIP)
        self.export_button.clicked.connect(self.export)
        self.message = MessageLabel()
        self.count_label = role_label("", "muted", wrap=False)
        self.table = ListTable(["When", "User", "Action", "Member", "What", "Detail"], [180, 110, 140, 110, 120])

        filters = QHBoxLayout()
        filters.addWidget(role_label("Member:", wrap=False))
        filters.addWidget(self.medicaid_id)
        filters.addSpacing(8)
        filters.addWidget(self.since_enabled)
        filters.addWidget(self.since)
        filters.addWidget(self.show_button)
        filters.addStretch(1)
        filters.addWidget(self.export_button)
        filters.addWidget(self.seal_button)
        filters.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.addWidget(role_label("Every login, lock, view, change, print, export, backup and restore is "
                                    "recorded here and cannot be edited.", "muted"))
        layout.addWidget(self.seal_label)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

    def show_seal(self) -> None:
        try:
            status = audit_seals.seal_status(self.app)
        except Exception as exc:
            self.seal_label.setText(report(exc, "audit seal"))
            return
        text = describe_seal(status)
        self.seal_label.setText(text)
        self.seal_label.setVisible(bool(text))
        self.seal_button.setVisible(bool(status.key_fingerprint))

    def seal_now(self) -> None:
        try:
            seal, findings = audit_seals.seal_by_hand(self.app)
        except Exception as exc:
            self.message.show_error(report(exc, "seal"))
            return
        self.refresh()
        if findings:
            self.message.show_error("Sealed, after recording what was wrong: " + "; ".join(findings) + ".")
        else:
            self.message.show_ok(f"Sealed: events 1 to {seal.events:,} of the audit log.")

    def since_date(self) -> date | None:
        return self.since.value() if self.since_enabled.isChecked() else None

    def refresh(self) -> None:
        self.message.clear_message()
        self.show_seal()
        self.shown_filter = (self.medicaid_id.text().strip(), self.since_date())  # what Export… describes
        with user_errors(self.message.show_error, "audit log") as attempt:
            self.rows = maintenance.audit_log(self.app, self.medicaid_id.text().strip() or None,
                                              self.since_date(), limit=AUDIT_LIMIT)
        if attempt.failed:
            self.rows = []
        self.table.set_rows([
            [local_time(r.at), r.username, r.action.replace("_", " "), r.medicaid_id,
             f"{r.entity} {r.entity_id}".strip(), r.detail]
            for r in self.rows
        ], keys=[r.id for r in self.rows])
        shown = len(self.rows)
        self.count_label.setText(
            f"The latest {shown:,} events; narrow by member or date to see older ones." if shown >= AUDIT_LIMIT
            else f"{shown:,} event{'s' if shown != 1 else ''}.")

    def export(self) -> None:
        """The events listed (as last shown with Show), with the filters that chose them."""
        medicaid_id, since = self.shown_filter
        # The export event is linked to the member, as every event about a member is; the ID is not copied.
        member_id = members.find_by_medicaid_id(self.app, medicaid_id) if medicaid_id else None
        filters = [ListFilter("Member (Medicaid ID)", medicaid_id, typed=True)] if medicaid_id else []
        if since is not None:
            filters.append(ListFilter("Since", since.strftime("%m/%d/%Y")))
        if len(self.rows) >= AUDIT_LIMIT:
            filters.append(ListFilter("At most", f"the latest {AUDIT_LIMIT:,} events"))
        list_export.export_list(self, self.app, ListKind.AUDIT_LOG, "Audit log",
                                lambda: Workbook([list_export.table_from_view(self.table, "Audit log")]), filters,
                                member_id=member_id, status=self.host.show_status)

    def clear_for_lock(self) -> None:
        self.rows = []
        self.table.set_rows([])
        self.count_label.setText("")

    def verify(self) -> None:
        self.verify_button.setEnabled(False)

        def done(result: VerifyReport) -> None:
            self.verify_button.setEnabled(True)
            if result.ok:
                self.message.show_ok(describe_verify(result))
            else:
                self.message.show_error(describe_verify(result))
            self.refresh_keep_message()

        def failed(exc: BaseException) -> None:
            self.verify_button.setEnabled(True)
            self.message.show_error(report(exc, "verify"))

        workers.run_in_background(self, "Checking the store", lambda _progress: maintenance.verify(self.app),
                                  done, failed, cancellable=False)

    def refresh_keep_message(self) -> None:
        text, role = self.message.text(), self.message.property("role")
        self.refresh()
        if role == "ok":
            self.message.show_ok(text)
        else:
            self.message.show_error(text)
