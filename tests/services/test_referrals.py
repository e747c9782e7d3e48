"""Referrals through the services: status rules, history, audit, filters, summary, permissions, letter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hhdesk.db.models import AuditEvent, CarePlanGoal, CarePlanNeed, CarePlanVersion, CareTeamMember
from hhdesk.domain.enums import ConsentKind, ReferralCategory, ReferralMethod, ReferralStatus, Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.services import referrals, settings
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import NewReferral, ReferralFilter
from tests.documents.pdf_helpers import all_text, page_texts
from tests.services.referral_data import ReferralWorld, add_consent_form, seed

TODAY = date(2026, 3, 2)
SENT = date(2026, 2, 2)


@pytest.fixture
def world(admin: AppSession) -> ReferralWorld:
    return seed(admin)


def housing(world: ReferralWorld, **changes) -> NewReferral:
    values = dict(member_id=world.member_id, directory_entry_id=world.housing_id,
                  category=ReferralCategory.HOUSING, reason="Living in a shelter since March.",
                  need="A ground-floor apartment he can afford.", request="Please add him to your waiting list.",
                  sent_on=SENT, consent_to_share=True)
    values.update(changes)
    return NewReferral(**values)


def audit_actions(app: AppSession, entity_id: int) -> list[str]:
    with app.store.read_session() as session:
        return list(session.execute(
            select(AuditEvent.action).where(AuditEvent.entity == "referral", AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.id)
        ).scalars())


# ---- status rules ---------------------------------------------------------------------------------


def test_a_referral_moves_sent_accepted_completed_and_keeps_each_change(login_as, world) -> None:
    cm = login_as(Role.CARE_MANAGER)
    made = referrals.create_referral(cm, housing(world), today=TODAY)
    assert made.row.status is ReferralStatus.SENT
    assert made.row.follow_up_on == SENT + timedelta(days=14)
    rid = made.row.referral_id
    referrals.change_status(cm, rid, ReferralStatus.ACCEPTED, date(2026, 2, 9), note="Intake booked", today=TODAY)
    done = referrals.change_status(cm, rid, ReferralStatus.COMPLETED, date(2026, 2, 20),
                                   note="Moved in", outcome="Housed at 12 Elm St.", today=TODAY)
    assert done.row.status is ReferralStatus.COMPLETED and done.row.status_on == date(2026, 2, 20)
    assert done.row.outcome == "Housed at 12 Elm St."
    assert [(h.status, h.changed_on, h.note) for h in done.history] == [
        (ReferralStatus.SENT, SENT, "Sent by letter"),
        (ReferralStatus.ACCEPTED, date(2026, 2, 9), "Intake booked"),
        (ReferralStatus.COMPLETED, date(2026, 2, 20), "Moved in"),
    ]
    assert done.history[-1].changed_by == "Zoë Ångström"
    assert audit_actions(cm, rid) == ["referral_created", "referral_status_changed", "referral_status_changed"]
    # Re-reading gives the same history (it is stored, not kept in memory).
    assert referrals.get_referral(cm, rid, today=TODAY).history == done.history


def test_a_declined_referral_cannot_be_completed(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    referrals.change_status(admin, rid, ReferralStatus.DECLINED, date(2026, 2, 10), today=TODAY)
    with pytest.raises(ValidationFailed, match="declined referral cannot be completed"):
        referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 11), today=TODAY)
    with pytest.raises(ValidationFailed, match="closed"):
        referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, date(2026, 2, 11), today=TODAY)
    detail = referrals.get_referral(admin, rid, today=TODAY)
    assert detail.row.status is ReferralStatus.DECLINED
    assert [h.status for h in detail.history] == [ReferralStatus.SENT, ReferralStatus.DECLINED]


def test_completing_needs_the_acceptance_first(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    with pytest.raises(ValidationFailed, match="acceptance"):
        referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 10), today=TODAY)
    assert referrals.get_referral(admin, rid, today=TODAY).row.status is ReferralStatus.SENT


def test_status_dates_must_be_in_order(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    with pytest.raises(ValidationFailed, match="before the referral was sent"):
        referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, SENT - timedelta(days=1), today=TODAY)
    with pytest.raises(ValidationFailed, match="in the future"):
        referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, TODAY + timedelta(days=1), today=TODAY)
    referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, date(2026, 2, 15), today=TODAY)
    with pytest.raises(ValidationFailed, match="before the previous status change"):
        referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 14), today=TODAY)
    # The same day as the acceptance is fine.
    referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 15), today=TODAY)
    assert len(referrals.get_referral(admin, rid, today=TODAY).history) == 3


def test_a_new_referral_is_not_sent_in_the_future_and_follow_up_is_not_before_sending(admin, world) -> None:
    with pytest.raises(ValidationFailed, match="future"):
        referrals.create_referral(admin, housing(world, sent_on=TODAY + timedelta(days=1)), today=TODAY)
    with pytest.raises(ValidationFailed, match="follow-up date is before"):
        referrals.create_referral(admin, housing(world, follow_up_on=SENT - timedelta(days=1)), today=TODAY)
    with pytest.raises(ValidationFailed, match="Reason for referral is required"):
        referrals.create_referral(admin, housing(world, reason="  "), today=TODAY)
    assert referrals.list_referrals(admin, today=TODAY) == []


def test_the_follow_up_default_comes_from_the_agency_setting(admin, world) -> None:
    settings.update_settings(admin, {"referral_follow_up_days": 30})
    made = referrals.create_referral(admin, housing(world), today=TODAY)
    assert made.row.follow_up_on == SENT + timedelta(days=30)
    moved = referrals.set_follow_up(admin, made.row.referral_id, date(2026, 4, 1), today=TODAY)
    assert moved.row.follow_up_on == date(2026, 4, 1)
    with pytest.raises(ValidationFailed, match="before the date sent"):
        referrals.set_follow_up(admin, made.row.referral_id, SENT - timedelta(days=1), today=TODAY)


def test_the_linked_goal_must_be_the_members_own(admin, world) -> None:
    with admin.store.write_session() as session:
        goals = {}
        for member_id in (world.member_id, world.other_member_id):
            version = CarePlanVersion(member_id=member_id, version_no=1)
            need = CarePlanNeed(domain="housing", description="Stable housing")
            need.goals.append(CarePlanGoal(text="Have my own place by summer"))
            version.needs.append(need)
            session.add(version)
            session.flush()
            goals[member_id] = need.goals[0].id
    choices = referrals.goal_choices(admin, world.member_id)
    assert [c.goal_id for c in choices] == [goals[world.member_id]]
    with pytest.raises(ValidationFailed, match="not in this member's care plan"):
        referrals.create_referral(admin, housing(world, goal_id=goals[world.other_member_id]), today=TODAY)
    made = referrals.create_referral(admin, housing(world, goal_id=goals[world.member_id]), today=TODAY)
    assert made.goal_text == "Have my own place by summer"


# ---- lists, filters, summary ----------------------------------------------------------------------


def test_filters_by_status_category_agency_care_manager_and_waiting(admin, world) -> None:
    first = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    referrals.create_referral(admin, NewReferral(
        world.other_member_id, world.food_id, ReferralCategory.FOOD, "Runs out of food by mid-month",
        sent_on=date(2026, 2, 25), sent_how=ReferralMethod.PHONE), today=TODAY)
    referrals.change_status(admin, first, ReferralStatus.ACCEPTED, date(2026, 2, 10), today=TODAY)

    def ids(**kwargs) -> list[str]:
        return [r.medicaid_id for r in referrals.list_referrals(admin, ReferralFilter(**kwargs), today=TODAY)]

    assert ids() == ["CD67890E", "AB12345C"]  # newest sent first
    assert ids(status=ReferralStatus.ACCEPTED) == ["AB12345C"]
    assert ids(category=ReferralCategory.FOOD) == ["CD67890E"]
    assert ids(agency_id=world.housing_id) == ["AB12345C"]
    assert ids(care_manager="caremanager") == ["AB12345C"]
    assert ids(care_manager="") == ["CD67890E"]  # unassigned members
    # The housing follow-up (02/16) has come; the food one (03/11) has not.
    assert ids(waiting_only=True) == ["AB12345C"]
    rows = referrals.member_referrals(admin, world.member_id, today=TODAY)
    assert [r.waiting for r in rows] == [True]


def test_summary_counts_closed_and_median_days_by_category_and_agency(admin, world) -> None:
    def make(category: ReferralCategory, entry: int, sent: date, closes: list[tuple[ReferralStatus, date]]) -> None:
        rid = referrals.create_referral(admin, NewReferral(world.member_id, entry, category, "Reason", sent_on=sent),
                                        today=TODAY).row.referral_id
        for status, on in closes:
            referrals.change_status(admin, rid, status, on, today=TODAY)

    make(ReferralCategory.HOUSING, world.housing_id, date(2026, 1, 1),
         [(ReferralStatus.ACCEPTED, date(2026, 1, 5)), (ReferralStatus.COMPLETED, date(2026, 1, 11))])  # 10 days
    make(ReferralCategory.HOUSING, world.housing_id, date(2026, 1, 1), [(ReferralStatus.DECLINED, date(2026, 1, 21))])
    make(ReferralCategory.FOOD, world.food_id, date(2026, 2, 1), [])
    report = referrals.summarise(admin, ReferralFilter(status=ReferralStatus.SENT), today=TODAY)
    assert (report.overall.total, report.overall.closed, report.overall.open) == (3, 2, 1)
    assert report.overall.completed == 1
    assert report.overall.median_days_to_close == 15.0  # median of 10 and 20
    by_category = {line.key: line.counts for line in report.by_category}
    assert by_category[ReferralCategory.HOUSING].closed == 2
    assert by_category[ReferralCategory.FOOD].median_days_to_close is None
    by_agency = {line.label: line.counts.closed for line in report.by_agency}
    assert by_agency == {"Dutchess Housing Coalition": 2, "Hudson Valley Food Bank": 0}
    assert report.waiting == 1  # the food referral, follow-up 02/15
    only_food = referrals.summarise(admin, ReferralFilter(category=ReferralCategory.FOOD), today=TODAY)
    assert only_food.overall.total == 1


def test_agencies_are_filtered_by_category(admin, world) -> None:
    assert [a.entry_id for a in referrals.agencies_for(admin, ReferralCategory.HOUSING)] == [world.housing_id]
    assert [a.entry_id for a in referrals.agencies_for(admin, ReferralCategory.BENEFITS)] == [world.housing_id]
    assert [a.entry_id for a in referrals.agencies_for(admin, ReferralCategory.FOOD)] == [world.food_id]
    assert referrals.agencies_for(admin, ReferralCategory.EMPLOYMENT) == []
    assert len(referrals.agencies_for(admin)) == 3


# ---- permissions ----------------------------------------------------------------------------------


def test_a_billing_clerk_cannot_see_referrals(login_as, admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    clerk = login_as(Role.BILLING)
    for call in (lambda: referrals.list_referrals(clerk), lambda: referrals.get_referral(clerk, rid),
                 lambda: referrals.member_referrals(clerk, world.member_id), lambda: referrals.summarise(clerk),
                 lambda: referrals.print_letter(clerk, rid)):
        with pytest.raises(PermissionDenied):
            call()


def test_read_only_staff_see_referrals_but_cannot_change_or_print_them(login_as, admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    reader = login_as(Role.READ_ONLY)
    assert [r.referral_id for r in referrals.list_referrals(reader, today=TODAY)] == [rid]
    with pytest.raises(PermissionDenied):
        referrals.change_status(reader, rid, ReferralStatus.ACCEPTED, date(2026, 2, 10), today=TODAY)
    with pytest.raises(PermissionDenied):
        referrals.create_referral(reader, housing(world), today=TODAY)
    with pytest.raises(PermissionDenied):
        referrals.print_letter(reader, rid)


# ---- the letter -----------------------------------------------------------------------------------


def test_the_letter_names_member_reason_agency_and_consent(login_as, world) -> None:
    cm = login_as(Role.CARE_MANAGER)
    rid = referrals.create_referral(cm, housing(world), today=TODAY).row.referral_id
    pdf = referrals.print_letter(cm, rid, today=TODAY)
    text = all_text(pdf)
    assert "José Núñez-Peña" in text
    assert "03/14/1961" in text and "AB12345C" in text and "(845) 555-0199" in text
    assert "Spanish (interpreter needed)" in text
    assert "Living in a shelter since March." in text
    assert "A ground-floor apartment he can afford." in text
    assert "Please add him to your waiting list." in text
    assert "Dutchess Housing Coalition" in text
    assert ("José Núñez-Peña signed a consent on 01/05/2026 that allows Test Health Home to share the "
            "information in this letter with Dutchess Housing Coalition") in text
    assert "Zoë Ångström" in text and "(845) 555-0110" in text and "zoe@example.org" in text
    assert f"R-{rid}" in text
    assert audit_actions(cm, rid)[-1] == "referral_letter_printed"


def test_the_fax_cover_sheet_comes_first_and_does_not_name_the_member(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    pages = page_texts(referrals.print_letter(admin, rid, fax_cover=True, fax_note="Two pages follow.",
                                              today=TODAY))
    assert len(pages) >= 2
    assert "Fax" in pages[0] and "Two pages follow." in pages[0] and "(845) 555-0301" in pages[0]
    assert "Núñez" not in pages[0]
    assert "Núñez" in pages[1]


def test_no_letter_without_consent_to_share_with_the_agency(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world, consent_to_share=False), today=TODAY).row.referral_id
    assert not referrals.get_referral(admin, rid, today=TODAY).consent_to_share
    with pytest.raises(ValidationFailed, match="consent to share"):
        referrals.print_letter(admin, rid, today=TODAY)
    assert referrals.record_consent_to_share(admin, rid, today=TODAY).consent_to_share
    with admin.store.read_session() as session:
        team = session.execute(select(CareTeamMember).where(CareTeamMember.member_id == world.member_id)).scalars().all()
        assert [(t.directory_entry_id, t.role, t.consent_to_share) for t in team] == [
            (world.housing_id, "Referral: Housing", True)]
    assert "Dutchess Housing Coalition" in all_text(referrals.print_letter(admin, rid, today=TODAY))


def test_a_withdrawn_health_home_consent_stops_the_letter(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    add_consent_form(admin, world.member_id, ConsentKind.WITHDRAWAL, "DOH-5058", date(2026, 2, 20))
    with pytest.raises(ValidationFailed, match="withdrew consent"):
        referrals.print_letter(admin, rid, today=TODAY)


def test_without_a_health_home_consent_form_the_letter_says_the_member_agreed(admin, world) -> None:
    rid = referrals.create_referral(admin, NewReferral(
        world.other_member_id, world.legal_person_id, ReferralCategory.LEGAL, "Eviction notice",
        sent_on=SENT, consent_to_share=True), today=TODAY).row.referral_id
    text = all_text(referrals.print_letter(admin, rid, today=TODAY))
    assert "Ada Okafor has agreed that we may share the information in this letter with Legal Aid of the " \
           "Hudson Valley" in text
    assert "Attn: Maria Lopez" in text and "Dear Maria Lopez," in text


def test_an_acceptance_can_set_the_next_follow_up(admin, world) -> None:
    rid = referrals.create_referral(admin, housing(world), today=TODAY).row.referral_id
    with pytest.raises(ValidationFailed, match="before the date of this status change"):
        referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, date(2026, 2, 10), today=TODAY,
                                next_follow_up_on=date(2026, 2, 9))
    accepted = referrals.change_status(admin, rid, ReferralStatus.ACCEPTED, date(2026, 2, 10), today=TODAY,
                                       next_follow_up_on=date(2026, 3, 10))
    assert accepted.row.follow_up_on == date(2026, 3, 10) and not accepted.row.waiting
    with pytest.raises(ValidationFailed, match="closed referral needs no follow-up"):
        referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 20), today=TODAY,
                                next_follow_up_on=date(2026, 3, 20))
    referrals.change_status(admin, rid, ReferralStatus.COMPLETED, date(2026, 2, 20), today=TODAY)
    with pytest.raises(ValidationFailed, match="closed: it needs no follow-up"):
        referrals.set_follow_up(admin, rid, date(2026, 4, 1), today=TODAY)
