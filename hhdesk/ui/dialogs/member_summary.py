"""A provisional read-only member summary, shown until the member chart replaces it."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout

from hhdesk.domain.enums import label
from hhdesk.ui.member_view import MemberViewRequest
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import age_on, display_name, format_date, tier_label


class MemberSummaryDialog(QDialog):
    """What the caseload row says about a member, in a form that reads top to bottom."""

    def __init__(self, request: MemberViewRequest) -> None:
        super().__init__(request.parent)
        self.member_id = request.member_id
        self.setWindowTitle("Member")
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        row = request.row
        if row is None:
            layout.addWidget(role_label("The member chart is not available in this version.", "muted"))
        else:
            self.setWindowTitle(display_name(row.last_name, row.first_name, row.preferred_name))
            layout.addWidget(role_label(display_name(row.last_name, row.first_name, row.preferred_name),
                                        "heading"))
            form = QFormLayout()
            form.setVerticalSpacing(8)
            form.addRow("Medicaid ID:", role_label(row.medicaid_id))
            form.addRow("Date of birth:", role_label(f"{format_date(row.dob)} (age {age_on(row.dob, request.app.clock.today())})"))
            form.addRow("Status:", role_label(label(row.status)))
            form.addRow("Tier:", role_label(tier_label(row.tier) or "—"))
            form.addRow("Care manager:", role_label(row.care_manager_name or "Unassigned"))
            form.addRow("Phone:", role_label(row.phone or "—"))
            layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addSpacing(8)
        layout.addWidget(buttons)
