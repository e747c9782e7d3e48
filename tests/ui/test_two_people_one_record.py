"""Two care managers on one record in the window: the second save is refused with who changed it and when,
the form keeps what was typed, and saving again applies it over the other person's change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from hhdesk.domain.enums import ChecklistItemStatus, ReferralCategory, ReferralStatus, TransitionSetting
from hhdesk.services import directory, referrals, transitions
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import NewReferral
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui.dialogs.directory_dialogs import DirectoryEntryDialog
from hhdesk.ui.dialogs.referral_dialogs import StatusChangeDialog
from hhdesk.ui.dialogs.transition_dialogs import NotApplicableDialog
from hhdesk.ui.views.referrals_tab import MemberReferralsTab
from hhdesk.ui.views.transitions_tab import TransitionsTab
from tests.factories import SAMPLE_MEMBERS, add_members
from tests.ui.conftest import ADMIN, Answers, UiStore

TODAY = date(2026, 3, 2)
REFUSED_BY_CM2 = "Marcus Hall (cm2) changed "


@pytest.fixture
def member_id(ui_store: UiStore, login_as: Any) -> int:
    return add_members(login_as(ADMIN).store, SAMPLE_MEMBERS[:1], today=date(2026, 1, 1))[0]


def _referral(app: AppSession, member_id: int) -> int:
    agency = directory.create_entry(app, directory.DirectoryEntryInput(name="Dutchess Housing Coalition",
                                                                        categories=("housing",)))
    return referrals.create_referral(app, NewReferral(
        member_id=member_id, directory_entry_id=agency.id, category=ReferralCategory.HOUSING, reason="Eviction",
        sent_on=TODAY - timedelta(days=3)), today=TODAY).row.referral_id


def _pane_after_cm2_saved(qtbot: Any, member_id: int, login_as: Any):
    """cm1's referral detail pane, open on a referral whose outcome cm2 saved since."""
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    referral_id = _referral(cm1, member_id)
    tab = MemberReferralsTab(cm1, member_id, "Núñez, José", today=TODAY)
    qtbot.addWidget(tab)
    tab.show()
    tab.table.selectRow(0)
    pane = tab.detail_pane
    assert pane.detail is not None
    referrals.record_outcome(cm2, referral_id, "Their note", today=TODAY, seen_version=pane.detail.row.version)
    return cm1, cm2, referral_id, pane


def test_a_typed_outcome_refused_after_someone_elses_save_stays_in_the_pane(qtbot: Any, member_id: int,
                                                                            login_as: Any) -> None:
    cm1, cm2, referral_id, pane = _pane_after_cm2_saved(qtbot, member_id, login_as)
    pane.outcome.setPlainText("Intake booked for 3/9")

    assert pane.save_outcome() is False

    assert pane.message.text().startswith(REFUSED_BY_CM2 + "this referral on ")
    assert pane.outcome.toPlainText() == "Intake booked for 3/9" and pane.unsaved_what()
    assert referrals.get_referral(cm1, referral_id, today=TODAY).row.outcome == "Their note"
    assert pane.save_outcome() is True  # saving again replaces theirs, knowingly
    assert referrals.get_referral(cm2, referral_id, today=TODAY).row.outcome == "Intake booked for 3/9"


def test_a_status_change_refused_after_someone_elses_save_keeps_the_dialog_and_its_note(
        qtbot: Any, member_id: int, login_as: Any) -> None:
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    referral_id = _referral(cm1, member_id)
    row = referrals.get_referral(cm1, referral_id, today=TODAY).row
    dialog = StatusChangeDialog(cm1, row, today=TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    referrals.record_outcome(cm2, referral_id, "Their note", today=TODAY, seen_version=row.version)
    dialog.set_status(ReferralStatus.ACCEPTED)
    dialog.note.setText("Intake on 3/9 at 10")

    assert dialog.save() is False

    assert dialog.isVisible() and dialog.message.text().startswith(REFUSED_BY_CM2 + "this referral on ")
    assert dialog.note.text() == "Intake on 3/9 at 10" and dialog.status.currentData() == ReferralStatus.ACCEPTED
    assert dialog.outcome.toPlainText() == "Their note"  # not typed here: theirs, so saving again keeps it
    assert referrals.get_referral(cm1, referral_id, today=TODAY).row.status is ReferralStatus.SENT
    assert dialog.save() is True
    stored = referrals.get_referral(cm2, referral_id, today=TODAY)
    assert (stored.row.status, stored.row.outcome, stored.history[-1].note) == (
        ReferralStatus.ACCEPTED, "Their note", "Intake on 3/9 at 10")


def _episode(app: AppSession, member_id: int):
    now = transitions.local_now(app.clock)
    return transitions.open_episode(app, member_id, EpisodeInput(
        setting=TransitionSetting.INPATIENT_MEDICAL, admitted_on=(now - timedelta(days=3)).date(),
        notified_at=now - timedelta(days=3), facility_name="Albany Med"), now=now)


def _transitions_tab(qtbot: Any, app: AppSession, member_id: int) -> TransitionsTab:
    tab = TransitionsTab(app, member_id, "Núñez, José")
    qtbot.addWidget(tab)
    tab.show()
    return tab


def test_a_discharge_refused_after_someone_elses_save_keeps_what_was_typed(qtbot: Any, member_id: int,
                                                                           login_as: Any) -> None:
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    episode = _episode(cm1, member_id)
    tab = _transitions_tab(qtbot, cm1, member_id)
    dialog = tab.record_discharge()
    assert dialog is not None
    qtbot.addWidget(dialog)
    other = transitions.get_episode(cm2, episode.episode_id)
    transitions.mark_item_not_applicable(cm2, next(i for i in other.items if i.status is ChecklistItemStatus.OPEN)
                                         .item_id, "Not needed here", seen_version=other.version)
    dialog.destination.setCurrentText("Home with family")

    assert dialog.apply() is False

    assert dialog.isVisible() and dialog.message.text().startswith(REFUSED_BY_CM2 + "this transition episode on ")
    assert dialog.destination.currentText() == "Home with family"
    assert transitions.get_episode(cm1, episode.episode_id).discharged_at is None
    assert dialog.apply() is True
    assert transitions.get_episode(cm2, episode.episode_id).discharge_destination == "Home with family"


def test_a_not_applicable_reason_refused_after_someone_elses_save_stays_in_the_dialog(
        qtbot: Any, member_id: int, login_as: Any, answers: Answers) -> None:
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    episode = _episode(cm1, member_id)
    tab = _transitions_tab(qtbot, cm1, member_id)
    item = next(i for i in episode.items if i.status is ChecklistItemStatus.OPEN)
    tab.checklist.select_key(item.item_id)
    dialog = tab.mark_not_applicable()
    assert isinstance(dialog, NotApplicableDialog)
    qtbot.addWidget(dialog)
    transitions.mark_item_done(cm2, item.item_id, seen_version=item.episode_version)
    dialog.reason.setText("Member declined the visit")

    assert dialog.apply() is False

    assert dialog.isVisible() and dialog.message.text().startswith(REFUSED_BY_CM2 + "this transition episode on ")
    assert dialog.reason.text() == "Member declined the visit"
    stored = next(i for i in transitions.get_episode(cm1, episode.episode_id).items if i.item_id == item.item_id)
    assert stored.status is ChecklistItemStatus.DONE and stored.done_by == "cm2"
    answers.save_discard_cancel = "discard"
    dialog.reject()
    shown = tab.selected_item()
    assert tab.message.text() == "" and shown is not None
    assert shown.status is ChecklistItemStatus.DONE  # cancelled: the tab shows their change


def test_mark_done_refused_after_someone_elses_save_shows_their_change(qtbot: Any, member_id: int,
                                                                       login_as: Any) -> None:
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    episode = _episode(cm1, member_id)
    tab = _transitions_tab(qtbot, cm1, member_id)
    item = next(i for i in episode.items if i.status is ChecklistItemStatus.OPEN)
    tab.checklist.select_key(item.item_id)
    transitions.mark_item_not_applicable(cm2, item.item_id, "Done by the clinic", seen_version=item.episode_version)

    tab.mark_done()

    assert tab.message.text().startswith(REFUSED_BY_CM2 + "this transition episode on ")
    assert "nothing was changed" in tab.message.text()
    shown = tab.selected_item()
    assert shown is not None and shown.status is ChecklistItemStatus.NOT_APPLICABLE


def test_a_directory_entry_refused_after_someone_elses_save_keeps_the_typed_phone(qtbot: Any, ui_store: UiStore,
                                                                                  login_as: Any) -> None:
    cm1, cm2 = login_as("cm1"), login_as("cm2")
    opened = directory.create_entry(cm1, directory.DirectoryEntryInput(name="Eastside Clinic", phone="5185550100"))
    dialog = DirectoryEntryDialog(cm1, opened)
    qtbot.addWidget(dialog)
    dialog.show()
    directory.update_entry(cm2, opened.id, replace(opened.entry, fax="5185550199"), seen_version=opened.version)
    dialog.fields["phone"].setText("5185550111")

    assert dialog.save() is False

    assert dialog.isVisible() and dialog.message.text().startswith(REFUSED_BY_CM2 + "this directory entry on ")
    assert dialog.fields["phone"].text() == "5185550111"
    assert dialog.fields["fax"].text() == "5185550199"  # not typed here: theirs, so saving again keeps it
    assert directory.get_entry(cm1, opened.id).entry.phone == "5185550100"
    assert dialog.save() is True
    stored = directory.get_entry(cm2, opened.id).entry
    assert (stored.phone, stored.fax) == ("5185550111", "5185550199")


class _Host:
    def __init__(self, app: AppSession) -> None:
        self.app = app

    def show_status(self, text: str, timeout_ms: int = 5000) -> None: ...


def test_a_worklist_item_ticked_off_after_someone_elses_change_is_refused_and_its_reason_offered_again(
        qtbot: Any, member_id: int, login_as: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from hhdesk.domain.worklist_rules import WorkKind
    from hhdesk.ui.dialogs import common
    from hhdesk.ui.views.worklist import WorklistView

    cm1, cm2 = login_as("cm1"), login_as("cm2")
    episode = _episode(cm1, member_id)
    host: Any = _Host(cm1)  # the little of a SectionHost the worklist asks for
    view = WorklistView(host)
    qtbot.addWidget(view)
    row = next(n for n, i in enumerate(view.items) if i.kind is WorkKind.CHECKLIST_ITEM)
    listed = view.items[row]
    view.table.selectRow(row)
    other = transitions.get_episode(cm2, episode.episode_id)
    transitions.mark_item_not_applicable(cm2, next(i for i in other.items if i.item_id != listed.entity_id
                                                   and i.status is ChecklistItemStatus.OPEN).item_id,
                                         "Not needed here", seen_version=other.version)
    offered: list[str] = []

    def ask(_parent: Any, _title: str, _text: str, default: str = "") -> str:
        offered.append(default)
        return default or "Member declined the visit"

    monkeypatch.setattr(common, "ask_text", ask)
    assert view.mark_not_applicable() is False

    assert view.message.text().startswith(REFUSED_BY_CM2 + "this transition episode on ")
    stored = next(i for i in transitions.get_episode(cm1, episode.episode_id).items if i.item_id == listed.entity_id)
    assert stored.status is ChecklistItemStatus.OPEN
    view.table.selectRow(next(n for n, i in enumerate(view.items) if i.entity_id == listed.entity_id))
    assert view.mark_not_applicable() is True  # read again: saving applies over their change, knowingly
    assert offered == ["", "Member declined the visit"]
    stored = next(i for i in transitions.get_episode(cm2, episode.episode_id).items if i.item_id == listed.entity_id)
    assert stored.not_applicable_reason == "Member declined the visit"


def test_a_follow_up_date_refused_after_someone_elses_save_stays_in_the_pane(qtbot: Any, member_id: int,
                                                                             login_as: Any) -> None:
    cm1, cm2, referral_id, pane = _pane_after_cm2_saved(qtbot, member_id, login_as)
    pane.follow_up.set_value(TODAY + timedelta(days=20))

    assert pane.save_follow_up() is False

    assert pane.message.text().startswith(REFUSED_BY_CM2 + "this referral on ")
    assert pane.follow_up.value() == TODAY + timedelta(days=20) and pane.outcome.toPlainText() == "Their note"
    assert referrals.get_referral(cm1, referral_id, today=TODAY).row.follow_up_on != TODAY + timedelta(days=20)
    assert pane.save_follow_up() is True
    stored = referrals.get_referral(cm2, referral_id, today=TODAY).row
    assert (stored.follow_up_on, stored.outcome) == (TODAY + timedelta(days=20), "Their note")


def test_retiring_a_directory_entry_someone_changed_since_is_refused_and_shows_their_change(
        qtbot: Any, ui_store: UiStore, login_as: Any, answers: Answers,
        message_boxes: list[tuple[str, str, str]]) -> None:
    from hhdesk.ui.views.directory import DirectoryView

    cm1, cm2 = login_as("cm1"), login_as("cm2")
    opened = directory.create_entry(cm1, directory.DirectoryEntryInput(name="Eastside Clinic", phone="5185550100"))
    host: Any = _Host(cm1)
    view = DirectoryView(host)
    qtbot.addWidget(view)
    view.table.select_key(opened.id)
    directory.update_entry(cm2, opened.id, replace(opened.entry, fax="5185550199"), seen_version=opened.version)

    view.toggle_retired()

    assert [text for _kind, _title, text in message_boxes][-1].startswith(REFUSED_BY_CM2 + "this directory entry on ")
    assert directory.get_entry(cm1, opened.id).active
    shown = view.selected()
    assert shown is not None and shown.entry.fax == "5185550199"  # the list shows their change
    view.toggle_retired()  # done again, knowingly
    assert not directory.get_entry(cm2, opened.id).active
