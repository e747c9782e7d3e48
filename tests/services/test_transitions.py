"""Transitions of care: episodes, checklists from templates, discharge, overdue, TC contacts, closing, PDF."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from hhdesk.db.models import AuditEvent
from hhdesk.domain.checklists import ItemState
from hhdesk.domain.enums import (
    ChecklistItemStatus,
    ContactMode,
    CoreService,
    Role,
    SegmentType,
    TransitionSetting,
    WithWhom,
)
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.resources_path import resource_path
from hhdesk.services import contacts, transitions
from hhdesk.services.contacts import ContactInput
from hhdesk.services.transitions import EpisodeInput
from tests.services.care_helpers import add_directory_entry, add_member

NOTIFIED = datetime(2026, 3, 2, 9, 30)
ENROLLED = ((SegmentType.ENROLLED, date(2025, 1, 1), None),)


@pytest.fixture
def cm(login_as):
    return login_as(Role.CARE_MANAGER)


@pytest.fixture
def member(admin) -> int:
    return add_member(admin, "AB12345C", segments=ENROLLED, conditions=("mental_health",))


def episode_input(setting=TransitionSetting.INPATIENT_PSYCHIATRIC, admitted=date(2026, 3, 1), **kw) -> EpisodeInput:
    return EpisodeInput(setting=setting, admitted_on=admitted, notified_at=kw.pop("notified_at", NOTIFIED),
                        notified_how="Phone call from the facility", facility_name="St. Elsewhere", **kw)


def item(view, key: str):
    return next(i for i in view.items if i.key == key)


def test_opening_makes_the_checklist_of_the_settings_template(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED + timedelta(hours=1))
    template = json.loads(resource_path("checklists/inpatient_psychiatric.json").read_text())
    assert [i.key for i in view.items] == [i["key"] for i in template["items"]]
    opened = item(view, "episode_opened")
    assert opened.status is ChecklistItemStatus.DONE and opened.done_by == "caremanager"
    assert item(view, "care_plan_shared").due_at == NOTIFIED + timedelta(hours=24)
    assert item(view, "member_contacted").due_at is None  # anchored at a discharge not yet recorded
    assert not view.is_readmission and view.facility == "St. Elsewhere"


def test_a_facility_from_the_directory(admin, cm, member) -> None:
    entry = add_directory_entry(admin, "Vassar Brothers Medical Center")
    view = transitions.open_episode(cm, member, EpisodeInput(TransitionSetting.INPATIENT_MEDICAL, date(2026, 3, 1),
                                                             NOTIFIED, facility_id=entry), now=NOTIFIED)
    assert view.facility == "Vassar Brothers Medical Center"
    assert [c.name for c in transitions.facility_choices(cm)] == ["Vassar Brothers Medical Center"]
    with pytest.raises(ValidationFailed, match="Facility"):
        transitions.open_episode(cm, member, EpisodeInput(TransitionSetting.INPATIENT_MEDICAL, date(2026, 3, 1),
                                                          NOTIFIED), now=NOTIFIED)


def test_behavioural_items_are_not_applicable_without_a_behavioural_condition(admin, cm) -> None:
    other = add_member(admin, "CD12345E", segments=ENROLLED, conditions=("diabetes",))
    view = transitions.open_episode(cm, other, episode_input(TransitionSetting.INPATIENT_MEDICAL), now=NOTIFIED)
    conditional = [i for i in view.items if i.status is ChecklistItemStatus.NOT_APPLICABLE]
    assert conditional and all("behavioural" in i.not_applicable_reason for i in conditional)


def test_discharge_fills_the_due_times_of_discharge_anchored_items(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    discharged = datetime(2026, 3, 6, 14, 0)
    view = transitions.record_discharge(cm, view.episode_id, discharged, "Home", now=discharged + timedelta(hours=1))
    assert item(view, "member_contacted").due_at == discharged + timedelta(hours=48)
    assert item(view, "bh_followup_30d").due_at == discharged + timedelta(days=30)
    assert item(view, "care_plan_shared").due_at == NOTIFIED + timedelta(hours=24)  # unchanged
    assert item(view, "discharge_recorded").status is ChecklistItemStatus.DONE
    assert view.discharged_on == date(2026, 3, 6)
    with pytest.raises(ValidationFailed, match="before the admission"):
        transitions.record_discharge(cm, view.episode_id, datetime(2026, 2, 1), now=discharged)


def test_overdue_is_derived_from_the_clock(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    episode_id = view.episode_id
    shared = item(view, "care_plan_shared")
    assert shared.state is ItemState.DUE_SOON
    later = transitions.get_episode(cm, episode_id, now=NOTIFIED + timedelta(hours=25))
    assert item(later, "care_plan_shared").state is ItemState.OVERDUE and later.overdue_items == 1
    done = transitions.mark_item_done(cm, shared.item_id, NOTIFIED + timedelta(hours=30),
                                      now=NOTIFIED + timedelta(hours=31))
    assert item(done, "care_plan_shared").state is ItemState.DONE
    assert item(done, "care_plan_shared").done_at == NOTIFIED + timedelta(hours=30)


def test_not_applicable_needs_a_reason_and_can_be_undone(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    target = item(view, "services_arranged")
    with pytest.raises(ValidationFailed):
        transitions.mark_item_not_applicable(cm, target.item_id, " ")
    view = transitions.mark_item_not_applicable(cm, target.item_id, "Nothing needed at home", now=NOTIFIED)
    assert item(view, "services_arranged").state is ItemState.NOT_APPLICABLE
    view = transitions.reopen_item(cm, target.item_id, now=NOTIFIED)
    assert item(view, "services_arranged").status is ChecklistItemStatus.OPEN


def test_readmission_within_30_days_of_a_discharge_is_flagged(cm, member) -> None:
    first = transitions.open_episode(cm, member, episode_input(admitted=date(2026, 1, 2),
                                                               notified_at=datetime(2026, 1, 2, 8)),
                                     now=datetime(2026, 1, 2, 9))
    transitions.record_discharge(cm, first.episode_id, datetime(2026, 1, 10, 12), now=datetime(2026, 1, 11))
    ed = transitions.open_episode(cm, member, episode_input(TransitionSetting.EMERGENCY_DEPARTMENT,
                                                            admitted=date(2026, 1, 20),
                                                            notified_at=datetime(2026, 1, 20, 8)),
                                  now=datetime(2026, 1, 20, 9))
    assert not ed.is_readmission  # an ED visit is not an admission
    again = transitions.open_episode(cm, member, episode_input(admitted=date(2026, 2, 9),
                                                               notified_at=datetime(2026, 2, 9, 8)),
                                     now=datetime(2026, 2, 9, 9))
    assert again.is_readmission  # 30 days after the 01/10 discharge
    late = transitions.open_episode(cm, member, episode_input(admitted=date(2026, 2, 10),
                                                              notified_at=datetime(2026, 2, 10, 8)),
                                    now=datetime(2026, 2, 10, 9))
    assert not late.is_readmission  # 31 days: only the still-open 02/09 stay is since, undischarged


def test_a_tc_contact_after_discharge_completes_member_contacted_in_time(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    transitions.record_discharge(cm, view.episode_id, datetime(2026, 3, 6, 14), now=datetime(2026, 3, 6, 15))
    tc = frozenset({CoreService.TC, CoreService.CC})
    # A collateral call does not reach the member; a call without TC is not transitional care.
    contacts.log_contact(cm, member, ContactInput(date(2026, 3, 7), ContactMode.COLLATERAL, WithWhom.PROVIDER, 10,
                                                  tc), today=date(2026, 3, 9))
    contacts.log_contact(cm, member, ContactInput(date(2026, 3, 7), ContactMode.PHONE, WithWhom.MEMBER, 10,
                                                  frozenset({CoreService.CC})), today=date(2026, 3, 9))
    assert item(transitions.get_episode(cm, view.episode_id), "member_contacted").status is ChecklistItemStatus.OPEN
    saved = contacts.log_contact(cm, member, ContactInput(date(2026, 3, 8), ContactMode.PHONE, WithWhom.FAMILY, 15,
                                                          tc), today=date(2026, 3, 9))
    assert saved.completed_items == ("Member contacted within 48 hours of discharge",)
    done = item(transitions.get_episode(cm, view.episode_id), "member_contacted")
    assert done.status is ChecklistItemStatus.DONE and done.done_by == "caremanager"
    assert done.done_at.date() == date(2026, 3, 8)


def test_a_tc_contact_too_late_does_not_complete_it(cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    transitions.record_discharge(cm, view.episode_id, datetime(2026, 3, 6, 14), now=datetime(2026, 3, 6, 15))
    saved = contacts.log_contact(cm, member, ContactInput(date(2026, 3, 9), ContactMode.PHONE, WithWhom.MEMBER, 15,
                                                          frozenset({CoreService.TC})), today=date(2026, 3, 9))
    assert saved.completed_items == ()


def test_closing_asks_for_the_care_plan_review(admin, cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    with pytest.raises(ValidationFailed, match="discharge"):
        transitions.close_episode(cm, view.episode_id, care_plan_reviewed=True, now=NOTIFIED)
    transitions.record_discharge(cm, view.episode_id, datetime(2026, 3, 6, 14), now=datetime(2026, 3, 6, 15))
    with pytest.raises(ValidationFailed, match="why"):
        transitions.close_episode(cm, view.episode_id, care_plan_reviewed=False, now=datetime(2026, 3, 7))
    closed = transitions.close_episode(cm, view.episode_id, care_plan_reviewed=True, now=datetime(2026, 3, 7))
    assert not closed.is_open and closed.care_plan_reviewed
    assert item(closed, "care_plan_reviewed").status is ChecklistItemStatus.DONE
    with pytest.raises(ValidationFailed, match="closed"):
        transitions.mark_item_done(cm, item(closed, "pcp_followup_7d").item_id, now=datetime(2026, 3, 8))
    assert [r.episode_id for r in transitions.list_episodes(cm, open_only=True)] == []
    assert [r.episode_id for r in transitions.list_episodes(cm)] == [view.episode_id]
    with admin.read(None) as session:
        detail = session.execute(select(AuditEvent.detail).where(AuditEvent.action == "episode_closed")).scalar_one()
    assert detail.startswith("care plan reviewed: yes")


def test_reopening_an_episode_closed_by_mistake(admin, cm, member, login_as) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    transitions.record_discharge(cm, view.episode_id, datetime(2026, 3, 6, 14), now=datetime(2026, 3, 6, 15))
    closed = transitions.close_episode(cm, view.episode_id, care_plan_reviewed=True, now=datetime(2026, 3, 7))
    with pytest.raises(PermissionDenied):
        transitions.reopen_episode(login_as(Role.READ_ONLY), view.episode_id, now=datetime(2026, 3, 8))
    assert not transitions.get_episode(cm, view.episode_id, now=datetime(2026, 3, 8)).is_open

    reopened = transitions.reopen_episode(cm, view.episode_id, now=datetime(2026, 3, 8))
    assert reopened.is_open and reopened.closed_at is None
    assert [r.episode_id for r in transitions.list_episodes(cm, open_only=True)] == [view.episode_id]
    followup = item(reopened, "pcp_followup_7d")
    assert followup.status is ChecklistItemStatus.OPEN  # its checklist can be worked again
    done = transitions.mark_item_done(cm, followup.item_id, now=datetime(2026, 3, 9))
    assert item(done, "pcp_followup_7d").status is ChecklistItemStatus.DONE
    assert item(closed, "care_plan_reviewed").status is ChecklistItemStatus.DONE
    # Reopening an open episode changes nothing and is not audited twice.
    transitions.reopen_episode(cm, view.episode_id, now=datetime(2026, 3, 9))
    with admin.read(None) as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "episode_reopened")).scalars().all()
        assert [(e.member_id, e.entity_id) for e in events] == [(member, str(view.episode_id))]


def test_an_admin_edits_a_template_in_the_data_folder_which_takes_precedence(admin, cm, member) -> None:
    setting = TransitionSetting.EMERGENCY_DEPARTMENT
    data = transitions.load_template(setting).to_dict()
    data["items"] = data["items"][:2]
    data["items"][1]["due_hours"] = 6
    with pytest.raises(PermissionDenied):
        transitions.save_template(cm, setting, data)
    with pytest.raises(ValidationFailed) as caught:
        transitions.save_template(admin, setting, {**data, "items": [{"key": "Bad Key"}]})
    assert len(caught.value.problems) >= 2
    transitions.save_template(admin, setting, data)
    assert transitions.template_info(setting).edited
    view = transitions.open_episode(cm, member, episode_input(setting), now=NOTIFIED)
    assert len(view.items) == 2 and view.items[1].due_hours == 6
    transitions.override_folder().joinpath(f"{setting.value}.json").write_text("{ not json")
    info = transitions.template_info(setting)
    assert not info.edited and "not valid JSON" in info.problem
    transitions.reset_template(admin, setting)
    assert not transitions.override_folder().joinpath(f"{setting.value}.json").exists()


def test_the_transition_summary_pdf_is_made_and_audited_as_print(admin, cm, member) -> None:
    view = transitions.open_episode(cm, member, episode_input(), now=NOTIFIED)
    transitions.record_discharge(cm, view.episode_id, datetime(2026, 3, 6, 14), "Home with family",
                                 now=datetime(2026, 3, 6, 15))
    contacts.log_contact(cm, member, ContactInput(date(2026, 3, 7), ContactMode.PHONE, WithWhom.MEMBER, 15,
                                                  frozenset({CoreService.TC}), "Home; has medicines."),
                         today=date(2026, 3, 9))
    parts = transitions.transition_summary_parts(cm, view.episode_id, today=date(2026, 3, 9))
    assert parts.summary.destination == "Home with family"
    assert len(parts.summary.contacts_since_discharge) == 1
    assert parts.member.medicaid_id == "AB12345C"
    pdf = transitions.render_transition_summary_pdf(cm, view.episode_id, today=date(2026, 3, 9))
    assert pdf.startswith(b"%PDF")
    with admin.read(None) as session:
        event = session.execute(select(AuditEvent).where(AuditEvent.action == "print")).scalar_one()
    assert (event.entity, event.member_id) == ("transition_episode", member)
    with pytest.raises(PermissionDenied):
        transitions.render_transition_summary_pdf(login_as_billing(cm), view.episode_id)


def login_as_billing(app):
    from hhdesk.services.context import Actor, AppSession

    return AppSession(app.store, Actor(app.actor.user_id, "billing", Role.BILLING, "Billing"), app.clock)


def test_a_discharge_recorded_late_flags_the_admission_opened_since(cm, member) -> None:
    first = transitions.open_episode(cm, member, episode_input(admitted=date(2026, 1, 2),
                                                               notified_at=datetime(2026, 1, 2, 8)),
                                     now=datetime(2026, 1, 2, 9))
    second = transitions.open_episode(cm, member, episode_input(admitted=date(2026, 1, 20),
                                                                notified_at=datetime(2026, 1, 20, 8)),
                                      now=datetime(2026, 1, 20, 9))
    assert not second.is_readmission  # the first stay's discharge is not on record yet
    transitions.record_discharge(cm, first.episode_id, datetime(2026, 1, 10, 12), now=datetime(2026, 1, 21))
    assert transitions.get_episode(cm, second.episode_id).is_readmission
    transitions.record_discharge(cm, first.episode_id, datetime(2026, 1, 10, 12), now=datetime(2026, 1, 21))
    assert not transitions.get_episode(cm, first.episode_id).is_readmission
