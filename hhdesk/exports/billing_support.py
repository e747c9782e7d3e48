"""The monthly billing-support file, modelled on New York's MAPP Health Home Tracking System billing support.

One row per member-month with a segment: what a Health Home or care management agency reports each month so
that the month can be billed (was it an outreach or an enrolled month, was a core service provided, at
which tier, was the Health Home Plus minimum met), plus the dates and the care manager that back it up.
The columns, the published fields they follow and where they differ are in docs/billing.md. It is a CSV
for people and for loading into other systems, not the state's upload format.
"""

from __future__ import annotations

from collections.abc import Iterable

from hhdesk.domain.enums import SegmentType
from hhdesk.exports.billing_csv import yes_no
from hhdesk.exports.billing_data import BillingRow
from hhdesk.exports.tables import Cell, Table, csv_bytes

BILLING_SUPPORT_COLUMNS: tuple[str, ...] = (
    "member_id",
    "service_month",
    "outreach_enrollment_code",
    "core_service_provided",
    "tier",
    "hh_plus_minimum_met",
    "consent_date",
    "care_plan_date",
    "care_manager",
)

# MAPP HHTS codes a billing-support month as outreach (O) or enrollment (E).
SEGMENT_CODES: dict[SegmentType, str] = {SegmentType.OUTREACH: "O", SegmentType.ENROLLED: "E"}


def billing_support_record(row: BillingRow) -> list[Cell]:
    evaluation = row.evaluation
    assert evaluation.segment is not None
    return [
        row.medicaid_id,
        str(evaluation.service_month),
        SEGMENT_CODES[evaluation.segment],
        yes_no(evaluation.qualifying_contacts > 0),
        evaluation.tier.value if evaluation.tier else "",
        yes_no(evaluation.hh_plus_minimum_met),
        row.consent_date,
        row.care_plan_date,
        row.care_manager,
    ]


def billing_support_table(rows: Iterable[BillingRow]) -> Table:
    # Members with no outreach or enrolment segment in the month have nothing to report.
    return Table("Billing support", BILLING_SUPPORT_COLUMNS,
                 [billing_support_record(row) for row in rows if row.evaluation.segment is not None])


def billing_support_bytes(rows: Iterable[BillingRow]) -> bytes:
    return csv_bytes(billing_support_table(rows))


def billing_support_text(rows: Iterable[BillingRow]) -> str:
    return billing_support_bytes(rows).decode("utf-8-sig")
