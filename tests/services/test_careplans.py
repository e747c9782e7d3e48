"""Care plan versions: drafts, saving the tree, signing, superseding, new versions, comparing, alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from hhdesk.db.models import Attachment, AuditEvent, CarePlanGoal, EnrolmentSegment, Referral
from hhdesk.domain.careplan import PlanGoal, PlanIntervention, PlanNeed, insert_item, replace_item
from hhdesk.domain.enums import CarePlanStatus, GoalStatus, NeedDomain, Role, SignatureMethod
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services import careplans, members, settings
from tests.services import careplan_data
from tests.services.careplan_data import GOALS, signature, signed_plan, three_needs


@pytest.fixture
def world(admin):
    return careplan_data.seed(admin)


@pytest.fixture
def cm(login_as):
    return login_as(Role.CARE_MANAGER)


def _audit(app, action: str) -> list[AuditEvent]:
    with app.store.read_session() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == action)
                                    .order_by(AuditEvent.id)).scalars())


def test_a_first_draft_is_saved_as_a_tree_and_read_back(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    assert (draft.version_no, draft.status, draft.editable) == (1, CarePlanStatus.DRAFT, True)
    saved = careplans.save_draft(cm, draft.id, three_needs(world))

    assert [n.domain for n in saved.content.needs] == [NeedDomain.HOUSING, NeedDomain.PHYSICAL_HEALTH,
                                                      NeedDomain.SUBSTANCE_USE]
    assert [g.text for n in saved.content.needs for g in n.goals] == list(GOALS[:3])
    diabetes = saved.content.needs[1].goals[0]
    assert [i.responsible_label for i in diabetes.interventions] == ["Zoë Ångström", "Member"]
    housing = saved.content.needs[0].goals[0].interventions[0]
    assert housing.responsible_team_member_id == world.team_link_id
    # The care manager was named by id only: the name comes from the user.
    assert saved.content.needs[2].goals[0].interventions[0].responsible_label == "Zoë Ångström"
    assert careplans.get_version(cm, draft.id) == saved

    event = _audit(cm, "care_plan_saved")[-1]
    assert event.detail == "version 1: 3 needs, 3 goals, 4 interventions"
    assert "apartamento" not in event.detail and event.member_id == world.member_id


def test_saving_again_keeps_the_rows_a_referral_points_at(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    saved = careplans.save_draft(cm, draft.id, three_needs(world))
    goal = saved.content.needs[0].goals[0]
    with cm.store.write_session() as session:
        referral = session.execute(select(Referral)).scalars().first()
        assert referral is None
        session.add(Referral(member_id=world.member_id, directory_entry_id=1, category="housing",
                             goal_id=goal.id, sent_on=date(2026, 1, 5), status_on=date(2026, 1, 5)))

    edited = replace_item(saved.content, (0, 0), replace(goal, status=GoalStatus.MET))
    edited = replace_item(edited, (1,), replace(edited.needs[1], goals=()))  # drop the diabetes goal
    again = careplans.save_draft(cm, draft.id, edited)

    assert again.content.needs[0].goals[0].id == goal.id
    assert again.content.needs[0].goals[0].status is GoalStatus.MET
    assert again.content.needs[1].goals == ()
    with cm.store.read_session() as session:
        assert session.execute(select(Referral.goal_id)).scalar_one() == goal.id
        assert len(session.execute(select(CarePlanGoal)).scalars().all()) == 2


def test_an_empty_goal_is_refused_naming_the_item(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    content, _ = insert_item(three_needs(world), (1,), PlanGoal("   "))
    with pytest.raises(ValidationFailed, match=r"Need 2 \(Physical health\), goal 2: write the goal"):
        careplans.save_draft(cm, draft.id, content)


def test_signing_makes_the_draft_active_and_sets_the_review_date(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    careplans.save_draft(cm, draft.id, three_needs(world))
    signed = careplans.sign(cm, draft.id, replace(signature(world, date(2026, 2, 27)),
                                                  care_manager_signed_on=date(2026, 3, 2)), today=date(2026, 3, 2))

    assert signed.status is CarePlanStatus.ACTIVE and not signed.editable
    assert signed.signed_on == date(2026, 3, 2)  # the later of the two signatures
    assert signed.review_due_on == date(2026, 9, 2)  # six months, the default setting
    assert (signed.member_signer_name, signed.care_manager_signer_name) == ("José Núñez-Peña", "Zoë Ångström")
    assert _audit(cm, "care_plan_signed")[-1].detail == "version 1, paper"


def test_the_review_interval_is_the_agency_setting(admin, cm, world):
    settings.update_settings(admin, {"care_plan_review_months": 12})
    signed = signed_plan(cm, world, date(2026, 8, 31))
    assert signed.review_due_on == date(2027, 8, 31)
    settings.update_settings(admin, {"care_plan_review_months": 6})
    assert signed_plan_again(cm, world, date(2026, 8, 31)).review_due_on == date(2027, 2, 28)


def signed_plan_again(app, world, on):
    draft = careplans.start_new_version(app, world.member_id)
    return careplans.sign(app, draft.id, signature(world, on), today=on)


def test_a_signed_version_refuses_every_edit(cm, world):
    signed = signed_plan(cm, world, date(2026, 3, 2))
    with pytest.raises(ValidationFailed, match="Version 1 is signed, so it cannot be changed"):
        careplans.save_draft(cm, signed.id, three_needs(world))
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        careplans.sign(cm, signed.id, signature(world, date(2026, 3, 3)), today=date(2026, 3, 3))
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        careplans.discard_draft(cm, signed.id)
    assert careplans.get_version(cm, signed.id) == signed


def test_versions_go_draft_active_superseded(cm, world):
    first = signed_plan(cm, world, date(2026, 3, 2))
    second = careplans.start_new_version(cm, world.member_id)
    assert (second.version_no, second.status) == (2, CarePlanStatus.DRAFT)
    assert careplans.get_version(cm, first.id).status is CarePlanStatus.ACTIVE  # until the draft is signed

    careplans.sign(cm, second.id, signature(world, date(2026, 9, 1)), today=date(2026, 9, 1))
    statuses = {v.version_no: v.status for v in careplans.list_versions(cm, world.member_id)}
    assert statuses == {1: CarePlanStatus.SUPERSEDED, 2: CarePlanStatus.ACTIVE}
    assert [v.version_no for v in careplans.member_plan_versions(cm, world.member_id)] == [2, 1]
    assert _audit(cm, "care_plan_superseded")[-1].detail == "version 1 by version 2"


def test_a_new_version_copies_the_current_one_without_its_signatures(cm, world):
    first = signed_plan(cm, world, date(2026, 3, 2))
    second = careplans.start_new_version(cm, world.member_id)

    assert second.content.without_ids() == first.content.without_ids()
    first_ids = {g.id for n in first.content.needs for g in n.goals}
    assert first_ids.isdisjoint(g.id for n in second.content.needs for g in n.goals)
    assert (second.signed_on, second.review_due_on, second.member_signed_on) == (None, None, None)
    with pytest.raises(ValidationFailed, match="Version 2 is still a draft"):
        careplans.start_new_version(cm, world.member_id)


def test_a_new_version_needs_a_signed_one_and_a_first_draft_needs_none(cm, world):
    with pytest.raises(ValidationFailed, match="no signed plan to start from"):
        careplans.start_new_version(cm, world.member_id)
    careplans.create_first_draft(cm, world.member_id)
    with pytest.raises(ValidationFailed, match="already has a care plan"):
        careplans.create_first_draft(cm, world.member_id)


def test_signing_needs_a_goal_both_dates_and_a_care_manager(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    bad = replace(signature(world, date(2026, 3, 2)), member_signer_name=" ", care_manager_signed_on=None,
                  care_manager_user_id=None)
    with pytest.raises(ValidationFailed) as caught:
        careplans.sign(cm, draft.id, bad, today=date(2026, 3, 2))
    problems = caught.value.problems
    assert any("at least one need" in p for p in problems)
    assert any(p.startswith("Member or guardian: enter the name") for p in problems)
    assert any(p.startswith("Care manager: enter the date") for p in problems)
    assert any(p.startswith("Care manager: choose who signed") for p in problems)
    assert careplans.get_version(cm, draft.id).status is CarePlanStatus.DRAFT


def test_signatures_in_the_future_or_before_the_current_version_are_refused(cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    draft = careplans.start_new_version(cm, world.member_id)
    with pytest.raises(ValidationFailed, match="in the future"):
        careplans.sign(cm, draft.id, signature(world, date(2026, 3, 10)), today=date(2026, 3, 9))
    with pytest.raises(ValidationFailed, match=r"before version 1 was signed \(03/02/2026\)"):
        careplans.sign(cm, draft.id, signature(world, date(2026, 3, 1)), today=date(2026, 3, 9))


def test_a_scanned_copy_is_kept_as_an_attachment(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    careplans.save_draft(cm, draft.id, three_needs(world))
    with pytest.raises(ValidationFailed, match="attach the scanned copy"):
        careplans.sign(cm, draft.id, signature(world, date(2026, 3, 2), method=SignatureMethod.SCANNED),
                       today=date(2026, 3, 2))
    scan = b"%PDF-1.4 signed page"
    signed = careplans.sign(cm, draft.id, signature(world, date(2026, 3, 2), method=SignatureMethod.SCANNED,
                                                    scanned=scan), today=date(2026, 3, 2))
    assert signed.signed_copy is not None and signed.signed_copy.mime_type == "application/pdf"
    assert signed.signed_copy.filename == "signed-care-plan-v1.pdf"
    assert careplans.signed_copy(cm, signed.id) == ("signed-care-plan-v1.pdf", "application/pdf", scan)
    with cm.store.read_session() as session:
        assert session.execute(select(Attachment.member_id)).scalar_one() == world.member_id
    assert _audit(cm, "care_plan_signed")[-1].detail == "version 1, scanned, scanned copy attached"


def test_sharing_with_the_pcp_is_recorded_on_a_signed_version_only(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    with pytest.raises(ValidationFailed, match="Sign the plan before"):
        careplans.mark_shared_with_pcp(cm, draft.id, date(2026, 3, 2), today=date(2026, 3, 2))
    careplans.discard_draft(cm, draft.id)
    signed = signed_plan(cm, world, date(2026, 3, 2))
    with pytest.raises(ValidationFailed, match="before the plan was signed"):
        careplans.mark_shared_with_pcp(cm, signed.id, date(2026, 3, 1), today=date(2026, 3, 5))
    shared = careplans.mark_shared_with_pcp(cm, signed.id, date(2026, 3, 4), today=date(2026, 3, 5))
    assert shared.shared_with_pcp_on == date(2026, 3, 4) and shared.status is CarePlanStatus.ACTIVE


def test_compare_finds_a_changed_goal_in_words(cm, world):
    first = signed_plan(cm, world, date(2026, 3, 2))
    draft = careplans.start_new_version(cm, world.member_id)
    goal = draft.content.needs[0].goals[0]
    content = replace_item(draft.content, (0, 0), replace(goal, text="Tener mi propio apartamento en Troy",
                                                         target_date=date(2027, 1, 15), status=GoalStatus.MET))
    content, _ = insert_item(content, (), PlanNeed(NeedDomain.FOOD, "", (PlanGoal(GOALS[3]),)))
    content = replace_item(content, (1, 0, 1), replace(content.needs[1].goals[0].interventions[1],
                                                      responsible_label="Sister"))
    careplans.save_draft(cm, draft.id, content)

    diff = careplans.compare(cm, first.id, draft.id)
    text = "\n".join(diff.lines())
    assert "Goal reworded: was \u201cQuiero tener mi propio apartamento antes del invierno\u201d, now " \
           "\u201cTener mi propio apartamento en Troy\u201d." in text
    assert "moved from 12/01/2026 to 01/15/2027" in text
    assert "changed from In progress to Met" in text
    assert "Need added: Food." in text and f"Goal added: \u201c{GOALS[3]}\u201d" in text
    assert "Responsible for the intervention \u201cCheck glucose every morning\u201d changed from Member to Sister." \
        in text
    assert careplans.compare(cm, first.id, first.id).empty


def test_read_only_users_read_plans_and_billing_users_do_not(login_as, cm, world):
    signed = signed_plan(cm, world, date(2026, 3, 2))
    reader = login_as(Role.READ_ONLY)
    assert careplans.get_version(reader, signed.id).content == signed.content
    with pytest.raises(PermissionDenied):
        careplans.start_new_version(reader, world.member_id)
    with pytest.raises(PermissionDenied):
        careplans.list_versions(login_as(Role.BILLING), world.member_id)
    with pytest.raises(NotFound):
        careplans.get_version(reader, 999)


def test_responsible_choices_list_the_care_team_then_clinical_staff(cm, world):
    choices = careplans.responsible_choices(cm, world.member_id)
    team = [c.label for c in choices if c.kind == "team"]
    staff = [c.label for c in choices if c.kind == "user"]
    assert team == ["Dr. Ana Ortiz", "Dutchess Housing Coalition"]
    assert "Zoë Ångström" in staff and "billing" not in staff and "readonly" not in staff
    signers = [s.username for s in careplans.signer_choices(cm)]
    assert "caremanager" in signers and "billing" not in signers


def _enrol(app, member_id: int, start: date) -> None:
    with app.store.write_session() as session:
        session.add(EnrolmentSegment(member_id=member_id, kind="enrolled", start_date=start))


def test_the_member_header_says_when_the_review_is_overdue(admin, cm, world):
    _enrol(admin, world.member_id, date(2025, 12, 1))
    signed_plan(cm, world, date(2026, 3, 2))  # review due 09/02/2026

    def codes(on: date) -> dict[str, str]:
        chart = members.get_chart(cm, world.member_id, today=on)
        return {a.code: a.message for a in chart.alerts}

    assert "care_plan_review_overdue" not in codes(date(2026, 7, 1))
    assert codes(date(2026, 8, 20))["care_plan_review_due"] == "Care plan review due 09/02/2026"
    assert "care_plan_review_overdue" not in codes(date(2026, 9, 2))
    assert codes(date(2026, 9, 3))["care_plan_review_overdue"] == "Care plan review overdue (was due 09/02/2026)"
    with cm.store.read_session() as session:
        assert careplans.overdue_reviews(session, [world.member_id], date(2026, 9, 3)) == {world.member_id}


def test_discarding_a_draft_deletes_it(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    careplans.save_draft(cm, draft.id, three_needs(world))
    careplans.discard_draft(cm, draft.id)
    assert careplans.list_versions(cm, world.member_id) == []
    assert careplans.version_to_open(cm, world.member_id) is None


def test_the_tab_opens_the_draft_else_the_active_version(cm, world):
    signed = signed_plan(cm, world, date(2026, 3, 2))
    opened = careplans.version_to_open(cm, world.member_id)
    assert opened is not None and opened.id == signed.id
    draft = careplans.start_new_version(cm, world.member_id)
    opened = careplans.version_to_open(cm, world.member_id)
    assert opened is not None and opened.id == draft.id


def test_an_unknown_responsible_person_is_refused(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    content = three_needs(world)
    content = replace_item(content, (0, 0, 0), PlanIntervention("Call", responsible_team_member_id=9999))
    with pytest.raises(ValidationFailed, match="not on this member's care team"):
        careplans.save_draft(cm, draft.id, content)
