"""The chart's Care plan tab: the versions of the member's plan, the editor, signing, comparing, printing.

The version shown first is the draft being worked on, else the active version (``careplans.version_to_open``).
A draft is edited in place (undo and redo while editing; Save draft writes the whole tree); a signed
version is shown read-only, with "Start a new version from this one" as the way to change the plan.

Leaving with unsaved changes: switching to another version asks, and so does closing the chart (Save /
Discard / Cancel, as every form does; see `hhdesk.ui.unsaved`). Locking the window keeps the changes on
screen, hidden until the same user unlocks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.careplan import PlanContent, ReviewState, SignerRole
from hhdesk.domain.enums import CarePlanStatus
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ChangedByOther
from hhdesk.services import careplans, members, printing
from hhdesk.services.careplans import CarePlanVersionView, VersionSummary
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.shortcuts import bind_shortcut
from hhdesk.ui.unsaved import TracksUnsavedEdits
from hhdesk.ui.widgets.careplan_editor import CarePlanEditor
from hhdesk.ui.widgets.fields import INFO_STYLE, OK_STYLE, WARNING_STYLE, chip
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

STATUS_STYLE = {CarePlanStatus.DRAFT: WARNING_STYLE, CarePlanStatus.ACTIVE: OK_STYLE,
                CarePlanStatus.SUPERSEDED: INFO_STYLE}


class CarePlanTab(TracksUnsavedEdits, QWidget):
    """One member's care plan. Built by the chart with its ``ChartContext``."""

    def __init__(self, context, parent: QWidget | None = None) -> None:  # a ChartContext
        super().__init__(parent)
        self.context = context
        self.app = context.app
        self.member_id: int = context.member_id
        self.today: date = context.today
        self.can_edit = self.app.actor.can(Permission.EDIT_CLINICAL)
        self.can_print = self.app.actor.can(Permission.PRINT_DOCUMENTS)
        self.versions: list[VersionSummary] = []
        self.version: CarePlanVersionView | None = None
        self.preview_dialog: QWidget | None = None
        details = members.get_details(self.app, self.member_id)
        self.member_name = " ".join(f"{details.first_name} {details.last_name}".split())
        self.member_first_name = details.preferred_name or details.first_name

        self.editor = CarePlanEditor(careplans.responsible_choices(self.app, self.member_id, self.today),
                                     today=self.today)
        self.editor.undo_stack.cleanChanged.connect(lambda _clean: self._update_actions())
        self.editor.content_changed.connect(self._update_actions)
        self._build()
        self.reload()

    # ---- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.version_combo = QComboBox()
        self.version_combo.setAccessibleName("Version")
        self.version_combo.setMinimumWidth(280)
        self.version_combo.activated.connect(self._version_chosen)
        self.status_chip = chip("", "info")
        self.dates_label = role_label("", "muted")
        self.review_chip = chip("", "warning")

        self.undo_button = _action_button(self.editor.undo_action, "Undo the last change (Ctrl+Z)")
        self.redo_button = _action_button(self.editor.redo_action, "Redo (Ctrl+Shift+Z)")
        self.save_button = QPushButton("Save draft")
        self.save_button.setToolTip("Save the changes to this draft (Ctrl+S)")
        self.save_button.clicked.connect(self.save_draft)
        self.sign_button = QPushButton("Sign…")
        self.sign_button.setToolTip("Record the member's and the care manager's signatures: the draft becomes "
                                    "the active plan")
        self.sign_button.clicked.connect(self.sign)
        self.discard_button = QPushButton("Discard draft…")
        self.discard_button.clicked.connect(self.discard_draft)
        self.new_version_button = QPushButton("Start a new version")
        self.new_version_button.setToolTip("Copy the active plan into a new draft, to review or change it")
        self.new_version_button.clicked.connect(self.new_version)
        self.compare_button = QPushButton("Compare versions…")
        self.compare_button.clicked.connect(self.compare)
        self.shared_button = QPushButton("Shared with PCP…")
        self.shared_button.setToolTip("Record the day this signed plan went to the member's primary care provider")
        self.shared_button.clicked.connect(self.record_shared)
        self.print_button = QPushButton("Preview and print")
        self.print_button.setToolTip("See the care plan or the packet as it will print; print it or save it")
        menu = QMenu(self.print_button)
        self.print_plan_action = QAction("The care plan…", self)
        self.print_plan_action.triggered.connect(lambda: self.preview("care_plan"))
        self.print_packet_action = QAction("The care-plan packet (summary, team, plan, signature page)…", self)
        self.print_packet_action.triggered.connect(lambda: self.preview("packet"))
        menu.addAction(self.print_plan_action)
        menu.addAction(self.print_packet_action)
        self.print_button.setMenu(menu)
        self.print_button.setVisible(self.can_print)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(QLabel("Version:"))
        top.addWidget(self.version_combo)
        top.addWidget(self.status_chip)
        top.addWidget(self.review_chip)
        top.addStretch(1)
        top.addWidget(self.compare_button)
        top.addWidget(self.print_button)

        self.banner = role_label("", "muted")
        self.banner.setObjectName("careplanBanner")
        self.banner.setStyleSheet("QLabel#careplanBanner { background: #eef2f5; border: 1px solid #d5dde3; "
                                  "border-radius: 6px; padding: 6px 10px; color: #26343d; }")

        actions = QHBoxLayout()
        actions.setSpacing(6)
        for widget in (self.undo_button, self.redo_button):
            actions.addWidget(widget)
        actions.addSpacing(10)
        for widget in (self.save_button, self.sign_button, self.discard_button):
            actions.addWidget(widget)
        actions.addSpacing(10)
        actions.addWidget(self.new_version_button)
        actions.addWidget(self.shared_button)
        actions.addStretch(1)
        self.message = MessageLabel()
        self.unsaved_label = role_label("", "muted", wrap=False)
        actions.addWidget(self.unsaved_label)

        plan_page = QWidget()
        plan_layout = QVBoxLayout(plan_page)
        plan_layout.setContentsMargins(0, 0, 0, 0)
        plan_layout.setSpacing(6)
        plan_layout.addLayout(top)
        plan_layout.addWidget(self.dates_label)
        plan_layout.addWidget(self.banner)
        plan_layout.addLayout(actions)
        plan_layout.addWidget(self.message)
        plan_layout.addWidget(self.editor, 1)

        self.create_button = QPushButton("Create the care plan")
        self.create_button.clicked.connect(self.create_first)
        self.create_button.setEnabled(self.can_edit)
        self.empty_text = role_label("", "muted")
        empty_page = QFrame()
        empty_layout = QVBoxLayout(empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(role_label("No care plan yet", "heading"))
        empty_layout.addWidget(self.empty_text)
        empty_layout.addWidget(self.create_button)
        empty_layout.addStretch(2)

        self.pages = QStackedWidget()
        self.pages.addWidget(plan_page)
        self.pages.addWidget(empty_page)
        self.plan_page, self.empty_page = plan_page, empty_page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.pages)

        for action in (self.editor.undo_action, self.editor.redo_action):
            self.addAction(action)
        bind_shortcut("careplan.save", self, self.save_draft)

    # ---- the chart's tab protocol -----------------------------------------------------------------
    def refresh(self) -> None:
        """The chart changed elsewhere (care team, transitions): read the versions again, keep unsaved work."""
        self.editor.set_choices(careplans.responsible_choices(self.app, self.member_id, self.today))
        if self.editor.is_dirty():
            self.versions = careplans.list_versions(self.app, self.member_id)
            return
        self.reload(self.version.id if self.version else None)

    def unsaved_what(self) -> str:
        if self.version is None or not self.version.editable or not self.editor.is_dirty():
            return ""
        return f"the care plan draft (version {self.version.version_no})"

    def save_unsaved(self) -> bool:
        return self.save_draft()

    def discard_unsaved(self) -> None:
        self.editor.undo_stack.clear()
        self.reload(self.version.id if self.version else None)

    def clear_for_lock(self) -> None:
        """The chart is closing (after Save / Discard was answered): drop what is shown."""
        self.editor.undo_stack.clear()
        self.editor.load(PlanContent(), editable=False)
        self.version = None

    # ---- showing ----------------------------------------------------------------------------------
    def reload(self, version_id: int | None = None) -> None:
        """Read the versions again and show ``version_id`` (else the draft, else the active one)."""
        self.versions = careplans.list_versions(self.app, self.member_id)
        if version_id is not None and any(v.id == version_id for v in self.versions):
            self.version = careplans.get_version(self.app, version_id)
        else:
            self.version = careplans.version_to_open(self.app, self.member_id)
        self.version_combo.blockSignals(True)
        self.version_combo.clear()
        for summary in self.versions:
            self.version_combo.addItem(summary.label, summary.id)
        if self.version is not None:
            self.version_combo.setCurrentIndex(self.version_combo.findData(self.version.id))
        self.version_combo.blockSignals(False)
        if self.version is None:
            self.empty_text.setText(
                f"{self.member_first_name} has no care plan yet. Create it here: what {self.member_first_name} "
                "brings, the needs, goals in their own words, and who does what." if self.can_edit else
                f"{self.member_first_name} has no care plan yet.")
            self.pages.setCurrentWidget(self.empty_page)
            return
        self.pages.setCurrentWidget(self.plan_page)
        self.editor.load(self.version.content, editable=self.version.editable and self.can_edit)
        self._show_facts()
        self._update_actions()

    def _show_facts(self) -> None:
        version = self.version
        assert version is not None
        self.status_chip.setText(version.status_label)
        self.status_chip.setStyleSheet(STATUS_STYLE[version.status])
        facts: list[str] = []
        if version.signed_on:
            who = version.member_signer_name
            if version.member_signer_role is SignerRole.GUARDIAN:
                who += " (guardian)"
            facts.append(f"Signed {format_date(version.signed_on)} by {who} and "
                         f"{version.care_manager_signer_name or 'the care manager'}")
            facts.append(f"review due {format_date(version.review_due_on)}")
            facts.append(f"shared with the PCP {format_date(version.shared_with_pcp_on)}"
                         if version.shared_with_pcp_on else "not yet recorded as shared with the PCP")
            if version.signed_copy is not None:
                facts.append("scanned copy attached")
        else:
            created = f"Started {format_date(version.created_at.date())}" if version.created_at else "Started"
            facts.append(created + (f" by {version.created_by_name}" if version.created_by_name else ""))
            facts.append("not signed yet")
            active = next((v for v in self.versions if v.status is CarePlanStatus.ACTIVE), None)
            if active is not None and active.review_due_on is not None:
                facts.append(f"the active plan (version {active.version_no}) is due for review "
                             f"{format_date(active.review_due_on)}")
        self.dates_label.setText("; ".join(facts) + ".")

        state = version.review_state(self.today)
        self.review_chip.setVisible(state in (ReviewState.OVERDUE, ReviewState.DUE_SOON))
        if state is ReviewState.OVERDUE:
            self.review_chip.setText(f"\u26a0 Review overdue since {format_date(version.review_due_on)}")
        elif state is ReviewState.DUE_SOON:
            self.review_chip.setText(f"Review due {format_date(version.review_due_on)}")

        if version.editable and self.can_edit:
            text = (f"Version {version.version_no} is a draft. Changes are kept when you save; when the member "
                    "and the care manager have signed it, record the signatures with Sign…")
        elif version.editable:
            text = f"Version {version.version_no} is a draft. Your role may read it but not change it."
        elif version.status is CarePlanStatus.ACTIVE:
            text = (f"Version {version.version_no} is the signed, active plan and cannot be changed. To review or "
                    "change it, start a new version: it begins as a copy of this one.")
        else:
            text = (f"Version {version.version_no} was replaced by a later signed version. It is kept as it was "
                    "signed, read-only.")
        self.banner.setText(text)

    def _update_actions(self) -> None:
        version = self.version
        draft = version is not None and version.editable
        dirty = self.editor.is_dirty()
        has_draft = any(v.status is CarePlanStatus.DRAFT for v in self.versions)
        has_active = any(v.status is CarePlanStatus.ACTIVE for v in self.versions)
        for widget in (self.undo_button, self.redo_button, self.save_button, self.sign_button,
                       self.discard_button):
            widget.setVisible(draft and self.can_edit)
        self.save_button.setEnabled(dirty)
        self.new_version_button.setVisible(self.can_edit and not has_draft and has_active)
        self.shared_button.setVisible(self.can_edit and version is not None and version.signed_on is not None)
        self.compare_button.setEnabled(len(self.versions) > 1)
        self.unsaved_label.setText("Unsaved changes" if dirty else "")

    def _version_chosen(self, _index: int) -> None:
        wanted = self.version_combo.currentData()
        if self.version is not None and wanted == self.version.id:
            return
        if not self._settle_unsaved("showing another version"):
            self.version_combo.setCurrentIndex(self.version_combo.findData(self.version.id if self.version else None))
            return
        self.reload(wanted)

    def show_version_no(self, number: int) -> None:
        """Show version ``number`` (as if chosen in the list)."""
        for index in range(self.version_combo.count()):
            summary = next(v for v in self.versions if v.id == self.version_combo.itemData(index))
            if summary.version_no == number:
                self.version_combo.setCurrentIndex(index)
                self._version_chosen(index)
                return

    def _settle_unsaved(self, doing: str) -> bool:
        """Before leaving a draft with changes: save them, drop them, or stay. True to go on."""
        if self.version is None or not self.editor.is_dirty():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"Version {self.version.version_no} has changes that are not saved yet. Save them before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Yes):
            return self.save_draft()
        return answer == QMessageBox.StandardButton.Discard

    # ---- actions ----------------------------------------------------------------------------------
    def _save(self) -> CarePlanVersionView:
        assert self.version is not None
        saved = careplans.save_draft(self.app, self.version.id, self.editor.content(),
                                     seen_version=self.version.row_version)
        self.version = saved
        self.editor.mark_saved(saved.content)
        return saved

    def save_draft(self) -> bool:
        """Save the draft's changes; True when saved (or nothing to save)."""
        if self.version is None or not self.version.editable or not self.can_edit:
            return False
        if not self.editor.is_dirty():
            return True
        with user_errors(self.message.show_error, "saving a care plan draft") as attempt:
            self._save()
        if attempt.failed:
            if isinstance(attempt.error, ChangedByOther):
                self._follow_other_save()
            return False
        self.message.show_ok(f"Version {self.version.version_no} saved.")
        self._update_actions()
        return True

    def _follow_other_save(self) -> None:
        """After a save refused because someone else saved the draft first: the editor keeps this user's
        tree, and saving again replaces theirs knowingly (the sentence said who and when)."""
        assert self.version is not None
        try:
            stored = careplans.get_version(self.app, self.version.id)
        except Exception:
            return
        self.version = replace(self.version, row_version=stored.row_version)

    def create_first(self) -> None:
        with user_errors(self) as attempt:
            created = careplans.create_first_draft(self.app, self.member_id)
        if attempt.failed:
            return
        self.reload(created.id)
        self.editor.add_need()

    def new_version(self) -> None:
        if not self._settle_unsaved("starting a new version"):
            return
        with user_errors(self) as attempt:
            draft = careplans.start_new_version(self.app, self.member_id)
        if attempt.failed:
            return
        self.reload(draft.id)
        self.message.show_ok(f"Version {draft.version_no} started as a copy of the active plan. Change what needs "
                             "changing, save, and sign it when the member agrees.")

    def discard_draft(self) -> None:
        if self.version is None or not self.version.editable:
            return
        if not common.confirm(self, "Discard the draft",
                              f"Delete draft version {self.version.version_no} and everything in it? The signed "
                              "versions stay as they are.", "Discard draft"):
            return
        with user_errors(self) as attempt:
            careplans.discard_draft(self.app, self.version.id)
        if attempt.failed:
            return
        self.editor.undo_stack.clear()
        self.reload()
        self.message.show_ok("The draft was discarded.")

    def sign(self) -> None:
        from hhdesk.ui.dialogs.careplan_dialogs import SignCarePlanDialog

        if self.version is None or not self.version.editable or not self.save_draft():
            return
        dialog = SignCarePlanDialog(self.app, self.version, self.member_name, self._default_signer(), self,
                                    today=self.today)
        self.sign_dialog = dialog
        dialog.accepted.connect(lambda: self._signed(dialog))
        dialog.open()

    def _default_signer(self) -> int | None:
        """The member's care manager when they may sign, else whoever is signing the plan in."""
        chart = getattr(self.context, "chart", None)
        username = getattr(chart, "care_manager", "") if chart is not None else ""
        for choice in careplans.signer_choices(self.app):
            if choice.username == username:
                return choice.user_id
        return self.app.actor.user_id

    def _signed(self, dialog) -> None:  # the SignCarePlanDialog
        if dialog.result is None:
            return
        self.reload(dialog.result.id)
        self.message.show_ok(f"Version {dialog.result.version_no} is signed and active. Review due "
                             f"{format_date(dialog.result.review_due_on)}.")
        self.context.changed()

    def compare(self) -> None:
        from hhdesk.ui.dialogs.careplan_dialogs import CompareVersionsDialog

        if len(self.versions) < 2 or self.version is None:
            return
        if not self._settle_unsaved("comparing"):
            return
        ordered = sorted(self.versions, key=lambda v: v.version_no)
        newer = self.version
        older = max((v for v in ordered if v.version_no < newer.version_no), key=lambda v: v.version_no,
                    default=None)
        older_id, newer_id = (older.id, newer.id) if older else (newer.id, ordered[-1].id)
        self.compare_dialog = CompareVersionsDialog(self.app, self.versions, older_id, newer_id, self)
        self.compare_dialog.open()

    def record_shared(self) -> None:
        from hhdesk.ui.dialogs.careplan_dialogs import SharedWithPcpDialog

        if self.version is None or self.version.signed_on is None:
            return
        dialog = SharedWithPcpDialog(self.app, self.version, self, today=self.today)
        self.shared_dialog = dialog
        dialog.accepted.connect(lambda: dialog.result is not None and self.reload(dialog.result.id))
        dialog.open()

    def preview(self, kind: str) -> None:
        """Render the care plan or the packet of the version on screen and show it in a preview."""
        from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog

        if self.version is None or not self.can_print:
            return
        if self.version.editable and self.editor.is_dirty() and not self.save_draft():
            return
        version_id, number = self.version.id, self.version.version_no
        render = printing.care_plan_pdf if kind == "care_plan" else printing.packet_pdf
        title = "Care plan" if kind == "care_plan" else "Care-plan packet"
        stem = "care-plan" if kind == "care_plan" else "care-plan-packet"

        def job(_progress: workers.Progress) -> bytes:
            return render(self.app, self.member_id, version_id=version_id)

        def show(pdf: bytes) -> None:
            note = "Draft: not signed yet." if self.version is not None and self.version.editable else ""
            file_name = printing.suggested_file_name(self.app, self.member_id, f"{stem}-v{number}")
            dialog = PdfPreviewDialog(
                pdf, f"{title}, version {number} \u2014 {self.member_name}", file_name,
                self, note=note,
                rerender=lambda password: render(self.app, self.member_id, password, version_id=version_id),
            )
            self.preview_dialog = dialog
            dialog.open()

        workers.run_in_background(self, f"Preparing the {title.lower()}", job, show)


def _action_button(action: QAction, tooltip: str) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolTip(tooltip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button
