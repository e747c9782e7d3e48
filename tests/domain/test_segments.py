"""Segments, status on a date, transitions, consent on file, enrolment checks and tiers (docs/domain.md §4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.conditions import Condition
from hhdesk.domain.eligibility import evaluate_eligibility
from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason, MemberStatus, SegmentType, Tier
from hhdesk.domain.errors import DomainError
from hhdesk.domain.segments import (
    ConsentRecord,
    Segment,
    TierPeriod,
    check_enrolment,
    consent_in_effect,
    consent_on_file,
    disenrol,
    enrol,
    re_enrol,
    start_outreach,
    status_on,
    tier_for_billing_month,
    tier_on,
    validate_history,
    validate_new_segment,
    validate_segment,
)
from hhdesk.profiles import load_program_profile

OUT = SegmentType.OUTREACH
ENR = SegmentType.ENROLLED
D = date


def closed(kind: SegmentType, start: date, end: date, reason: EndReason = EndReason.MOVED) -> Segment:
    return Segment(kind, start, end, reason)


MARCH = closed(ENR, D(2024, 3, 1), D(2024, 3, 31))


# ---- overlap cases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "new",
    [
        pytest.param(closed(OUT, D(2024, 4, 1), D(2024, 4, 30)), id="touching-after"),
        pytest.param(closed(OUT, D(2024, 2, 1), D(2024, 2, 29)), id="touching-before"),
        pytest.param(Segment(OUT, D(2024, 4, 1)), id="open-after"),
        pytest.param(closed(OUT, D(2023, 1, 1), D(2023, 1, 1)), id="one-day-long-before"),
    ],
)
def test_segments_that_do_not_overlap_are_accepted(new: Segment) -> None:
    validate_new_segment([MARCH], new)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        pytest.param(closed(OUT, D(2024, 3, 10), D(2024, 3, 20)), "overlaps", id="nested-inside"),
        pytest.param(closed(OUT, D(2024, 2, 1), D(2024, 4, 30)), "overlaps", id="surrounding"),
        pytest.param(closed(OUT, D(2024, 3, 1), D(2024, 3, 5)), "overlaps", id="same-start"),
        pytest.param(closed(OUT, D(2024, 2, 1), D(2024, 3, 1)), "overlaps", id="ends-on-start-day"),
        pytest.param(
            closed(OUT, D(2024, 3, 31), D(2024, 4, 5)), "starts on the last day", id="starts-on-end-day"
        ),
        pytest.param(closed(OUT, D(2024, 3, 15), D(2024, 4, 15)), "overlaps", id="straddles-end"),
        pytest.param(Segment(OUT, D(2024, 2, 1)), "overlaps", id="open-ended-before"),
        pytest.param(Segment(OUT, D(2024, 3, 15)), "overlaps", id="open-ended-inside"),
        pytest.param(closed(ENR, D(2024, 3, 1), D(2024, 3, 31)), "overlaps", id="identical"),
    ],
)
def test_overlapping_segments_are_refused(new: Segment, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        validate_new_segment([MARCH], new)


def test_an_open_existing_segment_blocks_anything_starting_after_it() -> None:
    existing = Segment(OUT, D(2024, 1, 1))
    with pytest.raises(DomainError, match="open outreach segment"):
        validate_new_segment([existing], closed(ENR, D(2024, 5, 1), D(2024, 5, 2)))
    with pytest.raises(DomainError, match="open outreach segment"):
        validate_new_segment([existing], Segment(ENR, D(2024, 1, 1)))
    # A closed segment wholly before the open one is history, and fine.
    validate_new_segment([existing], closed(ENR, D(2023, 1, 1), D(2023, 12, 31)))


def test_two_open_segments_always_overlap() -> None:
    with pytest.raises(DomainError):
        validate_new_segment([Segment(OUT, D(2024, 5, 1))], Segment(ENR, D(2024, 1, 1)))


@pytest.mark.parametrize(
    ("segment", "message"),
    [
        (Segment(OUT, D(2024, 3, 2), D(2024, 3, 1), EndReason.MOVED), "before the start"),
        (Segment(OUT, D(2024, 3, 1), D(2024, 3, 2)), "needs an end reason"),
        (Segment(OUT, D(2024, 3, 1), None, EndReason.MOVED), "only given with an end date"),
        (Segment(ENR, D(2024, 3, 1), D(2024, 3, 2), EndReason.ENROLLED), "Only an outreach segment"),
    ],
)
def test_malformed_segments_are_refused(segment: Segment, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        validate_segment(segment)
    with pytest.raises(DomainError, match=message):
        validate_new_segment([], segment)


def test_a_one_day_segment_is_valid() -> None:
    validate_segment(Segment(OUT, D(2024, 3, 1), D(2024, 3, 1), EndReason.DECLINED))


def test_validate_history_finds_an_overlap_in_any_order() -> None:
    with pytest.raises(DomainError):
        validate_history([Segment(ENR, D(2024, 4, 1)), MARCH, closed(OUT, D(2024, 3, 20), D(2024, 3, 25))])
    validate_history([Segment(ENR, D(2024, 4, 1)), MARCH])


# ---- status on a date -----------------------------------------------------------------------------


def test_status_on_dates() -> None:
    history = [
        closed(OUT, D(2024, 1, 10), D(2024, 2, 14), EndReason.ENROLLED),
        closed(ENR, D(2024, 2, 15), D(2024, 6, 30), EndReason.MOVED),
        Segment(ENR, D(2024, 9, 1)),
    ]
    assert status_on(history, D(2024, 1, 9)) is MemberStatus.REFERRED
    assert status_on(history, D(2024, 1, 10)) is MemberStatus.OUTREACH
    assert status_on(history, D(2024, 2, 14)) is MemberStatus.OUTREACH
    assert status_on(history, D(2024, 2, 15)) is MemberStatus.ENROLLED
    assert status_on(history, D(2024, 6, 30)) is MemberStatus.ENROLLED
    assert status_on(history, D(2024, 7, 1)) is MemberStatus.DISENROLLED
    assert status_on(history, D(2024, 9, 1)) is MemberStatus.ENROLLED
    assert status_on(history, D(2030, 1, 1)) is MemberStatus.ENROLLED


def test_no_segments_means_referred() -> None:
    assert status_on([], D(2024, 1, 1)) is MemberStatus.REFERRED


# ---- transitions ----------------------------------------------------------------------------------


def test_outreach_then_enrol_closes_outreach_the_day_before() -> None:
    outreach = start_outreach([], D(2024, 1, 10))
    assert outreach.added == (Segment(OUT, D(2024, 1, 10)),)
    plan = enrol(outreach.result, D(2024, 2, 15))
    before, after = plan.closed[0]
    assert before == Segment(OUT, D(2024, 1, 10))
    assert after == Segment(OUT, D(2024, 1, 10), D(2024, 2, 14), EndReason.ENROLLED)
    assert plan.added == (Segment(ENR, D(2024, 2, 15)),)
    assert plan.result == (after, Segment(ENR, D(2024, 2, 15)))


def test_enrol_on_the_day_outreach_began_drops_the_empty_outreach() -> None:
    plan = enrol([Segment(OUT, D(2024, 1, 10))], D(2024, 1, 10))
    assert plan.removed == (Segment(OUT, D(2024, 1, 10)),)
    assert plan.closed == ()
    assert plan.result == (Segment(ENR, D(2024, 1, 10)),)


def test_enrol_before_outreach_began_is_refused() -> None:
    with pytest.raises(DomainError, match="before the current outreach began"):
        enrol([Segment(OUT, D(2024, 1, 10))], D(2024, 1, 9))


def test_enrol_twice_is_refused() -> None:
    with pytest.raises(DomainError, match="already enrolled"):
        enrol([Segment(ENR, D(2024, 1, 10))], D(2024, 3, 1))


def test_enrol_without_outreach() -> None:
    plan = enrol([], D(2024, 1, 10))
    assert plan.result == (Segment(ENR, D(2024, 1, 10)),)


def test_disenrol_needs_an_open_segment_and_a_real_reason() -> None:
    with pytest.raises(DomainError, match="no open segment"):
        disenrol([MARCH], D(2024, 4, 1), EndReason.MOVED)
    with pytest.raises(DomainError, match="not a disenrolment reason"):
        disenrol([Segment(ENR, D(2024, 1, 1))], D(2024, 4, 1), EndReason.ENROLLED)
    with pytest.raises(DomainError, match="before the start"):
        disenrol([Segment(ENR, D(2024, 1, 1))], D(2023, 12, 31), EndReason.MOVED)
    profile = load_program_profile("program_ny")
    plan = disenrol(
        [Segment(ENR, D(2024, 1, 1))], D(2024, 1, 1), EndReason.DECEASED, profile.disenrolment_reasons
    )
    assert plan.result == (Segment(ENR, D(2024, 1, 1), D(2024, 1, 1), EndReason.DECEASED),)
    with pytest.raises(DomainError, match="not in the program's list"):
        disenrol([Segment(ENR, D(2024, 1, 1))], D(2024, 2, 1), EndReason.OTHER, [EndReason.MOVED])


def test_outreach_can_end_without_enrolment() -> None:
    plan = disenrol([Segment(OUT, D(2024, 1, 1))], D(2024, 3, 31), EndReason.UNABLE_TO_LOCATE)
    assert plan.result[0].end_reason is EndReason.UNABLE_TO_LOCATE


def test_disenrol_and_re_enrol() -> None:
    history = disenrol([Segment(ENR, D(2024, 1, 1))], D(2024, 3, 31), EndReason.LOST_MEDICAID).result
    with pytest.raises(DomainError, match="starts on the last day"):
        re_enrol(history, D(2024, 3, 31))
    plan = re_enrol(history, D(2024, 4, 1))
    assert status_on(plan.result, D(2024, 3, 31)) is MemberStatus.ENROLLED
    assert status_on(plan.result, D(2024, 4, 1)) is MemberStatus.ENROLLED
    with pytest.raises(DomainError, match="not been enrolled before"):
        re_enrol([], D(2024, 4, 1))


def test_start_outreach_while_enrolled_is_refused() -> None:
    with pytest.raises(DomainError, match="open enrolled segment"):
        start_outreach([Segment(ENR, D(2024, 1, 1))], D(2024, 5, 1))


# Any sequence of transitions keeps the history free of overlaps.
actions = st.lists(
    st.tuples(
        st.sampled_from(["outreach", "enrol", "re_enrol", "disenrol"]), st.integers(min_value=0, max_value=60)
    ),
    max_size=12,
)


@given(actions)
def test_transitions_never_produce_overlapping_segments(steps: list[tuple[str, int]]) -> None:
    history: tuple[Segment, ...] = ()
    day = D(2024, 1, 1)
    for action, gap in steps:
        day += timedelta(days=gap)
        try:
            if action == "outreach":
                plan = start_outreach(history, day)
            elif action == "enrol":
                plan = enrol(history, day)
            elif action == "re_enrol":
                plan = re_enrol(history, day)
            else:
                plan = disenrol(history, day, EndReason.MOVED)
        except DomainError:
            continue
        history = plan.result
        validate_history(history)
        assert sum(1 for s in history if s.is_open) <= 1
        if action in ("enrol", "re_enrol"):
            assert status_on(history, day) is MemberStatus.ENROLLED


# ---- consent ---------------------------------------------------------------------------------------

CONSENT = ConsentKind.CONSENT
WITHDRAWAL = ConsentKind.WITHDRAWAL
OPT_OUT = ConsentKind.OPT_OUT


def test_consent_on_file_from_the_day_it_is_signed() -> None:
    consents = [ConsentRecord(CONSENT, D(2024, 2, 1), "DOH-5055")]
    assert not consent_on_file(consents, D(2024, 1, 31))
    assert consent_on_file(consents, D(2024, 2, 1))
    assert consent_in_effect(consents, D(2024, 5, 1)) == consents[0]


def test_withdrawal_and_opt_out_cancel_consent_and_a_new_consent_restores_it() -> None:
    consents = [
        ConsentRecord(CONSENT, D(2024, 2, 1)),
        ConsentRecord(WITHDRAWAL, D(2024, 3, 1)),
        ConsentRecord(CONSENT, D(2024, 4, 1)),
        ConsentRecord(OPT_OUT, D(2024, 5, 1)),
    ]
    assert consent_on_file(consents, D(2024, 2, 29))
    assert not consent_on_file(consents, D(2024, 3, 1))
    assert consent_on_file(consents, D(2024, 4, 1))
    assert not consent_on_file(consents, D(2024, 5, 1))


def test_withdrawal_on_the_same_day_as_consent_wins() -> None:
    consents = [ConsentRecord(WITHDRAWAL, D(2024, 2, 1)), ConsentRecord(CONSENT, D(2024, 2, 1))]
    assert not consent_on_file(consents, D(2024, 2, 1))


def test_withdrawal_alone_is_no_consent() -> None:
    assert not consent_on_file([ConsentRecord(WITHDRAWAL, D(2024, 2, 1))], D(2024, 3, 1))


# ---- enrolment checks ------------------------------------------------------------------------------

NY = load_program_profile("program_ny")
ELIGIBLE = evaluate_eligibility(
    [
        Condition("E11.9", "Type 2 diabetes", ChronicCategory.DIABETES),
        Condition("J45.909", "Asthma", ChronicCategory.ASTHMA),
    ],
    NY,
    appropriateness=["no_visit_past_year"],
)
NOT_ELIGIBLE = evaluate_eligibility([], NY)
SIGNED = [ConsentRecord(CONSENT, D(2024, 2, 1), "DOH-5055")]


def test_enrolment_with_consent_and_eligibility_is_clear() -> None:
    assert check_enrolment(SIGNED, ELIGIBLE, D(2024, 2, 1)) == []


def test_enrolment_needs_consent_on_or_before_the_date() -> None:
    problems = check_enrolment(SIGNED, ELIGIBLE, D(2024, 1, 31))
    assert problems == ["No signed consent is on file on or before the enrolment date."]


def test_enrolment_needs_eligibility_and_says_why() -> None:
    problems = check_enrolment(SIGNED, NOT_ELIGIBLE, D(2024, 2, 1))
    assert len(problems) == 1
    assert "does not meet the eligibility rules" in problems[0]
    assert "no chronic condition is recorded" in problems[0]


def test_override_with_a_written_reason_lets_enrolment_through() -> None:
    assert check_enrolment([], NOT_ELIGIBLE, D(2024, 2, 1), "Legacy member; consent form being located") == []


def test_a_too_short_override_reason_is_itself_a_problem() -> None:
    problems = check_enrolment([], ELIGIBLE, D(2024, 2, 1), "  ok  ")
    assert problems[-1].startswith("An override reason must be at least")
    assert len(problems) == 2


def test_blank_override_reason_is_no_override() -> None:
    assert len(check_enrolment([], NOT_ELIGIBLE, D(2024, 2, 1), "   ")) == 2


# ---- tiers -----------------------------------------------------------------------------------------


def test_tier_on_and_billing_month_uses_the_last_day() -> None:
    tiers = [TierPeriod(Tier.HIGH_RISK, D(2024, 3, 31)), TierPeriod(Tier.STANDARD, D(2024, 1, 15))]
    assert tier_on(tiers, D(2024, 1, 14)) is None
    assert tier_on(tiers, D(2024, 1, 15)) is Tier.STANDARD
    assert tier_on(tiers, D(2024, 3, 30)) is Tier.STANDARD
    assert tier_on(tiers, D(2024, 3, 31)) is Tier.HIGH_RISK
    assert tier_for_billing_month(tiers, 2024, 1) is Tier.STANDARD
    assert tier_for_billing_month(tiers, 2024, 3) is Tier.HIGH_RISK
    assert tier_for_billing_month(tiers, 2023, 12) is None
    assert tier_for_billing_month([TierPeriod(Tier.HH_PLUS, D(2024, 2, 29))], 2024, 2) is Tier.HH_PLUS


def test_two_tiers_on_one_date_are_refused() -> None:
    from hhdesk.domain.segments import validate_new_tier

    with pytest.raises(DomainError):
        validate_new_tier([TierPeriod(Tier.STANDARD, D(2024, 1, 1))], TierPeriod(Tier.HH_PLUS, D(2024, 1, 1)))
    validate_new_tier([TierPeriod(Tier.STANDARD, D(2024, 1, 1))], TierPeriod(Tier.HH_PLUS, D(2024, 1, 2)))
