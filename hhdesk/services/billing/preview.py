"""The month's preview: the facts the billing rules read, gathered in a handful of set-based queries, then
evaluated per member (see the package's notes on speed and history)."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    AotOrder,
    CarePlanVersion,
    Condition,
    Consent,
    Contact,
    EnrolmentSegment,
    Member,
    MemberPayerPeriod,
    OutreachElsewhere,
    Payer,
    TierPeriod,
    User,
)
from hhdesk.db.sql import iso_date_text
from hhdesk.domain.billing_profile import BillingProfile
from hhdesk.domain.billing_rules import (
    AotOrderFact,
    BillingEvaluator,
    ConsentFact,
    ContactFact,
    MemberBillingFacts,
    SegmentFact,
    TierFact,
    care_plan_date_on,
    consent_date_on,
)
from hhdesk.domain.enums import (
    BillingReason,
    ConsentKind,
    ContactMode,
    CoreService,
    HHPlusPopulation,
    SegmentType,
    Tier,
    WithWhom,
)
from hhdesk.domain.payers import PayerPeriodFact, filing_deadline, payer_of_month, with_payer
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.exports.billing_data import (
    BillingRow,
    PayerInfo,
    PostalAddress,
)
from hhdesk.services import settings as settings_service
from hhdesk.services.billing.labels import code_labels, minimum_words, reason_text
from hhdesk.services.billing.profile import profile_from_settings
from hhdesk.services.billing.read_models import BillingPreview, BillingPreviewRow, RateTotal, parse_month
from hhdesk.services.context import AppSession
from hhdesk.services.payers import payers_in

HISTORY_MONTHS = 13  # contacts read before the month, for the outreach look-back (docs/domain.md §10 step 5)


ProgressCallback = Callable[[int, int, str], None]
"""`progress(done, total, text)`; a window passes its worker's `report`, which may raise to cancel."""


# ---- gathering the facts ------------------------------------------------------------------------------


class _Parsers:
    """Turns the store's text values into domain values once per distinct value (they repeat a lot)."""

    def __init__(self) -> None:
        self._days: dict[str, date] = {}
        self._modes: dict[str, ContactMode | None] = {}
        self._services: dict[str, frozenset[CoreService]] = {}

    def day(self, text: str | None) -> date | None:
        if text is None:
            return None
        value = self._days.get(text)
        if value is None:
            value = self._days[text] = date.fromisoformat(text[:10])
        return value

    def mode(self, text: str) -> ContactMode | None:
        if text in self._modes:
            return self._modes[text]
        try:
            value: ContactMode | None = ContactMode(text)
        except ValueError:
            value = None  # a mode this version does not know cannot carry a core service
        self._modes[text] = value
        return value

    def contact(self, dated: str, mode_text: str, services_text: str, with_whom_text: str,
                by_care_manager: bool) -> ContactFact | None:
        """The contact as the rules read it; None if it cannot carry a core service (unknown mode, no service)."""
        mode = self.mode(mode_text)
        services = self.services(services_text)
        if mode is None or not services:
            return None
        # an unknown party is read as a provider: it is never taken for face to face with the member
        with_whom = _WITH_WHOM.get(with_whom_text, WithWhom.PROVIDER)
        return ContactFact(self.day(dated), mode, services, with_whom, by_care_manager)  # type: ignore[arg-type]

    def services(self, text: str) -> frozenset[CoreService]:
        value = self._services.get(text)
        if value is None:
            codes = set()
            for part in text.split(";"):
                try:
                    codes.add(CoreService(part.strip()))
                except ValueError:
                    continue
            value = self._services[text] = frozenset(codes)
        return value


def _as_text(column: Any) -> Any:
    """Select a date column as its ISO text (parsed once per day by `_Parsers`, not once per row)."""
    return iso_date_text(column)


@dataclass
class _MemberFacts:
    member_id: int
    medicaid_id: str
    last_name: str
    first_name: str
    preferred_name: str
    dob: date
    sex: str
    address: PostalAddress | None
    care_manager: str
    care_manager_name: str
    care_manager_id: int | None = None
    hh_plus_population: HHPlusPopulation | None = None
    segments: list[SegmentFact] = field(default_factory=list)
    consents: list[ConsentFact] = field(default_factory=list)
    care_plans: list[date] = field(default_factory=list)
    tiers: list[TierFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)
    aot_orders: list[AotOrderFact] = field(default_factory=list)
    outreach_elsewhere: set[ServiceMonth] = field(default_factory=set)
    payer_periods: list[PayerPeriodFact] = field(default_factory=list)


def _gather(session: Session, month: ServiceMonth) -> list[_MemberFacts]:
    """The facts of every member with a segment overlapping the month, in name order: ten queries."""
    first_day, last_day = month.first_day, month.last_day
    window_start = month.shift(-HISTORY_MONTHS).first_day
    parse = _Parsers()

    def overlapping(start: date, end: date) -> Any:
        return and_(EnrolmentSegment.start_date <= end,
                    or_(EnrolmentSegment.end_date.is_(None), EnrolmentSegment.end_date >= start))

    in_month = select(EnrolmentSegment.member_id).where(overlapping(first_day, last_day))
    # Only an outreach month looks back (step 5), and it needs an outreach segment overlapping the month.
    outreach_in_month = select(EnrolmentSegment.member_id).where(
        EnrolmentSegment.kind == SegmentType.OUTREACH.value, overlapping(first_day, last_day))

    # Core execution on the session's connection: rows as plain tuples, without the ORM's result handling.
    connection = session.connection()
    members: dict[int, _MemberFacts] = {}
    member_rows = connection.execute(
        select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.preferred_name,
               _as_text(Member.dob), Member.sex, Member.address_line1, Member.address_line2, Member.city,
               Member.state, Member.zip, User.username, User.full_name, Member.care_manager_id,
               Member.hh_plus_population)
        .outerjoin(User, User.id == Member.care_manager_id)
        .where(Member.id.in_(in_month))
        .order_by(Member.name_key, Member.id)
    ).all()
    for (member_id, medicaid_id, last, first, preferred, dob, sex, line1, line2, city, state, zip_code,
         username, full_name, care_manager_id, population) in member_rows:
        address = PostalAddress(line1 or "", line2 or "", city or "", state or "", zip_code or "")
        members[member_id] = _MemberFacts(
            member_id, medicaid_id, last, first, preferred or "", parse.day(dob),  # type: ignore[arg-type]
            (sex or "U").upper(), address if address.is_complete else None, username or "",
            full_name or username or "", care_manager_id, _POPULATIONS.get(population or ""))

    for member_id, kind, start, end in connection.execute(
        select(EnrolmentSegment.member_id, EnrolmentSegment.kind, _as_text(EnrolmentSegment.start_date),
               _as_text(EnrolmentSegment.end_date))
        .where(EnrolmentSegment.member_id.in_(in_month), EnrolmentSegment.start_date <= last_day)
        .order_by(EnrolmentSegment.member_id, EnrolmentSegment.start_date)
    ).all():
        facts = members.get(member_id)
        if facts is None or kind not in _SEGMENT_TYPES:
            continue
        segment_start, segment_end = parse.day(start), parse.day(end)
        if kind == SegmentType.OUTREACH.value:
            # No contact before the window is read, so no outreach month before it can count: starting the
            # segment at the window gives the same verdicts and keeps the evaluator's walk to 13 months.
            if segment_end is not None and segment_end < window_start:
                continue
            segment_start = max(segment_start, window_start)  # type: ignore[type-var]
        facts.segments.append(SegmentFact(_SEGMENT_TYPES[kind], segment_start, segment_end))  # type: ignore[arg-type]

    for member_id, kind, signed in connection.execute(
        select(Consent.member_id, Consent.kind, _as_text(Consent.signed_on))
        .where(Consent.member_id.in_(in_month), Consent.signed_on <= last_day)
        .order_by(Consent.member_id, Consent.signed_on, Consent.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and kind in _CONSENT_KINDS:
            facts.consents.append(ConsentFact(_CONSENT_KINDS[kind], parse.day(signed)))  # type: ignore[arg-type]

    for member_id, signed in connection.execute(
        select(CarePlanVersion.member_id, _as_text(CarePlanVersion.signed_on))
        .where(CarePlanVersion.member_id.in_(in_month), CarePlanVersion.signed_on.is_not(None),
               CarePlanVersion.signed_on <= last_day)
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.care_plans.append(parse.day(signed))  # type: ignore[arg-type]

    for member_id, tier, effective in connection.execute(
        select(TierPeriod.member_id, TierPeriod.tier, _as_text(TierPeriod.effective_date))
        .where(TierPeriod.member_id.in_(in_month), TierPeriod.effective_date <= last_day)
        .order_by(TierPeriod.member_id, TierPeriod.effective_date, TierPeriod.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and tier in _TIERS:
            facts.tiers.append(TierFact(_TIERS[tier], parse.day(effective)))  # type: ignore[arg-type]

    contact_columns = (Contact.member_id, _as_text(Contact.contact_date), Contact.mode, Contact.core_services,
                       Contact.with_whom, Contact.staff_id)
    month_contacts = connection.execute(
        select(*contact_columns)
        .where(Contact.contact_date >= first_day, Contact.contact_date <= last_day, Contact.core_services != "")
    ).all()
    earlier_contacts = connection.execute(
        select(*contact_columns)
        .where(Contact.member_id.in_(outreach_in_month), Contact.contact_date >= window_start,
               Contact.contact_date < first_day, Contact.core_services != "")
    ).all()
    # Contacts are values: one ContactFact serves every contact with the same day, mode and services.
    contact_facts: dict[tuple[str, str, str, str, bool], ContactFact | None] = {}
    for member_id, dated, mode_text, services_text, with_whom, staff_id in (*earlier_contacts, *month_contacts):
        facts = members.get(member_id)
        if facts is None:
            continue
        by_care_manager = staff_id is not None and staff_id == facts.care_manager_id
        key = (dated, mode_text, services_text, with_whom, by_care_manager)
        contact = contact_facts.get(key, _UNSEEN)
        if contact is _UNSEEN:
            contact = contact_facts[key] = parse.contact(dated, mode_text, services_text, with_whom, by_care_manager)
        if contact is not None:
            facts.contacts.append(contact)  # type: ignore[arg-type]

    # Assisted Outpatient Treatment orders overlapping the month (they set the Health Home Plus minimum).
    for member_id, start, end in connection.execute(
        select(AotOrder.member_id, _as_text(AotOrder.start_date), _as_text(AotOrder.end_date))
        .where(AotOrder.member_id.in_(in_month), AotOrder.start_date <= last_day,
               or_(AotOrder.end_date.is_(None), AotOrder.end_date >= first_day))
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.aot_orders.append(AotOrderFact(parse.day(start), parse.day(end)))  # type: ignore[arg-type]

    # Outreach months another Health Home billed, in the look-back and the month (outreach follows the person).
    for member_id, service_month in connection.execute(
        select(OutreachElsewhere.member_id, OutreachElsewhere.service_month)
        .where(OutreachElsewhere.member_id.in_(outreach_in_month),
               OutreachElsewhere.service_month >= str(month.shift(-HISTORY_MONTHS)),
               OutreachElsewhere.service_month <= str(month))
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.outreach_elsewhere.add(ServiceMonth.parse(service_month))

    # Diagnoses for the claim: conditions active at some point in the month with an ICD-10-CM code; the
    # chronic conditions that make the member eligible (those with a category) first, then by date noted.
    for member_id, code in connection.execute(
        select(Condition.member_id, Condition.icd10)
        .where(Condition.member_id.in_(in_month), Condition.icd10 != "",
               or_(Condition.resolved_on.is_(None), Condition.resolved_on >= first_day),
               or_(Condition.noted_on.is_(None), Condition.noted_on <= last_day))
        .order_by(Condition.member_id, Condition.category.is_(None), Condition.noted_on, Condition.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None and code.strip() and code.strip() not in facts.diagnoses:
            facts.diagnoses.append(code.strip())

    for member_id, payer_code, effective in connection.execute(
        select(MemberPayerPeriod.member_id, Payer.code, _as_text(MemberPayerPeriod.effective_date))
        .join(Payer, Payer.id == MemberPayerPeriod.payer_id)
        .where(MemberPayerPeriod.member_id.in_(in_month), MemberPayerPeriod.effective_date <= last_day)
        .order_by(MemberPayerPeriod.member_id, MemberPayerPeriod.effective_date, MemberPayerPeriod.id)
    ).all():
        facts = members.get(member_id)
        if facts is not None:
            facts.payer_periods.append(PayerPeriodFact(payer_code, parse.day(effective)))  # type: ignore[arg-type]
    return list(members.values())


_UNSEEN = object()
_SEGMENT_TYPES = {kind.value: kind for kind in SegmentType}
_CONSENT_KINDS = {kind.value: kind for kind in ConsentKind}
_TIERS = {tier.value: tier for tier in Tier}
_WITH_WHOM = {party.value: party for party in WithWhom}
_POPULATIONS = {population.value: population for population in HHPlusPopulation}


def _evaluate(gathered: Iterable[_MemberFacts], month: ServiceMonth, profile: BillingProfile,
              payers: dict[str, PayerInfo] | None = None, today: date | None = None) -> list[BillingPreviewRow]:
    last_day = month.last_day
    payers = payers or {}
    deadlines = {code: filing_deadline(month, payer.filing_limit_days) for code, payer in payers.items()}
    rows: list[BillingPreviewRow] = []
    for member in gathered:
        facts = MemberBillingFacts(
            segments=tuple(member.segments), consents=tuple(member.consents),
            care_plans_signed=tuple(member.care_plans), tiers=tuple(member.tiers), contacts=tuple(member.contacts),
            hh_plus_population=member.hh_plus_population, aot_orders=tuple(member.aot_orders),
            outreach_billed_elsewhere=frozenset(member.outreach_elsewhere),
        )
        payer_code = payer_of_month(member.payer_periods, month)
        # the payer step comes last, outside the evaluator: a month without a payer still counts for outreach
        evaluation = with_payer(BillingEvaluator(facts, profile).evaluate(month), payer_code)
        # a month whose consent was withdrawn in it reports the consent its services were given under
        consent_day = last_day if evaluation.consent_ended is None else evaluation.consent_ended - timedelta(days=1)
        row = BillingRow(
            evaluation=evaluation, medicaid_id=member.medicaid_id, last_name=member.last_name,
            first_name=member.first_name, dob=member.dob, care_manager=member.care_manager,
            consent_date=consent_date_on(facts, consent_day), care_plan_date=care_plan_date_on(facts, last_day),
            sex=member.sex if member.sex in ("F", "M") else "U", diagnosis_codes=tuple(member.diagnoses),
            address=member.address, payer_code=payer_code or "",
        )
        payer = payers.get(payer_code or "")
        deadline = deadlines.get(payer_code or "")
        rows.append(BillingPreviewRow(
            member.member_id, row, member.care_manager_name, member.preferred_name,
            payer_name=payer.name if payer else "", filing_deadline=deadline,
            past_filing_limit=deadline is not None and today is not None and today > deadline))
    return rows


def _summarise(month: ServiceMonth, profile: BillingProfile, rows: list[BillingPreviewRow],
               seconds: float, payers: dict[str, PayerInfo] | None = None,
               today: date | None = None) -> BillingPreview:
    counts: Counter[str] = Counter()
    unconfirmed: Counter[str] = Counter()
    amounts: dict[str, Decimal | None] = {}
    reasons: Counter[BillingReason] = Counter()
    notes: Counter[str] = Counter()
    for item in rows:
        evaluation = item.row.evaluation
        if evaluation.note:
            notes[evaluation.note] += 1
        if evaluation.billable:
            code = evaluation.rate_code or ""
            counts[code] += 1
            if not evaluation.amount_confirmed:
                unconfirmed[code] += 1
            so_far = amounts.get(code, Decimal("0.00"))
            amounts[code] = None if so_far is None or evaluation.amount is None else so_far + evaluation.amount
        elif evaluation.reason is not None:
            reasons[evaluation.reason] += 1
    order = {rate.code: position for position, rate in enumerate(profile.rate_codes)}
    totals = [RateTotal(code, counts[code], amounts[code], unconfirmed[code])
              for code in sorted(counts, key=lambda code: (order.get(code, len(order)), code))]
    return BillingPreview(
        service_month=month, profile_name=profile.name, profile_title=profile.title,
        claim_type=profile.claim.claim_type, region=profile.region, rows=rows, totals=totals,
        billable_count=sum(counts.values()),
        not_billable={reason: reasons[reason] for reason in BillingReason if reasons[reason]},
        notes=dict(notes), seconds=seconds, code_labels=code_labels(profile), minimums=minimum_words(profile),
        payers=dict(payers or {}), today=today,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while hundreds of thousands of small acyclic objects are made.

    Measured on 10,000 members: the collector's repeated passes over the new row tuples took half of the
    time spent reading. Reference counting still frees everything; the collector runs again afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute_preview(session: Session, month: ServiceMonth, profile: BillingProfile,
                     progress: ProgressCallback | None = None, today: date | None = None) -> BillingPreview:
    started = time.perf_counter()
    payers = payers_in(session)
    if progress:
        progress(0, 3, f"Reading the records of {month}")
    with _collector_paused():
        gathered = _gather(session, month)
    if progress:
        progress(1, 3, f"Applying the billing rules to {len(gathered):,} members")
    with _collector_paused():
        rows = _evaluate(gathered, month, profile, payers, today)
    if progress:
        progress(2, 3, "Adding up")
    return _summarise(month, profile, rows, time.perf_counter() - started, payers, today)


def preview(app: AppSession, month: str | ServiceMonth,
            progress: ProgressCallback | None = None, today: date | None = None) -> BillingPreview:
    """Every member-month of the month (members with a segment overlapping it), billable or not, and why.

    `today` (the session's date) decides which billable months are past their payer's filing limit.
    """
    service_month = parse_month(month)
    with app.read(Permission.BILLING) as session:
        values = settings_service.read_all(session)
        profile = profile_from_settings(values)
        result = compute_preview(session, service_month, profile, progress, today or app.clock.today())
    # One event for the whole list (a list read, like the caseload, but of billing data for every member).
    with app.work(Permission.BILLING) as uow:
        uow.audit("billing_preview", "billing", str(service_month),
                  detail=f"{len(result.rows)} member-months")
    if progress:
        progress(3, 3, "Done")
    return result


def format_totals(preview_result: BillingPreview) -> list[str]:
    """Plain lines summing up a preview (for the command line)."""
    lines = []
    for total in preview_result.totals:
        amount = "amount not set" if total.amount is None else f"${total.amount:,.2f}"
        if total.unconfirmed:
            amount += f" ({total.unconfirmed} at an amount the agency has not confirmed)"
        lines.append(f"{total.rate_code}: {total.count} member-months, {amount}")
    lines.append(f"Billable: {preview_result.billable_count}, total ${preview_result.total_amount:,.2f}")
    for reason, count in preview_result.not_billable.items():
        lines.append(f"Not billable, {reason_text(reason)}: {count}")
    for note, count in preview_result.notes.items():
        lines.append(f"Note, {reason_text(None, note)}: {count}")
    return lines
