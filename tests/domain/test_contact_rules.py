"""Contact mode rules (docs/domain.md §5) and the month summary on the member header."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.contact_rules import (
    ATTEMPT_ENROLLED,
    DATE_IN_FUTURE,
    MAIL_ENROLLED,
    MAIL_OUTREACH,
    MINUTES_OUT_OF_RANGE,
    NO_SEGMENT_WARNING,
    ContactFacts,
    MonthRequirement,
    contact_field_problems,
    contact_problems,
    contact_warnings,
    core_services_allowed,
    may_change_contact,
    month_summary,
    still_needed,
)
from hhdesk.domain.enums import ContactMode, CoreService, Role, SegmentType, Tier

M = ContactMode
ENR, OUT = SegmentType.ENROLLED, SegmentType.OUTREACH
TODAY = date(2026, 3, 20)
CM = frozenset({CoreService.CM})

# The table of docs/domain.md §5, written out rather than computed, so a change to the rule shows up here.
ALLOWED = {
    (ENR, M.IN_PERSON): True, (ENR, M.PHONE): True, (ENR, M.VIDEO): True, (ENR, M.COLLATERAL): True,
    (ENR, M.MAIL): False, (ENR, M.ATTEMPT): False,
    (OUT, M.IN_PERSON): True, (OUT, M.PHONE): True, (OUT, M.VIDEO): True, (OUT, M.COLLATERAL): True,
    (OUT, M.MAIL): False, (OUT, M.ATTEMPT): True,
    (None, M.IN_PERSON): True, (None, M.PHONE): True, (None, M.VIDEO): True, (None, M.COLLATERAL): True,
    (None, M.MAIL): False, (None, M.ATTEMPT): True,
}


@pytest.mark.parametrize(("segment", "mode"), list(ALLOWED))
def test_core_services_allowed_follows_the_table(segment, mode):
    assert core_services_allowed(segment, mode) is ALLOWED[(segment, mode)]


def test_mail_for_an_enrolled_member_gets_the_spoken_exchange_message():
    assert contact_problems(ENR, M.MAIL, CM, 10, TODAY, TODAY) == [MAIL_ENROLLED]
    assert "New York counts only spoken exchanges" in MAIL_ENROLLED


def test_attempt_for_an_enrolled_member_says_no_one_was_reached():
    assert contact_problems(ENR, M.ATTEMPT, CM, 0, TODAY, TODAY) == [ATTEMPT_ENROLLED]


def test_attempt_in_outreach_may_carry_a_core_service_but_mail_may_not():
    assert contact_problems(OUT, M.ATTEMPT, CM, 5, TODAY, TODAY) == []
    assert contact_problems(OUT, M.MAIL, CM, 5, TODAY, TODAY) == [MAIL_OUTREACH]


def test_mail_without_core_services_is_a_valid_record():
    assert contact_problems(ENR, M.MAIL, frozenset(), 0, TODAY, TODAY) == []


def test_no_segment_is_allowed_with_a_warning_only_when_services_are_claimed():
    assert contact_problems(None, M.PHONE, CM, 15, TODAY, TODAY) == []
    assert contact_warnings(None, CM) == [NO_SEGMENT_WARNING]
    assert contact_warnings(None, frozenset()) == []
    assert contact_warnings(ENR, CM) == []


@pytest.mark.parametrize(("minutes", "ok"), [(-1, False), (0, True), (600, True), (601, False), (True, False)])
def test_minutes_range(minutes, ok):
    problems = contact_problems(ENR, M.PHONE, CM, minutes, TODAY, TODAY)
    assert (problems == []) is ok
    if not ok:
        assert problems == [MINUTES_OUT_OF_RANGE]


def test_a_contact_cannot_be_dated_in_the_future():
    assert contact_problems(ENR, M.PHONE, CM, 10, TODAY + timedelta(days=1), TODAY) == [DATE_IN_FUTURE]
    assert contact_problems(ENR, M.PHONE, CM, 10, TODAY, TODAY) == []


def test_field_problems_name_the_field_and_report_every_problem():
    problems = contact_field_problems(ENR, M.MAIL, CM, 700, TODAY + timedelta(days=1), TODAY)
    assert [field for field, _ in problems] == ["core_services", "minutes", "date"]


@given(
    segment=st.sampled_from([ENR, OUT, None]),
    mode=st.sampled_from(list(ContactMode)),
    services=st.frozensets(st.sampled_from(list(CoreService))),
    minutes=st.integers(-100, 1000),
    offset=st.integers(-400, 400),
)
def test_problems_are_exactly_the_broken_rules(segment, mode, services, minutes, offset):
    contact_date = TODAY + timedelta(days=offset)
    expected_ok = (
        (not services or ALLOWED[(segment, mode)]) and 0 <= minutes <= 600 and contact_date <= TODAY
    )
    assert (contact_problems(segment, mode, services, minutes, contact_date, TODAY) == []) is expected_ok


# -- month summary ------------------------------------------------------------------------------------------


def contact(day: int, mode: ContactMode = M.PHONE, segment=ENR, services=CM, month: int = 3) -> ContactFacts:
    return ContactFacts(date(2026, month, day), mode, frozenset(services), segment)


def test_hh_plus_with_two_phone_calls_needs_two_more_both_in_person():
    summary = month_summary([contact(2), contact(9)], Tier.HH_PLUS, date(2026, 3, 15), ENR)
    assert (summary.qualifying, summary.in_person) == (2, 0)
    assert (summary.more_needed, summary.more_in_person_needed) == (2, 2)
    assert summary.sentence == "Needs 2 more contacts, 2 in person"
    assert not summary.met


def test_hh_plus_with_three_contacts_one_in_person_needs_one_more_in_person():
    contacts = [contact(2, M.IN_PERSON), contact(3), contact(4)]
    summary = month_summary(contacts, Tier.HH_PLUS, date(2026, 3, 1), ENR)
    assert summary.sentence == "Needs 1 more contact, 1 in person"


def test_hh_plus_with_many_calls_but_one_visit_still_needs_a_visit():
    contacts = [contact(2, M.IN_PERSON), contact(3), contact(4), contact(5), contact(6)]
    summary = month_summary(contacts, Tier.HH_PLUS, date(2026, 3, 1), ENR)
    assert (summary.qualifying, summary.more_needed, summary.more_in_person_needed) == (5, 1, 1)


def test_hh_plus_met():
    contacts = [contact(2, M.IN_PERSON), contact(3, M.IN_PERSON), contact(4), contact(5, M.COLLATERAL)]
    summary = month_summary(contacts, Tier.HH_PLUS, date(2026, 3, 1), ENR)
    assert summary.met
    assert summary.sentence == "Monthly minimum met: 4 qualifying contacts, 2 in person"


def test_standard_tier_needs_one_contact():
    assert month_summary([], Tier.STANDARD, date(2026, 3, 1), ENR).sentence == "Needs 1 more contact"
    summary = month_summary([contact(31)], Tier.STANDARD, date(2026, 3, 1), ENR)
    assert summary.met
    assert summary.sentence == "Monthly minimum met: 1 qualifying contact"
    assert month_summary([contact(5)], None, date(2026, 3, 1), ENR).met


def test_only_qualifying_contacts_of_the_month_count():
    contacts = [
        contact(28, month=2),  # other month
        contact(1, month=4),  # other month
        contact(5, M.MAIL),  # mail never qualifies
        contact(6, M.ATTEMPT),  # attempt does not qualify for an enrolled member
        contact(7, services=()),  # no core service
        contact(8, M.IN_PERSON),
    ]
    summary = month_summary(contacts, Tier.HH_PLUS, date(2026, 3, 10), ENR)
    assert (summary.qualifying, summary.in_person) == (1, 1)


def test_outreach_days_do_not_count_toward_the_enrolled_month():
    contacts = [contact(3, M.IN_PERSON, segment=OUT), contact(20, M.PHONE, segment=ENR)]
    summary = month_summary(contacts, Tier.STANDARD, date(2026, 3, 1), ENR)
    assert summary.segment_type == ENR
    assert summary.qualifying == 1
    # Enrolled on the 25th, no contact logged since: the outreach visit does not count.
    summary = month_summary([contact(3, M.IN_PERSON, segment=OUT)], Tier.STANDARD, date(2026, 3, 1), ENR)
    assert summary.qualifying == 0
    assert summary.sentence == "Needs 1 more contact"


def test_outreach_month_needs_one_contact_whatever_the_tier():
    summary = month_summary([contact(3, M.ATTEMPT, segment=OUT)], Tier.HH_PLUS, date(2026, 3, 1), OUT)
    assert summary.segment_type == OUT
    assert summary.met
    assert summary.required == 1


def test_no_segment_this_month():
    summary = month_summary([contact(3, segment=None)], Tier.STANDARD, date(2026, 3, 1), None)
    assert summary.segment_type is None
    assert summary.qualifying == 0
    assert not summary.met
    assert summary.sentence.startswith("No outreach or enrolled segment this month")


def test_hh_plus_minimum_comes_from_the_profile_when_given():
    contacts = [contact(2, M.IN_PERSON), contact(3, M.IN_PERSON), contact(4)]
    summary = month_summary(contacts, Tier.HH_PLUS, date(2026, 3, 1), ENR, hh_plus=MonthRequirement(3, 2))
    assert summary.met


@given(
    st.lists(
        st.builds(
            ContactFacts,
            contact_date=st.dates(date(2026, 2, 20), date(2026, 4, 10)),
            mode=st.sampled_from(list(ContactMode)),
            core_services=st.frozensets(st.sampled_from(list(CoreService)), max_size=2),
            segment_type=st.sampled_from([ENR]),
        ),
        max_size=12,
    ),
    st.sampled_from(list(Tier)),
)
def test_summary_is_met_exactly_when_both_minimums_are_reached(contacts, tier):
    summary = month_summary(contacts, tier, date(2026, 3, 1), ENR)
    assert summary.more_needed >= summary.more_in_person_needed >= 0
    assert summary.met is (
        summary.qualifying >= summary.required and summary.in_person >= summary.required_in_person
    )
    assert summary.in_person <= summary.qualifying


def test_in_person_counts_toward_the_hh_plus_minimum_only_with_the_member() -> None:
    # NY DOH HH+ notice (2023-04-04): "two (2) of which must be done in-person" — with the member, as billing
    # reads it (docs/billing.md rule 1); an in-person meeting with a provider does not count.
    from hhdesk.domain.contact_rules import ContactFacts, month_summary
    from hhdesk.domain.enums import ContactMode, CoreService, SegmentType, Tier, WithWhom

    day = date(2024, 3, 4)
    facts = [ContactFacts(day, ContactMode.IN_PERSON, frozenset({CoreService.CM}), SegmentType.ENROLLED, who)
             for who in (WithWhom.MEMBER, WithWhom.PROVIDER, WithWhom.FAMILY, WithWhom.MEMBER)]
    summary = month_summary(facts, Tier.HH_PLUS, day, SegmentType.ENROLLED)
    assert (summary.qualifying, summary.in_person, summary.met) == (4, 2, True)
    summary = month_summary(facts[:3], Tier.HH_PLUS, day, SegmentType.ENROLLED)
    assert (summary.in_person, summary.more_in_person_needed) == (1, 1)


@given(st.integers(0, 8), st.integers(0, 8), st.integers(0, 12), st.integers(0, 12))
def test_the_month_line_and_the_worklist_count_what_is_still_needed_alike(
        contacts: int, in_person: int, qualifying: int, met_in_person: int) -> None:
    requirement = MonthRequirement(contacts, min(in_person, contacts))
    met_in_person = min(met_in_person, qualifying)
    more, more_in_person = still_needed(requirement, qualifying, met_in_person)
    assert more >= more_in_person >= 0
    assert (more == 0) == (qualifying >= requirement.contacts and met_in_person >= requirement.in_person)
    # Logging the `more` contacts, `more_in_person` of them in person, meets the month exactly.
    assert still_needed(requirement, qualifying + more, met_in_person + more_in_person) == (0, 0)


def test_who_may_change_a_contact() -> None:
    assert may_change_contact(Role.CARE_MANAGER, made_it=True)
    assert not may_change_contact(Role.CARE_MANAGER, made_it=False)
    assert may_change_contact(Role.SUPERVISOR, made_it=False) and may_change_contact(Role.ADMIN, made_it=False)
    assert not may_change_contact(Role.BILLING, made_it=True)
    assert not may_change_contact(Role.READ_ONLY, made_it=True)
