"""Monthly billing rules (docs/domain.md §10): is this member-month billable, at which code, and if not, why.

Everything here takes plain values (`MemberBillingFacts`, `BillingProfile`) and returns plain values
(`MonthEvaluation`); the service layer gathers the facts from the store.

The New York sources each rule follows (quoted in the tests and in docs/billing.md with their dates):
- outreach, NY DOH "Interim Guidance Addressing Outreach Modifications" (2017-10-18): "All outreach services
  ... will not exceed two (2) consecutive months whereas the second consecutive month must be a face to face";
  "Face to face contact is defined as an in-person meeting with the member and/or parent, guardian or legally
  authorized representative"; "Outreach billable months cannot exceed 4 months in a rolling twelve (12)
  month period"; "Billable outreach is connected to the individual not the Health Home or Care Management
  Agency" (so months another Health Home or agency billed count here too);
- Health Home Plus, NY DOH notice "Transition from the Public Health Emergency for Health Home Plus Members"
  (2023-04-04): SMI 4 core services with 2 in person; AOT 4 in person; HIV 4 with 2 in person, one of those
  with the care manager; below that with at least one core service, the high risk/need code;
- children, NY DOH "Health Home Serving Children Frequently Asked Questions": High and Medium acuity need 2
  core services a month, one face to face, on different days;
- consent, NY DOH Forms and Templates: a DOH-5058 withdraws consent "effective on the date the form was signed".

Month ordering. Steps 1-4 and 6 look only at month M itself. Step 5 (outreach limits) looks back: it counts
the member's earlier months that were outreach months *billable by these rules apart from the rate code*
("counted" months), here or at another Health Home, in the 11 months before M (so that no rolling 12 months
holding M holds more than 4), and whether M-1 and M-2 were counted. Whether an earlier month
was counted depends in turn on *its* own step 5, so on the 12 months before it, and so on: the chain can only
stop where there is no earlier outreach month at all. Months that no outreach segment overlaps never count
(they are enrolled months, or have no segment), and nothing before the first outreach month of the member
can count. So to evaluate an outreach month M, `BillingEvaluator` walks forward once from the member's first
outreach month to M-1, evaluating each outreach month in calendar order with its own look-back already known,
and memoises the results. The work is linear in the member's outreach months, there is no recursion to run
out of stack, and enrolled months never trigger the walk. Whether a month was exported does not matter.

Decisions where docs/domain.md is silent (also in docs/billing.md):
- Segment end dates are inclusive (the last day the member was in the segment); an open segment has no end.
- Only contacts dated inside a segment *of the month's segment type* count, with the modes §5 allows for
  that type: for a month with both an outreach and an enrolled segment (enrolled wins in step 1), contacts
  made during the outreach days do not qualify the enrolled month.
- Consent (step 3): the consent records dated on or before a day are read in date order; there is consent on
  that day only if the latest of them is a `consent`. With consent in force on the last day of M, every
  qualifying contact of M counts. Without it, a withdrawal or opt-out signed during M ends consent on the
  day it is signed: the qualifying contacts made while consent was in force (before that day) still count,
  and the month is `no_consent` only when none was. On the same date, a withdrawal or opt-out is read as
  coming after the consent, so a contact on the day of withdrawal does not count.
- Care plan (step 4): the current enrolled segment is the enrolled segment overlapping M that started last;
  any care plan signed on or before the last day of M satisfies the rule.
- Tier: the tier record with the latest effective date on or before the last day of M (a later record in
  the list wins a tie). An enrolled month with no tier on record has no rate code (`no_rate_code`).
- Health Home Plus below the minimum bills at the profile's fallback tier (high risk/need) with the note;
  if that tier has no code either, the month is `no_rate_code` and keeps the note. The minimum is the AOT
  one when an AOT order covers the month (profile `aot_applies`), else the member's population's (SMI when
  none is recorded: profile `hh_plus_default_population`). Each qualifying contact counts once, however
  many core services it carries.
- Children below their acuity's minimum are `child_minimum_not_met`, unless the profile names a fallback tier.
- The amount is the rate code's period in effect on the first day of M (rates change from a month's start).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hhdesk.domain.billing_profile import AOT, AotApplies, BillingProfile, ChildMinimum, RateCode, RatePeriod
from hhdesk.domain.contact_rules import ENROLLED_CORE_SERVICE_MODES, OUTREACH_CORE_SERVICE_MODES
from hhdesk.domain.enums import (
    HH_PLUS_MINIMUM_NOT_MET,
    BillingReason,
    ConsentKind,
    ContactMode,
    CoreService,
    HHPlusPopulation,
    SegmentType,
    Tier,
    WithWhom,
)
from hhdesk.domain.service_month import (
    ServiceMonth,
    as_service_month,
    format_service_month,
    month_bounds,
    parse_service_month,
)

__all__ = [
    "AotOrderFact",
    "BillingEvaluator",
    "ConsentFact",
    "ContactFact",
    "MemberBillingFacts",
    "MonthEvaluation",
    "SegmentFact",
    "ServiceMonth",
    "TierFact",
    "allowed_modes",
    "care_plan_date_on",
    "consent_date_on",
    "evaluate_month",
    "evaluate_months",
    "format_service_month",
    "month_bounds",
    "parse_service_month",
    "tier_on",
]

# One mode table for the contact form and for billing (docs/domain.md §5), kept in contact_rules.
ENROLLED_MODES = ENROLLED_CORE_SERVICE_MODES
OUTREACH_MODES = OUTREACH_CORE_SERVICE_MODES
# "cannot exceed 4 months in a rolling twelve (12) month period": the 12 months include M, so M is refused
# when the 11 months before it already hold 4 counted months.
OUTREACH_ROLLING_MONTHS = 12
OUTREACH_LOOKBACK_MONTHS = OUTREACH_ROLLING_MONTHS - 1
OUTREACH_MAX_IN_ROLLING_MONTHS = 4
OUTREACH_MAX_IN_A_ROW = 2


@dataclass(frozen=True)
class OutreachLimits:
    """The outreach limits in numbers, for the sentences that explain them."""

    in_a_row: int = OUTREACH_MAX_IN_A_ROW
    in_rolling_months: int = OUTREACH_MAX_IN_ROLLING_MONTHS
    rolling_months: int = OUTREACH_ROLLING_MONTHS


OUTREACH_LIMITS = OutreachLimits()


def allowed_modes(segment: SegmentType) -> frozenset[ContactMode]:
    """Contact modes that can carry a core service for a member in this kind of segment (docs/domain.md §5)."""
    return ENROLLED_MODES if segment is SegmentType.ENROLLED else OUTREACH_MODES


# -- facts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentFact:
    """An outreach or enrolled segment; `end` is the last day in the segment, None while it is open."""

    kind: SegmentType
    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SegmentType(self.kind))
        if self.end is not None and self.end < self.start:
            raise ValueError("a segment cannot end before it starts")

    def overlaps(self, first_day: date, last_day: date) -> bool:
        return self.start <= last_day and (self.end is None or self.end >= first_day)

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class ConsentFact:
    """A dated consent, withdrawal of consent or opt-out record."""

    kind: ConsentKind
    dated: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ConsentKind(self.kind))


@dataclass(frozen=True, slots=True)
class TierFact:
    """An acuity tier and the date from which it applies."""

    tier: Tier
    effective: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier", Tier(self.tier))


@dataclass(frozen=True, slots=True)
class ContactFact:
    """What billing needs of a contact: its date, its mode, the core services it carried, with whom it was
    (an in-person contact counts as face to face only with the member, or for outreach and children the
    family), and whether the member's own care manager made it (HH+ HIV)."""

    dated: date
    mode: ContactMode
    core_services: frozenset[CoreService] = frozenset()
    with_whom: WithWhom = WithWhom.MEMBER
    by_care_manager: bool = True

    def __post_init__(self) -> None:
        # fast path first: the service layer builds hundreds of thousands of these for a month's preview
        if type(self.mode) is not ContactMode:
            object.__setattr__(self, "mode", ContactMode(self.mode))
        if type(self.with_whom) is not WithWhom:
            object.__setattr__(self, "with_whom", WithWhom(self.with_whom))
        services = self.core_services
        if type(services) is not frozenset or not all(type(service) is CoreService for service in services):
            object.__setattr__(self, "core_services", frozenset(CoreService(service) for service in services))

    def in_person_with(self, people: frozenset[WithWhom]) -> bool:
        return self.mode is ContactMode.IN_PERSON and self.with_whom in people


@dataclass(frozen=True, slots=True)
class AotOrderFact:
    """An Assisted Outpatient Treatment court order: first and last day (None while open)."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("an AOT order cannot end before it starts")

    def covers(self, first_day: date, last_day: date, applies: AotApplies) -> bool:
        if applies is AotApplies.LAST_DAY:
            return self.start <= last_day and (self.end is None or self.end >= last_day)
        return self.start <= last_day and (self.end is None or self.end >= first_day)


def _coerce(items: Iterable[object], kind: type) -> tuple:
    """Accept the dataclass or a plain tuple of its fields, so callers can pass rows straight through."""
    return tuple(item if isinstance(item, kind) else kind(*item) for item in items)  # type: ignore[misc]


@dataclass(frozen=True)
class MemberBillingFacts:
    """Everything about one member that the monthly billing rules read.

    Each collection accepts the fact dataclasses or plain tuples: segments `(type, start, end|None)`,
    consents `(kind, date)`, tiers `(tier, effective_date)`, contacts `(date, mode, core_services[,
    with_whom[, by_care_manager]])`, AOT orders `(start, end|None)`; `care_plans_signed` holds the dates on
    which care-plan versions were signed; `outreach_billed_elsewhere` the months (`ServiceMonth` or
    `YYYY-MM`) in which another Health Home or care management agency billed outreach for this person.
    """

    segments: tuple[SegmentFact, ...] = ()
    consents: tuple[ConsentFact, ...] = ()
    care_plans_signed: tuple[date, ...] = ()
    tiers: tuple[TierFact, ...] = ()
    contacts: tuple[ContactFact, ...] = ()
    hh_plus_population: HHPlusPopulation | None = None
    aot_orders: tuple[AotOrderFact, ...] = ()
    outreach_billed_elsewhere: frozenset[ServiceMonth] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", _coerce(self.segments, SegmentFact))
        object.__setattr__(self, "consents", _coerce(self.consents, ConsentFact))
        object.__setattr__(self, "care_plans_signed", tuple(self.care_plans_signed))
        object.__setattr__(self, "tiers", _coerce(self.tiers, TierFact))
        object.__setattr__(self, "contacts", _coerce(self.contacts, ContactFact))
        object.__setattr__(self, "aot_orders", _coerce(self.aot_orders, AotOrderFact))
        if self.hh_plus_population is not None:
            object.__setattr__(self, "hh_plus_population", HHPlusPopulation(self.hh_plus_population))
        object.__setattr__(
            self, "outreach_billed_elsewhere", frozenset(as_service_month(m) for m in self.outreach_billed_elsewhere)
        )


def consent_date_on(facts: MemberBillingFacts, day: date) -> date | None:
    """The date of the consent in force on `day`, or None (no consent yet, or withdrawn / opted out since)."""
    on_file = [record for record in facts.consents if record.dated <= day]
    if not on_file:
        return None
    # sort key: date, then consent before withdrawal/opt-out on the same day (see the module docstring)
    latest = max(
        enumerate(on_file), key=lambda pair: (pair[1].dated, pair[1].kind is not ConsentKind.CONSENT, pair[0])
    )
    if latest[1].kind is not ConsentKind.CONSENT:
        return None
    return latest[1].dated


def care_plan_date_on(facts: MemberBillingFacts, day: date) -> date | None:
    """The latest care-plan signing date on or before `day`, or None."""
    return max((signed for signed in facts.care_plans_signed if signed <= day), default=None)


def tier_on(facts: MemberBillingFacts, day: date) -> Tier | None:
    """The tier in effect on `day`: latest effective date on or before it; a later record wins a tie."""
    best: TierFact | None = None
    for record in facts.tiers:
        if record.effective <= day and (best is None or record.effective >= best.effective):
            best = record
    return best.tier if best else None


# -- result -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthEvaluation:
    """The verdict on one member-month, with the numbers that explain it.

    `billable` is True exactly when `reason` is None. `note` is `hh_plus_minimum_not_met` when a Health Home
    Plus month falls back to the high-risk code (`child_minimum_not_met` when a children's month falls back
    to the profile's fallback tier). `hh_plus_minimum_met` is None unless the month is an enrolled Health
    Home Plus month; `hh_plus_population` then says whose minimum applied (smi, hiv or aot). `core_services`
    holds the codes delivered by qualifying contacts, sorted. `in_person_contacts` counts the qualifying
    contacts that were face to face as the month's rule reads it (in person with the member; for outreach
    and children also with the family). `consent_ended` is the day a withdrawal signed in the month took
    effect, when the month counts only the services before it. `rate_period` is the dated amount billed
    (its source, date, status and whether the agency confirmed it).
    """

    service_month: ServiceMonth
    segment: SegmentType | None
    tier: Tier | None
    qualifying_contacts: int
    in_person_contacts: int
    core_services: tuple[str, ...]
    billable: bool
    reason: BillingReason | None
    note: str | None
    rate_code: str | None
    amount: Decimal | None
    hh_plus_minimum_met: bool | None = None
    hh_plus_population: str | None = None
    consent_ended: date | None = None
    rate_period: RatePeriod | None = None

    @property
    def amount_confirmed(self) -> bool | None:
        """None when nothing is billed; else whether the agency confirmed the amount billed."""
        if not self.billable or self.rate_period is None:
            return None
        return self.rate_period.confirmed and self.amount is not None

    @property
    def counts_toward_outreach_limits(self) -> bool:
        """An outreach month billable by the rules apart from the rate code (docs/domain.md §10 step 5)."""
        return self.segment is SegmentType.OUTREACH and self.reason in (None, BillingReason.NO_RATE_CODE)


# -- evaluation -------------------------------------------------------------------------------------------


class BillingEvaluator:
    """Evaluates months for one member under one profile, remembering what it has worked out.

    Use one evaluator for several months of the same member (e.g. a year's history); it computes each month
    at most once. Not thread-safe; cheap to create.
    """

    def __init__(self, facts: MemberBillingFacts, profile: BillingProfile) -> None:
        self._facts = facts
        self._profile = profile
        self._contacts_by_month: dict[int, list[ContactFact]] = defaultdict(list)
        for contact in facts.contacts:
            # ServiceMonth.index, computed directly: a month's preview buckets hundreds of thousands of contacts
            self._contacts_by_month[contact.dated.year * 12 + contact.dated.month - 1].append(contact)
        outreach_starts = [s.start for s in facts.segments if s.kind is SegmentType.OUTREACH]
        self._first_outreach_index = ServiceMonth.of(min(outreach_starts)).index if outreach_starts else None
        self._elsewhere = frozenset(month.index for month in facts.outreach_billed_elsewhere)
        self._evaluations: dict[int, MonthEvaluation] = {}
        self._history_done_before: int | None = None  # every outreach month < this index is evaluated

    def evaluate(self, month: ServiceMonth | str) -> MonthEvaluation:
        service_month = as_service_month(month)
        cached = self._evaluations.get(service_month.index)
        if cached is not None:
            return cached
        if self._segment_type(service_month) is SegmentType.OUTREACH:
            self._evaluate_outreach_history_before(service_month.index)
        return self._evaluate_and_remember(service_month)

    def evaluate_many(self, months: Iterable[ServiceMonth | str]) -> list[MonthEvaluation]:
        return [self.evaluate(month) for month in months]

    # -- history -----------------------------------------------------------------------------------------

    def _evaluate_outreach_history_before(self, index: int) -> None:
        """Evaluate, in calendar order, every outreach month from the first one up to (not including) index."""
        if self._first_outreach_index is None:
            return
        start = self._first_outreach_index
        if self._history_done_before is not None:
            start = max(start, self._history_done_before)
        for earlier in range(start, index):
            if earlier in self._evaluations:
                continue
            earlier_month = ServiceMonth.from_index(earlier)
            if self._segment_type(earlier_month) is SegmentType.OUTREACH:
                self._evaluate_and_remember(earlier_month)
        self._history_done_before = max(index, self._history_done_before or index)

    def _counted(self, index: int) -> bool:
        """Did this earlier month count toward the outreach limits? (Its evaluation is known by now.)

        A month another Health Home or agency billed as outreach always counts: outreach follows the person.
        """
        if index in self._elsewhere:
            return True
        if self._first_outreach_index is None or index < self._first_outreach_index:
            return False
        evaluation = self._evaluations.get(index)
        if evaluation is None:
            # not evaluated during the walk: it is not an outreach month, so it cannot count
            return False
        return evaluation.counts_toward_outreach_limits

    # -- one month -----------------------------------------------------------------------------------------

    def _segment_type(self, month: ServiceMonth) -> SegmentType | None:
        first_day, last_day = month.first_day, month.last_day
        kinds = {s.kind for s in self._facts.segments if s.overlaps(first_day, last_day)}
        if SegmentType.ENROLLED in kinds:
            return SegmentType.ENROLLED
        if SegmentType.OUTREACH in kinds:
            return SegmentType.OUTREACH
        return None

    def _evaluate_and_remember(self, month: ServiceMonth) -> MonthEvaluation:
        evaluation = self._evaluate_one(month)
        self._evaluations[month.index] = evaluation
        return evaluation

    def _evaluate_one(self, month: ServiceMonth) -> MonthEvaluation:
        facts, profile = self._facts, self._profile
        first_day, last_day = month.first_day, month.last_day
        tier = tier_on(facts, last_day)

        # step 1: segment
        segment_type = self._segment_type(month)
        if segment_type is None:
            return _verdict(month, None, tier, (), reason=BillingReason.NO_SEGMENT)
        segments = [s for s in facts.segments if s.kind is segment_type and s.overlaps(first_day, last_day)]

        # step 2: qualifying contacts
        modes = allowed_modes(segment_type)
        qualifying = [
            contact
            for contact in self._contacts_by_month.get(month.index, ())
            if contact.core_services
            and contact.mode in modes
            and any(segment.contains(contact.dated) for segment in segments)
        ]
        face_to_face = self._face_to_face_people(segment_type, tier)
        consent_ended: date | None = None
        population: str | None = None
        if segment_type is SegmentType.ENROLLED and tier is Tier.HH_PLUS:
            population = self._hh_plus_population(month)

        def verdict(contacts: Sequence[ContactFact] = qualifying, **outcome: object) -> MonthEvaluation:
            if population is not None and "hh_plus_minimum_met" not in outcome:
                # the billing-support file reports the minimum even when another reason stops the month
                outcome["hh_plus_minimum_met"] = _meets_hh_plus_minimum(contacts, profile, population)
            return _verdict(month, segment_type, tier, contacts, face_to_face, consent_ended=consent_ended,
                            hh_plus_population=population, **outcome)

        if not qualifying:
            return verdict(reason=BillingReason.NO_CORE_SERVICE)

        if segment_type is SegmentType.ENROLLED:
            # step 3: consent; a withdrawal signed in the month ends it that day, services before it count
            if consent_date_on(facts, last_day) is None:
                consent_ended = _consent_end_in(facts, first_day, last_day)
                under_consent = [c for c in qualifying if consent_date_on(facts, c.dated) is not None]
                if not under_consent:
                    # the counts still show the services given, so the clerk sees what consent would bill
                    return verdict(reason=BillingReason.NO_CONSENT)
                qualifying = under_consent
            # step 4: care plan, after the grace period of the current enrolled segment
            current_segment_start = max(segment.start for segment in segments)
            grace_over = (last_day - current_segment_start).days > profile.care_plan_grace_days
            if grace_over and care_plan_date_on(facts, last_day) is None:
                return verdict(qualifying, reason=BillingReason.NO_CARE_PLAN)
            # step 6: tier, its minimum and the rate code
            if population is not None:
                met = _meets_hh_plus_minimum(qualifying, profile, population)
                if met:
                    rate = (profile.aot_rate if population == AOT and profile.aot_rate is not None
                            else profile.rate_for_tier(tier))
                    outcome = _rate_outcome(rate, first_day)
                else:
                    outcome = _rate_outcome(profile.rate_for_tier(profile.hh_plus_fallback_tier), first_day,
                                            note=HH_PLUS_MINIMUM_NOT_MET)
                return verdict(qualifying, hh_plus_minimum_met=met, **outcome)
            child_minimum = profile.child_minimums.get(tier) if tier is not None else None
            if child_minimum is not None and not _meets_child_minimum(qualifying, child_minimum, face_to_face):
                fallback = profile.child_minimum_fallback_tier
                if fallback is None:
                    return verdict(qualifying, reason=BillingReason.CHILD_MINIMUM_NOT_MET)
                return verdict(qualifying, **_rate_outcome(profile.rate_for_tier(fallback), first_day,
                                                           note=CHILD_MINIMUM_NOT_MET_NOTE))
            return verdict(qualifying, **_rate_outcome(profile.rate_for_tier(tier), first_day))

        # step 5: outreach limits, over the months already evaluated in order (and those billed elsewhere)
        if month.index in self._elsewhere:
            return verdict(reason=BillingReason.OUTREACH_BILLED_ELSEWHERE)
        counted_in_lookback = sum(
            self._counted(month.index - back) for back in range(1, OUTREACH_LOOKBACK_MONTHS + 1)
        )
        if counted_in_lookback >= OUTREACH_MAX_IN_ROLLING_MONTHS:
            return verdict(reason=BillingReason.OUTREACH_LIMIT_12M)
        previous_counted = self._counted(month.index - 1)
        if all(self._counted(month.index - back) for back in range(1, OUTREACH_MAX_IN_A_ROW + 1)):
            return verdict(reason=BillingReason.OUTREACH_LIMIT)
        if previous_counted and not any(c.in_person_with(face_to_face) for c in qualifying):
            return verdict(reason=BillingReason.OUTREACH_NEEDS_FACE_TO_FACE)
        # step 6 for outreach: the agency's outreach code
        return verdict(**_rate_outcome(profile.outreach_rate, first_day))

    def _face_to_face_people(self, segment: SegmentType, tier: Tier | None) -> frozenset[WithWhom]:
        """Who an in-person contact must be with to count as face to face in this kind of month."""
        profile = self._profile
        if segment is SegmentType.OUTREACH:
            return profile.outreach_face_to_face_with
        if tier in profile.child_minimums:
            return profile.child_face_to_face_with
        return profile.hh_plus_in_person_with

    def _hh_plus_population(self, month: ServiceMonth) -> str:
        applies = self._profile.aot_applies
        if any(order.covers(month.first_day, month.last_day, applies) for order in self._facts.aot_orders):
            return AOT
        return (self._facts.hh_plus_population or self._profile.hh_plus_default_population).value


CHILD_MINIMUM_NOT_MET_NOTE = BillingReason.CHILD_MINIMUM_NOT_MET.value


def _consent_end_in(facts: MemberBillingFacts, first_day: date, last_day: date) -> date | None:
    """The day in the month on which a withdrawal or opt-out ended the consent in force, if one did."""
    for record in sorted(facts.consents, key=lambda r: r.dated):
        if (first_day <= record.dated <= last_day and record.kind is not ConsentKind.CONSENT
                and consent_date_on(facts, record.dated - timedelta(days=1)) is not None):
            return record.dated
    return None


def _meets_hh_plus_minimum(qualifying: Sequence[ContactFact], profile: BillingProfile, population: str) -> bool:
    minimum = profile.hh_plus_minimum(population)
    in_person = [c for c in qualifying if c.in_person_with(profile.hh_plus_in_person_with)]
    by_care_manager = sum(1 for contact in in_person if contact.by_care_manager)
    return (
        len(qualifying) >= minimum.qualifying_contacts
        and len(in_person) >= minimum.in_person
        and by_care_manager >= minimum.in_person_by_care_manager
    )


def _meets_child_minimum(
    qualifying: Sequence[ContactFact], minimum: ChildMinimum, face_to_face: frozenset[WithWhom]
) -> bool:
    # "The two Health Home core services per month must occur on different days": count days, not contacts.
    days = {contact.dated for contact in qualifying}
    face_to_face_days = {contact.dated for contact in qualifying if contact.in_person_with(face_to_face)}
    if len(face_to_face_days) < minimum.face_to_face:
        return False
    return len(days) >= minimum.service_days


def _rate_outcome(rate: RateCode | None, first_day: date, note: str | None = None) -> dict[str, object]:
    if rate is None:
        return {"reason": BillingReason.NO_RATE_CODE, "note": note}
    period = rate.period_on(first_day)
    amount = period.amount if period is not None else None
    return {"rate_code": rate.code, "amount": amount, "note": note, "rate_period": period}


def _verdict(
    month: ServiceMonth,
    segment: SegmentType | None,
    tier: Tier | None,
    qualifying: Sequence[ContactFact],
    face_to_face: frozenset[WithWhom] = frozenset({WithWhom.MEMBER}),
    *,
    reason: BillingReason | None = None,
    note: str | None = None,
    rate_code: str | None = None,
    amount: Decimal | None = None,
    hh_plus_minimum_met: bool | None = None,
    hh_plus_population: str | None = None,
    consent_ended: date | None = None,
    rate_period: RatePeriod | None = None,
) -> MonthEvaluation:
    services = sorted({service.value for contact in qualifying for service in contact.core_services})
    return MonthEvaluation(
        service_month=month,
        segment=segment,
        tier=tier,
        qualifying_contacts=len(qualifying),
        in_person_contacts=sum(1 for contact in qualifying if contact.in_person_with(face_to_face)),
        core_services=tuple(services),
        billable=reason is None,
        reason=reason,
        note=note,
        rate_code=None if reason else rate_code,
        amount=None if reason else amount,
        hh_plus_minimum_met=hh_plus_minimum_met,
        hh_plus_population=hh_plus_population,
        consent_ended=consent_ended,
        rate_period=None if reason else rate_period,
    )


def evaluate_month(
    facts: MemberBillingFacts, profile: BillingProfile, month: ServiceMonth | str
) -> MonthEvaluation:
    """Evaluate one member-month (earlier outreach months are worked out as needed)."""
    return BillingEvaluator(facts, profile).evaluate(month)


def evaluate_months(
    facts: MemberBillingFacts, profile: BillingProfile, months: Iterable[ServiceMonth | str]
) -> list[MonthEvaluation]:
    """Evaluate several months of one member, in the order given, sharing the worked-out history."""
    return BillingEvaluator(facts, profile).evaluate_many(months)
