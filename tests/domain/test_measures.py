"""The two quality measures on hand-worked cases."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.enums import ChecklistItemStatus, ContactMode, CoreService, TransitionSetting, WithWhom
from hhdesk.domain.errors import DomainError
from hhdesk.domain.measures import (
    EpisodeFacts,
    EvidenceSource,
    FollowUpEvidence,
    evidence_from_checklist_item,
    evidence_from_contact,
    followup_after_psych,
    readmissions_30d,
)

PSY = TransitionSetting.INPATIENT_PSYCHIATRIC
MED = TransitionSetting.INPATIENT_MEDICAL
ED = TransitionSetting.EMERGENCY_DEPARTMENT
SNF = TransitionSetting.SKILLED_NURSING
DETOX = TransitionSetting.DETOX_REHAB
CHECKLIST, CONTACT = EvidenceSource.CHECKLIST_ITEM, EvidenceSource.CONTACT


def episode(episode_id, member, setting, admitted, discharged):
    return EpisodeFacts(episode_id, member, setting, admitted, discharged)


def evidence(member, on, source=CHECKLIST):
    return FollowUpEvidence(member, on, source)


# -- follow-up after a psychiatric stay ---------------------------------------------------------------------

Q1_START, Q1_END = date(2026, 1, 1), date(2026, 3, 31)
FUH_EPISODES = [
    episode(1, "A", PSY, date(2026, 1, 2), date(2026, 1, 10)),
    episode(2, "A", MED, date(2026, 2, 15), date(2026, 2, 18)),  # day 36 after 1: no exclusion
    episode(3, "B", PSY, date(2026, 1, 20), date(2026, 2, 1)),
    episode(4, "C", PSY, date(2026, 2, 1), date(2026, 2, 10)),
    episode(5, "C", MED, date(2026, 2, 25), date(2026, 3, 2)),  # C admitted again on day 15
    episode(6, "D", PSY, date(2026, 2, 20), date(2026, 3, 1)),
    episode(7, "E", PSY, date(2026, 3, 28), date(2026, 4, 2)),  # discharged after the period
    episode(8, "F", PSY, date(2026, 3, 1), date(2026, 3, 10)),
    episode(9, "G", PSY, date(2026, 1, 12), date(2026, 1, 20)),
    episode(10, "G", ED, date(2026, 1, 25), date(2026, 1, 25)),  # an ED visit does not exclude
    episode(11, "H", PSY, date(2026, 3, 25), None),  # still in hospital
]
FUH_EVIDENCE = [
    evidence("A", date(2026, 1, 15)),  # day 5
    evidence("B", date(2026, 2, 1), CONTACT),  # day 0: does not count
    evidence("B", date(2026, 2, 20), CONTACT),  # day 19
    evidence("C", date(2026, 2, 12)),  # would count, but C is excluded
    evidence("F", date(2026, 3, 18)),  # day 8
    evidence("F", date(2026, 4, 10)),  # day 31: too late anyway
    evidence("G", date(2026, 1, 27), CONTACT),  # day 7
    evidence("D", date(2025, 12, 1)),  # long before
    evidence("Z", date(2026, 3, 3)),  # another member
]


def test_followup_after_psych_hand_worked():
    result = followup_after_psych(FUH_EPISODES, FUH_EVIDENCE, Q1_START, Q1_END)
    # In the period: A, B, C, D, F, G. C is excluded (admitted again within 30 days).
    assert (result.denominator, result.excluded) == (5, 1)
    assert result.numerator_7 == 2  # A (day 5), G (day 7)
    assert result.numerator_30 == 4  # A, B (day 19), F (day 8), G
    assert (result.rate_7, result.rate_30) == (0.4, 0.8)

    details = {detail.episode_id: detail for detail in result.details}
    assert list(details) == [1, 9, 3, 4, 6, 8]  # by discharge date
    assert details[3].followed_up_on == date(2026, 2, 20)
    assert details[3].followed_up_by is CONTACT
    assert (details[8].within_7_days, details[8].within_30_days) == (False, True)
    assert details[6].followed_up_on is None
    assert details[4].excluded_because == "Admitted again (inpatient medical) 15 days after discharge."


def test_a_psychiatric_readmission_keeps_only_the_last_discharge():
    episodes = [
        episode(1, "H", PSY, date(2026, 1, 1), date(2026, 1, 5)),
        episode(2, "H", PSY, date(2026, 1, 20), date(2026, 1, 30)),
    ]
    result = followup_after_psych(episodes, [evidence("H", date(2026, 2, 2))], Q1_START, Q1_END)
    assert (result.denominator, result.excluded, result.numerator_7) == (1, 1, 1)
    assert result.details[0].excluded_because is not None
    assert result.details[1].episode_id == 2


def test_a_same_day_transfer_excludes_the_discharge():
    episodes = [
        episode(1, "T", PSY, date(2026, 1, 1), date(2026, 1, 5)),
        episode(2, "T", SNF, date(2026, 1, 5), date(2026, 2, 20)),
    ]
    result = followup_after_psych(episodes, [], Q1_START, Q1_END)
    assert result.denominator == 0
    assert result.details[0].excluded_because == "Admitted again (skilled nursing) on the day of discharge."
    assert result.rate_7 is None and result.rate_30 is None


def test_the_period_is_inclusive_and_ordered():
    episodes = [episode(1, "A", PSY, date(2026, 1, 1), date(2026, 3, 31))]
    assert followup_after_psych(episodes, [], Q1_START, Q1_END).denominator == 1
    assert followup_after_psych(episodes, [], Q1_START, date(2026, 3, 30)).denominator == 0
    with pytest.raises(DomainError):
        followup_after_psych(episodes, [], Q1_END, Q1_START)


def test_evidence_from_checklist_items():
    assert evidence_from_checklist_item("A", "bh_followup_7d", ChecklistItemStatus.DONE, date(2026, 1, 3)) == (
        evidence("A", date(2026, 1, 3))
    )
    assert evidence_from_checklist_item("A", "bh_followup_30d", ChecklistItemStatus.DONE, date(2026, 1, 3))
    assert evidence_from_checklist_item("A", "bh_followup_7d", ChecklistItemStatus.OPEN, None) is None
    assert evidence_from_checklist_item("A", "bh_followup_7d", ChecklistItemStatus.NOT_APPLICABLE, date(2026, 1, 3)) is None
    assert evidence_from_checklist_item("A", "pcp_followup_7d", ChecklistItemStatus.DONE, date(2026, 1, 3)) is None


@pytest.mark.parametrize(
    ("mode", "with_whom", "services", "counts"),
    [
        (ContactMode.COLLATERAL, WithWhom.PROVIDER, {CoreService.TC}, True),
        (ContactMode.IN_PERSON, WithWhom.PROVIDER, {CoreService.TC, CoreService.CC}, True),
        (ContactMode.PHONE, WithWhom.PROVIDER, {CoreService.TC}, True),
        (ContactMode.PHONE, WithWhom.MEMBER, {CoreService.TC}, False),  # the care manager is not the provider
        (ContactMode.PHONE, WithWhom.PROVIDER, {CoreService.CC}, False),  # not transitional care
        (ContactMode.ATTEMPT, WithWhom.PROVIDER, {CoreService.TC}, False),
        (ContactMode.MAIL, WithWhom.PROVIDER, {CoreService.TC}, False),
    ],
)
def test_evidence_from_contacts(mode, with_whom, services, counts):
    found = evidence_from_contact("A", date(2026, 1, 3), mode, with_whom, frozenset(services))
    assert (found == evidence("A", date(2026, 1, 3), CONTACT)) is counts
    assert (found is None) is not counts


# -- 30-day readmissions ------------------------------------------------------------------------------------

JAN_START, JAN_END = date(2026, 1, 1), date(2026, 1, 31)
READMISSION_EPISODES = [
    episode(1, "P", MED, date(2026, 1, 1), date(2026, 1, 5)),
    episode(2, "P", MED, date(2026, 2, 4), date(2026, 2, 10)),  # day 30 after 1; discharged after January
    episode(3, "Q", PSY, date(2026, 1, 3), date(2026, 1, 10)),
    episode(4, "Q", MED, date(2026, 2, 10), date(2026, 2, 12)),  # day 31 after 3: not a readmission
    episode(5, "R", MED, date(2026, 1, 10), date(2026, 1, 15)),
    episode(6, "R", ED, date(2026, 1, 20), date(2026, 1, 20)),  # ED visit: not an admission
    episode(7, "R", DETOX, date(2026, 1, 25), date(2026, 2, 1)),  # not an inpatient setting here
    episode(8, "S", MED, date(2026, 1, 12), date(2026, 1, 20)),
    episode(9, "S", PSY, date(2026, 1, 20), date(2026, 1, 28)),  # same day as 8's discharge
    episode(10, "T", SNF, date(2025, 12, 20), date(2026, 1, 10)),  # SNF discharge: not in the denominator
    episode(11, "T", MED, date(2026, 1, 12), None),  # still admitted
    episode(12, "U", MED, date(2025, 12, 1), date(2025, 12, 20)),  # before January
    episode(13, "U", MED, date(2026, 1, 5), date(2026, 1, 9)),  # readmission of 12, and itself an index
]


def test_readmissions_hand_worked():
    result = readmissions_30d(READMISSION_EPISODES, JAN_START, JAN_END)
    details = {detail.episode_id: detail for detail in result.details}
    assert set(details) == {1, 3, 5, 8, 9, 13}
    assert {episode_id for episode_id, detail in details.items() if detail.readmitted} == {1, 8}
    assert (details[1].readmission_episode_id, details[1].readmitted_on) == (2, date(2026, 2, 4))
    assert details[8].readmission_episode_id == 9
    assert (result.denominator, result.numerator) == (6, 2)
    assert result.rate == pytest.approx(2 / 6)


def test_readmissions_of_an_empty_period():
    result = readmissions_30d([], JAN_START, JAN_END)
    assert (result.denominator, result.numerator, result.rate, result.details) == (0, 0, None, ())


def test_another_members_admission_is_not_a_readmission():
    episodes = [
        episode(1, "A", MED, date(2026, 1, 1), date(2026, 1, 5)),
        episode(2, "B", MED, date(2026, 1, 6), date(2026, 1, 8)),
    ]
    assert readmissions_30d(episodes, JAN_START, JAN_END).numerator == 0


settings = st.sampled_from(list(TransitionSetting))


@st.composite
def episode_lists(draw):
    count = draw(st.integers(0, 12))
    episodes = []
    for index in range(count):
        admitted = draw(st.dates(date(2025, 12, 1), date(2026, 4, 30)))
        length = draw(st.none() | st.integers(0, 40))
        discharged = None if length is None else date.fromordinal(admitted.toordinal() + length)
        episodes.append(episode(index, draw(st.sampled_from("ABC")), draw(settings), admitted, discharged))
    return episodes


@given(
    episode_lists(),
    st.lists(st.builds(FollowUpEvidence, st.sampled_from("ABC"), st.dates(date(2025, 12, 1), date(2026, 6, 1)), st.sampled_from(list(EvidenceSource)))),
)
def test_measure_counts_are_consistent(episodes, evidence_list):
    result = followup_after_psych(episodes, evidence_list, Q1_START, Q1_END)
    assert 0 <= result.numerator_7 <= result.numerator_30 <= result.denominator
    assert result.denominator + result.excluded == len(result.details)
    readmissions = readmissions_30d(episodes, Q1_START, Q1_END)
    assert 0 <= readmissions.numerator <= readmissions.denominator
