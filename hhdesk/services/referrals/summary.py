"""The referral summary: closed counts and median days to close, overall, by category and by agency."""

from __future__ import annotations

from datetime import date

from hhdesk.db.models import (
    DirectoryEntry,
    Referral,
)
from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralStatus
from hhdesk.domain.permissions import Permission
from hhdesk.services.context import AppSession
from hhdesk.services.directory import entry_label
from hhdesk.services.referrals.labels import CATEGORY_LABELS
from hhdesk.services.referrals.listing import _rows_query
from hhdesk.services.referrals.read_models import ReferralFilter, ReferralSummaryReport, SummaryLine


def summarise(app: AppSession, filters: ReferralFilter | None = None,
              today: date | None = None) -> ReferralSummaryReport:
    """Closed counts and median days to close, overall, by category and by agency.

    The status filters (status, open only, waiting only) are ignored; the others apply.
    """
    filters = filters or ReferralFilter()
    today = today or app.clock.today()
    scope = ReferralFilter(member_id=filters.member_id, category=filters.category, agency_id=filters.agency_id,
                           care_manager=filters.care_manager, limit=1_000_000_000)
    stmt = _rows_query(scope, today).with_only_columns(
        Referral.status, Referral.sent_on, Referral.category, Referral.directory_entry_id, Referral.status_on,
        Referral.follow_up_on, DirectoryEntry.name, DirectoryEntry.organisation,
    )
    facts: list[referral_rules.ReferralFacts] = []
    agency_names: dict[int, str] = {}
    waiting = 0
    with app.read(Permission.VIEW_CLINICAL) as session:
        for status, sent_on, category, entry_id, status_on, follow_up_on, name, organisation in session.execute(stmt):
            status = ReferralStatus(status)
            fact = referral_rules.ReferralFacts(
                status=status, sent_on=sent_on, category=ReferralCategory(category), agency=entry_id,
                last_change_on=status_on if status is not ReferralStatus.SENT else None,
                follow_up_on=follow_up_on,
            )
            facts.append(fact)
            waiting += referral_rules.is_waiting(fact, today)
            agency_names[entry_id] = entry_label(name, organisation)
    summary = referral_rules.referral_summary(facts)
    by_category = tuple(
        SummaryLine(category, CATEGORY_LABELS[category], counts)
        for category, counts in sorted(summary.by_category.items(), key=lambda kv: (-kv[1].total, kv[0].value))
    )
    by_agency = tuple(
        SummaryLine(entry_id, agency_names[entry_id], counts)
        for entry_id, counts in sorted(summary.by_agency.items(),
                                       key=lambda kv: (-kv[1].total, agency_names[kv[0]].lower()))
    )
    return ReferralSummaryReport(summary.overall, by_category, by_agency, waiting)
