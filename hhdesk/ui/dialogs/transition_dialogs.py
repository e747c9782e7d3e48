"""Dialogs of the Transitions tab: open an episode, record the discharge, close (asking for the care-plan
review), mark an item not applicable or done at a chosen time.

Each dialog calls its service on OK and stays open with the service's sentence under the form when the
service refuses; `result_view` holds the episode as saved. A dialog that changes an episode passes the
version it opened; refused because someone changed the episode since, it reads the episode again and keeps
what the user typed, so that OK applies it over their change knowingly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import TransitionSetting
from hhdesk.errors import ChangedByOther, ValidationFailed
from hhdesk.services import transitions
from hhdesk.services.context import AppSession
from hhdesk.services.transitions import ChecklistItemView, EpisodeInput, EpisodeView
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.widgets.date_edit import DateEdit, DateTimeEdit
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

DESTINATIONS = ("Home", "Home with family", "Home with home health care", "Shelter", "Supportive housing",
                "Skilled nursing facility", "Another hospital", "Residential treatment", "Left against medical advice")


def _date_time_edit(moment: datetime, latest: datetime, name: str, earliest: date | None = None) -> DateTimeEdit:
    return DateTimeEdit(moment, latest=latest, earliest=earliest, name=name)


class _NotConfirmed(ValidationFailed):
    """The user chose not to go on after a warning; the sentence says what to check."""


def _confirm_overlaps(parent: QWidget, warnings: list[str], question: str) -> None:
    """Overlapping stays are warned about, not refused: go on only if the user says so."""
    if warnings and not common.confirm(parent, "Overlapping stays", " ".join(warnings) + " " + question,
                                       "Yes, go on"):
        raise _NotConfirmed("Not saved: check the dates of the member's stays on the Transitions tab.")


class _ServiceDialog(UnsavedEditsDialog, QDialog):
    """OK runs `_apply()`; a refusal stays on screen under the form."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.result_view: EpisodeView | None = None
        self.refusal: Exception | None = None
        self.form = QFormLayout()
        self.message = MessageLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.message)
        self.layout_.addWidget(self.buttons)

    def apply(self) -> bool:
        with user_errors(self.message.show_error, self.windowTitle()) as attempt:
            self.result_view = self._apply()
        self.refusal = attempt.error
        if attempt.failed:
            if self.read_their_change:
                with user_errors(None):  # gone meanwhile: the refusal already on screen says enough
                    self._read_again()
            return False
        self.accept()
        return True

    @property
    def read_their_change(self) -> bool:
        """The last OK was refused because someone changed the episode since the dialog opened."""
        return isinstance(self.refusal, ChangedByOther)

    def _read_again(self) -> None:
        """After such a refusal: read what OK now applies to (a new episode has nothing to read)."""

    # Each dialog's service call; declared, not stubbed (Qt's metaclass rules out abc.abstractmethod here).
    _apply: Callable[[], EpisodeView]


class _EpisodeDialog(_ServiceDialog):
    """Changes `episode`, as the user had it on screen."""

    def __init__(self, title: str, app: AppSession, episode: EpisodeView, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.app = app
        self.episode = episode

    def _read_again(self) -> None:
        self._take_their_change(transitions.get_episode(self.app, self.episode.episode_id))

    def _take_their_change(self, stored: EpisodeView) -> None:
        """OK now applies to the episode as `stored`; the fields keep what the user typed."""
        self.episode = stored


class _ItemDialog(_ServiceDialog):
    """Changes checklist item `item` (a change to its episode, whose version it carries)."""

    def __init__(self, title: str, app: AppSession, item: ChecklistItemView, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.app = app
        self.item = item

    def _read_again(self) -> None:
        episode = transitions.get_episode(self.app, self.item.episode_id)
        self.item = next((i for i in episode.items if i.item_id == self.item.item_id), self.item)


class OpenEpisodeDialog(_ServiceDialog):
    """Setting, facility (directory or typed), admission date, when and how the agency heard."""

    def __init__(self, app: AppSession, member_id: int, parent: QWidget | None = None,
                 now: datetime | None = None) -> None:
        super().__init__("Open a transition episode", parent)
        self.app = app
        self.member_id = member_id
        self.now = now or transitions.local_now(self.app.clock)
        self.setting_box = QComboBox()
        for setting in TransitionSetting:
            self.setting_box.addItem(transitions.setting_label(setting), setting)
        self.facility_box = QComboBox()
        self.facility_box.setEditable(True)
        self.facility_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.facility_box.lineEdit().setPlaceholderText("Choose from the directory or type the name")
        self.facility_box.addItem("", None)
        for choice in transitions.facility_choices(app):
            self.facility_box.addItem(choice.name, choice.entry_id)
        self.facility_box.setCurrentIndex(0)
        self.admitted = DateEdit(self.now.date(), latest=self.now.date(), today=self.now.date(), name="Admitted on")
        self.notified = _date_time_edit(self.now, self.now, "Agency notified")
        self.notified_how = QComboBox()
        self.notified_how.setEditable(True)
        self.notified_how.addItems(transitions.NOTIFIED_HOW_CHOICES)
        self.note = QPlainTextEdit()
        self.note.setFixedHeight(60)
        self.note.setTabChangesFocus(True)
        self.form.addRow("&Setting", self.setting_box)
        self.form.addRow("&Facility", self.facility_box)
        self.form.addRow("&Admitted on", self.admitted)
        self.form.addRow("Agency &notified", self.notified)
        self.form.addRow("&How notified", self.notified_how)
        self.form.addRow("N&ote", self.note)
        self.layout_.insertWidget(1, role_label(
            "The checklist is made from the setting's template; items due after discharge get their due "
            "times when you record the discharge.", "muted"))

    def facility(self) -> tuple[int | None, str]:
        text = self.facility_box.currentText().strip()
        index = self.facility_box.findText(text)
        entry_id = self.facility_box.itemData(index) if index >= 0 else None
        return (entry_id, "") if entry_id is not None else (None, text)

    def _apply(self) -> EpisodeView:
        entry_id, name = self.facility()
        admitted = self.admitted.value()
        assert admitted is not None
        setting = TransitionSetting(self.setting_box.currentData())
        _confirm_overlaps(self, transitions.overlap_warnings(self.app, self.member_id, setting, admitted),
                          "Open this episode anyway?")
        return transitions.open_episode(self.app, self.member_id, EpisodeInput(
            setting=TransitionSetting(self.setting_box.currentData()),
            admitted_on=admitted,
            notified_at=self.notified.value(),
            notified_how=self.notified_how.currentText(),
            facility_id=entry_id,
            facility_name=name,
            note=self.note.toPlainText(),
        ), now=transitions.local_now(self.app.clock))


class DischargeDialog(_EpisodeDialog):
    """When the member left and where to; fills the due times of the items counted from discharge."""

    def __init__(self, app: AppSession, episode: EpisodeView, parent: QWidget | None = None,
                 now: datetime | None = None) -> None:
        super().__init__("Record the discharge", app, episode, parent)
        now = now or transitions.local_now(self.app.clock)
        self._shown_discharge = episode.discharged_at or now
        self.discharged = _date_time_edit(self._shown_discharge, now, "Discharged", episode.admitted_on)
        self.discharged.date_edit.limit_reasons = ("the admission date", "")
        self.destination = QComboBox()
        self.destination.setEditable(True)
        self.destination.addItems(DESTINATIONS)
        self.destination.setCurrentText(episode.discharge_destination or "")
        self.destination.lineEdit().setPlaceholderText("Where the member went")
        self.form.addRow("&Discharged", self.discharged)
        self.form.addRow("&To", self.destination)
        self.layout_.insertWidget(1, role_label(
            f"{episode.setting_label} at {episode.facility or 'a facility not recorded'}, admitted "
            f"{format_date(episode.admitted_on)}.", "muted"))

    def _take_their_change(self, stored: EpisodeView) -> None:
        """A field the user left as it opened shows what the other person saved, so OK changes only what this
        user changed."""
        try:
            untouched = self.discharged.value() == self._shown_discharge
        except ValidationFailed:
            untouched = False
        if untouched and stored.discharged_at is not None:
            self.discharged.set_value(stored.discharged_at)
            self._shown_discharge = stored.discharged_at
        if self.destination.currentText() == self.episode.discharge_destination:
            self.destination.setCurrentText(stored.discharge_destination)
        super()._take_their_change(stored)

    def _apply(self) -> EpisodeView:
        discharged = self.discharged.value()
        _confirm_overlaps(self, transitions.overlap_warnings(
            self.app, self.episode.member_id, self.episode.setting, self.episode.admitted_on, discharged.date(),
            exclude_episode_id=self.episode.episode_id), "Record this discharge anyway?")
        return transitions.record_discharge(self.app, self.episode.episode_id, discharged,
                                            self.destination.currentText(), now=transitions.local_now(self.app.clock),
                                            seen_version=self.episode.version)


class CloseEpisodeDialog(_EpisodeDialog):
    """Closing asks whether the care plan was reviewed after the transition (docs/domain.md §6)."""

    def __init__(self, app: AppSession, episode: EpisodeView, parent: QWidget | None = None) -> None:
        super().__init__("Close the episode", app, episode, parent)
        self.reviewed = QRadioButton("&Yes, the care plan was reviewed and updated after this transition")
        self.not_reviewed = QRadioButton("&No, not reviewed (say why below)")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.reviewed)
        self.choice.addButton(self.not_reviewed)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why not (e.g. member declined, plan reviewed last week)")
        self.reason.setEnabled(False)
        self.not_reviewed.toggled.connect(self.reason.setEnabled)
        question = role_label("Was the member's care plan reviewed after this transition?", "subheading")
        self.form.addRow(question)
        self.form.addRow(self.reviewed)
        self.form.addRow(self.not_reviewed)
        self.form.addRow("Reason", self.reason)
        if episode.open_items:
            self.layout_.insertWidget(0, role_label(
                f"{episode.open_items} checklist item{'s are' if episode.open_items != 1 else ' is'} still open; "
                "they stay on record as not done.", "error"))

    def _apply(self) -> EpisodeView:
        if not (self.reviewed.isChecked() or self.not_reviewed.isChecked()):
            raise ValidationFailed("Answer the question about the care plan review before closing.")
        return transitions.close_episode(self.app, self.episode.episode_id,
                                         care_plan_reviewed=self.reviewed.isChecked(), note=self.reason.text(),
                                         now=transitions.local_now(self.app.clock), seen_version=self.episode.version)


class NotApplicableDialog(_ItemDialog):
    def __init__(self, app: AppSession, item: ChecklistItemView, parent: QWidget | None = None) -> None:
        super().__init__("Not applicable", app, item, parent)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why it does not apply, e.g. no home health needed")
        self.form.addRow(role_label(item.label, "subheading"))
        self.form.addRow("&Why", self.reason)

    def _apply(self) -> EpisodeView:
        return transitions.mark_item_not_applicable(self.app, self.item.item_id, self.reason.text(),
                                                    now=transitions.local_now(self.app.clock),
                                                    seen_version=self.item.episode_version)


class DoneAtDialog(_ItemDialog):
    """Mark an item done at a time other than now (it was done yesterday, noted today)."""

    def __init__(self, app: AppSession, item: ChecklistItemView, parent: QWidget | None = None) -> None:
        super().__init__("Done at", app, item, parent)
        now = transitions.local_now(self.app.clock)
        self.when = _date_time_edit(now, now, "Done at")
        self.form.addRow(role_label(item.label, "subheading"))
        self.form.addRow("&Done at", self.when)

    def _apply(self) -> EpisodeView:
        return transitions.mark_item_done(self.app, self.item.item_id, self.when.value(),
                                          now=transitions.local_now(self.app.clock),
                                          seen_version=self.item.episode_version)
