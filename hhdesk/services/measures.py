"""Quality measures over a date range (docs/domain.md §11), from the store: the service over domain.measures.

Follow-up after a psychiatric stay within 7 and 30 days (FUH-like) and 30-day readmissions after an
inpatient stay (PCR-like). The pure rules, and how they simplify the HEDIS definitions, are in
:mod:`hhdesk.domain.measures`; this module loads only what they need, for the members with a discharge in
the period: their episodes admitted from the start of the period to 30 days after its end, done
follow-up checklist items and TC contacts with a provider over the same span.

The report is for the agency's quality work, across every member (supervisors, administrators and care
managers alike may run it): viewing it is audited once, without a member. Its detail lines name the
member by Medicaid ID and name so a care manager can act on a missed follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from hhdesk.db.models import ChecklistItem, Contact, Member, TransitionEpisode
from hhdesk.domain import measures as domain_measures
from hhdesk.domain.enums import ChecklistItemStatus, ContactMode, CoreService, TransitionSetting, WithWhom
from hhdesk.domain.errors import DomainError
from hhdesk.domain.measures import (
    BH_FOLLOWUP_KEYS,
    FOLLOW_UP_LONG_DAYS,
    PROVIDER_FOLLOWUP_MODES,
    EpisodeFacts,
    EvidenceSource,
    MeasureResult,
    ReadmissionResult,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.services.contacts import decode_services
from hhdesk.services.context import AppSession
from hhdesk.services.labels import display_name

MAX_PERIOD_DAYS = 366 * 5


@dataclass(frozen=True)
class MemberLabel:
    medicaid_id: str
    name: str


@dataclass(frozen=True)
class QualityReport:
    start: date
    end: date
    followup: MeasureResult
    readmissions: ReadmissionResult
    members: dict[int, MemberLabel]  # member id -> label, for the detail lines
    checklist_evidence_only: bool
    complete: bool  # False while the 30 days after the period's end have not all passed

    @property
    def followups_from_contacts(self) -> int:
        return sum(1 for d in self.followup.details if d.followed_up_by is EvidenceSource.CONTACT)

    def member_label(self, member_key: object) -> MemberLabel:
        return self.members.get(int(member_key), MemberLabel("", ""))  # type: ignore[call-overload]


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def quality_report(app: AppSession, start: date, end: date, *, checklist_evidence_only: bool = False,
                   today: date | None = None) -> QualityReport:
    """Both measures for discharges dated ``start``..``end`` (inclusive)."""
    today = today or app.clock.today()
    if start > end:
        raise ValidationFailed("The start of the period is after its end.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("Choose a period of at most five years.")
    horizon = end + timedelta(days=FOLLOW_UP_LONG_DAYS + 1)
    with app.work(Permission.VIEW_CLINICAL) as uow:
        session = uow.session
        discharged_in_period = (
            select(TransitionEpisode.member_id)
            .where(TransitionEpisode.discharged_at >= datetime.combine(start, time.min),
                   TransitionEpisode.discharged_at < datetime.combine(end + timedelta(days=1), time.min))
            .distinct()
        )
        member_ids = set(session.execute(discharged_in_period).scalars())
        episodes: list[EpisodeFacts] = []
        evidence = []
        members: dict[int, MemberLabel] = {}
        if member_ids:
            episode_rows = session.execute(
                select(TransitionEpisode.id, TransitionEpisode.member_id, TransitionEpisode.setting,
                       TransitionEpisode.admitted_on, TransitionEpisode.discharged_at)
                .where(TransitionEpisode.member_id.in_(member_ids), TransitionEpisode.admitted_on <= horizon)
            )
            episodes = [
                EpisodeFacts(episode_id, member_id, TransitionSetting(setting), admitted_on,
                             discharged_at.date() if discharged_at else None)
                for episode_id, member_id, setting, admitted_on, discharged_at in episode_rows
            ]
            item_rows = session.execute(
                select(TransitionEpisode.member_id, ChecklistItem.key, ChecklistItem.status, ChecklistItem.done_at)
                .join(TransitionEpisode, TransitionEpisode.id == ChecklistItem.episode_id)
                .where(TransitionEpisode.member_id.in_(member_ids),
                       ChecklistItem.key.in_(sorted(BH_FOLLOWUP_KEYS)),
                       ChecklistItem.status == ChecklistItemStatus.DONE.value,
                       ChecklistItem.done_at >= datetime.combine(start, time.min),
                       ChecklistItem.done_at < datetime.combine(horizon, time.min))
            )
            for member_id, key, status, done_at in item_rows:
                found = domain_measures.evidence_from_checklist_item(
                    member_id, key, ChecklistItemStatus(status), done_at.date() if done_at else None)
                if found is not None:
                    evidence.append(found)
            if not checklist_evidence_only:
                contact_rows = session.execute(
                    select(Contact.member_id, Contact.contact_date, Contact.mode, Contact.with_whom,
                           Contact.core_services)
                    .where(Contact.member_id.in_(member_ids),
                           Contact.contact_date >= start, Contact.contact_date <= horizon,
                           Contact.with_whom == WithWhom.PROVIDER.value,
                           Contact.core_services.like(f"%{CoreService.TC.value}%"),
                           Contact.mode.in_([m.value for m in PROVIDER_FOLLOWUP_MODES]))
                )
                for member_id, contact_date, mode, with_whom, services in contact_rows:
                    found = domain_measures.evidence_from_contact(
                        member_id, contact_date, ContactMode(mode), WithWhom(with_whom), decode_services(services))
                    if found is not None:
                        evidence.append(found)
            for member_id, medicaid_id, last, first, preferred in session.execute(
                select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name)
                .where(Member.id.in_(member_ids))
            ):
                members[member_id] = MemberLabel(medicaid_id, display_name(last, first, preferred))
        try:
            followup = domain_measures.followup_after_psych(episodes, evidence, start, end)
            readmissions = domain_measures.readmissions_30d(episodes, start, end)
        except DomainError as exc:
            raise ValidationFailed(str(exc)) from None
        uow.audit("quality_report_viewed", "report", "quality_measures",
                  detail=f"{start.isoformat()} to {end.isoformat()}")
    return QualityReport(start, end, followup, readmissions, members, checklist_evidence_only,
                         complete=today > end + timedelta(days=FOLLOW_UP_LONG_DAYS))
