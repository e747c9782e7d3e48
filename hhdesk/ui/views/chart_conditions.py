"""The chart's Conditions tab: ICD-10-CM search as you type, the member's conditions with their
chronic-condition category, 'at risk of' entries, and what they mean for eligibility."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import ChronicCategory
from hhdesk.domain.permissions import Permission
from hhdesk.services import enrolment
from hhdesk.services.context import AppSession
from hhdesk.services.enrolment import CATEGORY_LABELS, ConditionInfo, Icd10Suggestion
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import user_errors
from hhdesk.ui.unsaved import UnsavedEditsDialog
from hhdesk.ui.views.member_chart import ChartContext
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fields import chip
from hhdesk.ui.widgets.forms import save_cancel_layout
from hhdesk.ui.widgets.labels import MessageLabel, role_label
from hhdesk.ui.widgets.text import format_date

SEARCH_DEBOUNCE_MS = 200
NO_CATEGORY = "Not a chronic-condition category"


def _category_combo(current: ChronicCategory | None = None) -> QComboBox:
    combo = QComboBox()
    combo.addItem(NO_CATEGORY, None)
    for category, text in CATEGORY_LABELS.items():
        combo.addItem(text, category.value)
    combo.setCurrentIndex(max(combo.findData(current.value if current else None), 0))
    return combo


class CategoryDialog(UnsavedEditsDialog, QDialog):
    """Change the category of a condition, e.g. a depression the care manager judges a serious mental illness."""

    def __init__(self, app: AppSession, condition: ConditionInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.condition = condition
        self.setWindowTitle("Change category")
        self.category = _category_combo(condition.category)
        self.at_risk = QCheckBox("At risk of this condition (not diagnosed)")
        self.at_risk.setChecked(condition.at_risk)
        form = QFormLayout()
        form.addRow("Condition:", role_label(f"{condition.icd10} {condition.description}".strip()))
        form.addRow("Category:", self.category)
        form.addRow("", self.at_risk)
        self.message, _buttons = save_cancel_layout(
            self, form, self.save,
            role_label("The code suggests a category; whether an illness is serious and persistent is the care "
                       "team's judgement.", "muted"),
        )

    def save(self) -> bool:
        value = self.category.currentData()
        with user_errors(self.message.show_error, "changing a category") as attempt:
            enrolment.update_condition(self.app, self.condition.id,
                                       category=ChronicCategory(value) if value else None,
                                       at_risk=self.at_risk.isChecked())
        if attempt.failed:
            return False
        self.accept()
        return True


class FreeTextConditionDialog(UnsavedEditsDialog, QDialog):
    """A condition without an ICD-10-CM code (the code is not known yet)."""

    def __init__(self, app: AppSession, member_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self.member_id = member_id
        self.setWindowTitle("Condition without a code")
        self.description = QLineEdit()
        self.category = _category_combo()
        self.at_risk = QCheckBox("At risk of this condition (not diagnosed)")
        form = QFormLayout()
        form.addRow("Description:", self.description)
        form.addRow("Category:", self.category)
        form.addRow("", self.at_risk)
        self.message, _buttons = save_cancel_layout(self, form, self.save)

    def save(self) -> bool:
        value = self.category.currentData()
        with user_errors(self.message.show_error, "adding a condition") as attempt:
            enrolment.add_condition(self.app, self.member_id, description=self.description.text(),
                                    category=ChronicCategory(value) if value else None, at_risk=self.at_risk.isChecked())
        if attempt.failed:
            return False
        self.accept()
        return True


class ConditionsTab(QWidget):
    def __init__(self, context: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app = context.app
        self.conditions: list[ConditionInfo] = []
        self.suggestions: list[Icd10Suggestion] = []
        self.dialog: QDialog | None = None
        editable = self.app.actor.can(Permission.EDIT_CLINICAL)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Type a code (E11.9) or words (type 2 diabetes, schizophrenia)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search ICD-10-CM")
        self.at_risk = QCheckBox("At risk of (not diagnosed)")
        self.at_risk.setToolTip("Record a condition the member is at risk of, not one they have")
        self.results = ListTable(["Code", "Description", "Suggested category"], [80, 420])
        self.results.setMinimumHeight(150)
        self.results.doubleClicked.connect(lambda _index: self.add_selected())
        self.add_button = QPushButton("Add to the member's conditions")
        self.add_button.clicked.connect(self.add_selected)
        self.free_button = QPushButton("Without a code…")
        self.free_button.clicked.connect(self.open_free_text_dialog)
        self.search_message = MessageLabel()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self._search_return)
        # The code set takes a moment and some memory to load: start at the first keystroke in this field,
        # not for every chart opened (docs/performance.md), while the debounce runs.
        self.search.textEdited.connect(self._load_code_set, Qt.ConnectionType.SingleShotConnection)

        add_box = QGroupBox("Add a condition")
        add = QVBoxLayout(add_box)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.at_risk)
        add.addLayout(row)
        add.addWidget(self.results)
        row = QHBoxLayout()
        row.addWidget(self.search_message, 1)
        row.addStretch(1)
        row.addWidget(self.free_button)
        row.addWidget(self.add_button)
        add.addLayout(row)
        add_box.setVisible(editable)

        self.table = ListTable(["Code", "Description", "Category", "Kind", "Noted", "Resolved"],
                               [80, 330, 200, 110, 90])
        self.table.setMinimumHeight(170)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.show_resolved = QCheckBox("Show resolved conditions")
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.category_button = QPushButton("Change category…")
        self.category_button.clicked.connect(self.open_category_dialog)
        self.resolve_button = QPushButton("Mark resolved")
        self.resolve_button.setToolTip("The condition has ended; it stays on the record and stops counting")
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.remove_button = QPushButton("Remove (entered in error)")
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.category_button, self.resolve_button, self.remove_button):
            button.setVisible(editable)
        list_box = QGroupBox("The member's conditions")
        listing = QVBoxLayout(list_box)
        listing.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.show_resolved)
        row.addStretch(1)
        row.addWidget(self.category_button)
        row.addWidget(self.resolve_button)
        row.addWidget(self.remove_button)
        listing.addLayout(row)

        self.eligibility_row = QHBoxLayout()
        self.verdict: QWidget | None = None
        self.eligibility = role_label("")
        eligibility_box = QGroupBox("What this means for eligibility")
        eligibility = QVBoxLayout(eligibility_box)
        eligibility.addLayout(self.eligibility_row)
        eligibility.addWidget(self.eligibility)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.addWidget(add_box)
        layout.addWidget(list_box, 1)
        layout.addWidget(eligibility_box)
        self.refresh()

    # ---- search -------------------------------------------------------------------------------------
    def _load_code_set(self, _text: str = "") -> None:
        threading.Thread(target=enrolment.preload_icd10, name="icd10-index", daemon=True).start()

    def run_search(self) -> None:
        self._debounce.stop()
        text = self.search.text().strip()
        self.suggestions = enrolment.suggest_icd10(text, 40) if len(text) >= 2 else []
        self.results.set_rows([[s.code, s.description, s.category_label or "—"] for s in self.suggestions],
                              keys=list(range(len(self.suggestions))))
        if self.suggestions:
            self.results.selectRow(0)
            self.search_message.clear_message()
        elif len(text) >= 2:
            self.search_message.show_error("No ICD-10-CM code matches. Try fewer or other words, or add the "
                                           "condition without a code.")
        else:
            self.search_message.clear_message()

    def _search_return(self) -> None:
        if self._debounce.isActive() or not self.suggestions:
            self.run_search()
        else:
            self.add_selected()

    def add_selected(self) -> bool:
        key = self.results.selected_key()
        if key is None or not isinstance(key, int) or key >= len(self.suggestions):
            self.search_message.show_error("Search for a code, then choose it in the list.")
            return False
        suggestion = self.suggestions[key]
        with user_errors(self.search_message.show_error, "adding a condition") as attempt:
            enrolment.add_condition(self.app, self.context.member_id, icd10=suggestion.code,
                                    at_risk=self.at_risk.isChecked())
        if attempt.failed:
            return False
        self.search.clear()
        self.at_risk.setChecked(False)
        self.results.set_rows([])
        self.suggestions = []
        self.search_message.show_ok(f"Added {suggestion.code}.")
        self._changed()
        return True

    # ---- the list -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        with user_errors(self) as attempt:
            conditions = enrolment.list_conditions(self.app, self.context.member_id)
            result = enrolment.explain_eligibility(self.app, self.context.member_id)
        if attempt.failed:
            return
        if not self.show_resolved.isChecked():
            conditions = [c for c in conditions if c.active]
        self.conditions = conditions
        self.table.set_rows([
            [c.icd10 or "—", c.description, c.category_label, "At risk of" if c.at_risk else "Diagnosis",
             format_date(c.noted_on), format_date(c.resolved_on)] for c in conditions
        ], keys=[c.id for c in conditions], muted=[not c.active for c in conditions])
        if self.verdict is not None:
            self.eligibility_row.removeWidget(self.verdict)
            self.verdict.deleteLater()
        self.verdict = chip("Eligible" if result.eligible else "Not eligible yet", "ok" if result.eligible else "warning")
        self.eligibility_row.insertWidget(0, self.verdict)
        if self.eligibility_row.count() == 1:
            self.eligibility_row.addStretch(1)
        self.eligibility.setText("\n".join(result.explanation))
        self._selection_changed()

    def selected(self) -> ConditionInfo | None:
        key = self.table.selected_key()
        return next((c for c in self.conditions if c.id == key), None)

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.category_button.setEnabled(chosen is not None)
        self.resolve_button.setEnabled(chosen is not None and chosen.active)
        self.remove_button.setEnabled(chosen is not None)

    def _changed(self) -> None:
        self.refresh()
        self.context.changed()

    def open_category_dialog(self) -> CategoryDialog | None:
        chosen = self.selected()
        if chosen is None:
            return None
        dialog = CategoryDialog(self.app, chosen, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_free_text_dialog(self) -> FreeTextConditionDialog:
        dialog = FreeTextConditionDialog(self.app, self.context.member_id, self)
        dialog.accepted.connect(self._changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def resolve_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        with user_errors(self) as attempt:
            enrolment.resolve_condition(self.app, chosen.id)
        if attempt.failed:
            return
        self._changed()

    def remove_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        if not common.confirm(self, "Remove condition", "Remove this condition from the record? Do this only "
                              "for an entry made in error; a condition that ended is marked Resolved.", "Remove"):
            return
        with user_errors(self) as attempt:
            enrolment.remove_condition(self.app, chosen.id)
        if attempt.failed:
            return
        self._changed()

    def clear_for_lock(self) -> None:
        self.conditions = []
        self.suggestions = []
        self.table.set_rows([])
        self.results.set_rows([])
        self.search.clear()
        self.eligibility.clear()
