"""The quality measures through the service, on a hand-worked caseload (January 2026 discharges)."""

from __future__ import annotations

from datetime import date, datetime

from hhdesk.domain.enums import ContactMode, CoreService, Role, SegmentType, TransitionSetting, WithWhom
from hhdesk.domain.measures import EvidenceSource
from hhdesk.services import contacts, measures, transitions
from hhdesk.services.contacts import ContactInput
from hhdesk.services.transitions import EpisodeInput
from tests.services.care_helpers import add_member

ENROLLED = ((SegmentType.ENROLLED, date(2025, 1, 1), None),)
PSYCH = TransitionSetting.INPATIENT_PSYCHIATRIC


def stay(app, member: int, setting: TransitionSetting, admitted: date, discharged: date | None) -> int:
    view = transitions.open_episode(app, member, EpisodeInput(setting, admitted, datetime.combine(admitted, datetime.min.time()),
                                                              facility_name="Hospital"),
                                    now=datetime(2026, 6, 1))
    if discharged is not None:
        transitions.record_discharge(app, view.episode_id, datetime.combine(discharged, datetime.min.time()).replace(hour=11),
                                     now=datetime(2026, 6, 1))
    return view.episode_id


def test_follow_up_and_readmissions_on_a_hand_worked_case(admin, login_as) -> None:
    cm = login_as(Role.CARE_MANAGER)
    a = add_member(admin, "AA11111A", "Alpha", "Al", segments=ENROLLED, conditions=("smi",))
    b = add_member(admin, "BB22222B", "Bravo", "Bo", segments=ENROLLED, conditions=("smi",))
    c = add_member(admin, "CC33333C", "Charlie", "Cy", segments=ENROLLED, conditions=("smi",))
    stay(cm, a, PSYCH, date(2026, 1, 3), date(2026, 1, 10))
    # A: TC contact with the treating provider on day 5: followed up within 7 (and 30) days.
    contacts.log_contact(cm, a, ContactInput(date(2026, 1, 15), ContactMode.COLLATERAL, WithWhom.PROVIDER, 10,
                                             frozenset({CoreService.TC})), today=date(2026, 6, 1))
    # B: the 30-day follow-up item marked done on day 21.
    b_episode = stay(cm, b, PSYCH, date(2026, 1, 12), date(2026, 1, 20))
    item = next(i for i in transitions.get_episode(cm, b_episode).items if i.key == "bh_followup_30d")
    transitions.mark_item_done(cm, item.item_id, datetime(2026, 2, 10, 15), now=datetime(2026, 6, 1))
    # C: admitted to a medical bed 11 days after the psychiatric discharge: excluded from FUH, a readmission.
    stay(cm, c, PSYCH, date(2026, 1, 18), date(2026, 1, 25))
    stay(cm, c, TransitionSetting.INPATIENT_MEDICAL, date(2026, 2, 5), date(2026, 2, 8))
    # An ED visit and a discharge outside the period do not count.
    stay(cm, a, TransitionSetting.EMERGENCY_DEPARTMENT, date(2026, 1, 20), date(2026, 1, 20))
    stay(cm, b, PSYCH, date(2026, 3, 15), date(2026, 3, 20))

    report = measures.quality_report(cm, date(2026, 1, 1), date(2026, 1, 31), today=date(2026, 6, 1))
    fuh = report.followup
    assert (fuh.denominator, fuh.numerator_7, fuh.numerator_30, fuh.excluded) == (2, 1, 2, 1)
    assert measures.rate_text(fuh.rate_7) == "50.0%" and measures.rate_text(fuh.rate_30) == "100.0%"
    sources = {report.member_label(d.member_key).medicaid_id: d.followed_up_by for d in fuh.details}
    assert sources == {"AA11111A": EvidenceSource.CONTACT, "BB22222B": EvidenceSource.CHECKLIST_ITEM,
                       "CC33333C": None}
    assert report.followups_from_contacts == 1 and report.complete
    readmissions = report.readmissions
    assert (readmissions.denominator, readmissions.numerator) == (3, 1)

    strict = measures.quality_report(cm, date(2026, 1, 1), date(2026, 1, 31), checklist_evidence_only=True,
                                     today=date(2026, 2, 1))
    assert (strict.followup.numerator_7, strict.followup.numerator_30) == (0, 1)
    assert not strict.complete


def test_an_empty_period(admin) -> None:
    report = measures.quality_report(admin, date(2025, 1, 1), date(2025, 1, 31))
    assert report.followup.denominator == 0 and measures.rate_text(report.followup.rate_7) == "—"
