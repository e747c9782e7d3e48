"""The care plan editor: what the member brings, and needs → goals → interventions, with undo and redo.

The editor holds a :class:`~hhdesk.domain.careplan.PlanContent` (a frozen value). Every edit, from adding a
need to typing a letter of a goal, builds a new value and pushes a :class:`ContentCommand` that keeps the
value before and after; undo and redo move the stack's index, and the editor shows the value at it. Typing in one field merges into one step, so
Ctrl+Z takes back a word or a sentence, not a letter. Ctrl+Z and Ctrl+Shift+Z (or Ctrl+Y) reach the
editor's stack even from inside a text field (the fields' own undo would fight it).

The tree on the left shows the plan; the form on the right edits the item chosen in it. Nothing here talks
to the store: the Care plan tab saves :meth:`CarePlanEditor.content` through the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeyEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.careplan import (
    GOAL_STATUS_LABELS,
    INTERVENTION_STATUS_LABELS,
    NEED_DOMAIN_LABELS,
    ItemPath,
    PlanContent,
    PlanGoal,
    PlanIntervention,
    PlanNeed,
    all_paths,
    insert_item,
    item_at,
    move_item,
    remove_item,
    replace_item,
)
from hhdesk.domain.enums import GoalStatus, InterventionStatus, NeedDomain
from hhdesk.services.careplans import FREQUENCY_SUGGESTIONS, ResponsibleChoice
from hhdesk.ui.widgets.date_edit import DateEdit
from hhdesk.ui.widgets.fields import date_picker
from hhdesk.ui.widgets.flow_layout import FlowLayout
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import format_date

PATH_ROLE = Qt.ItemDataRole.UserRole
WORDS_CHOICES = ("Member", "Member's family or caregiver")
"""Who may be responsible without being staff or on the care team."""

_MUTED = QBrush(QColor("#5b6b75"))
_DONE = QBrush(QColor("#1e6b3a"))


class ContentCommand(QUndoCommand):
    """One edit of the plan: the content before and after, and which item to select for each.

    The command holds values only; the editor puts them on screen when the stack's index moves. It does not
    override ``redo``/``undo``: PySide6 6.12 drops a reference to ``None`` each time Qt calls a Python
    override of a ``void`` virtual such as ``QUndoCommand.redo``, and after a few thousand edits the
    interpreter aborts. ``id`` and ``mergeWith`` return values and are safe.
    """

    def __init__(self, before: PlanContent, after: PlanContent, text: str, select_before: ItemPath | None,
                 select_after: ItemPath | None, merge_key: tuple | None = None, may_merge: bool = True) -> None:
        super().__init__(text)
        self.before = before
        self.after = after
        self.select_before = select_before
        self.select_after = select_after
        self.merge_key = merge_key
        self.may_merge = may_merge

    def id(self) -> int:  # Qt's name
        return 1 if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # Qt's name
        if not isinstance(other, ContentCommand) or not other.may_merge or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self.select_after = other.select_after
        return True


class _UndoKeys(QObject):
    """Sends Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y typed in a text field to the editor's stack, not the field's."""

    def __init__(self, stack: QUndoStack, parent: QObject) -> None:
        super().__init__(parent)
        self.stack = stack

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            is_undo = event.matches(QKeySequence.StandardKey.Undo)
            is_redo = event.matches(QKeySequence.StandardKey.Redo) or _is_redo_chord(event)
            if is_undo or is_redo:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # the key press then comes here, not to an application shortcut
                    return True
                (self.stack.undo if is_undo else self.stack.redo)()
                return True
        return super().eventFilter(watched, event)


def _is_redo_chord(event: QKeyEvent) -> bool:
    mods = event.modifiers()
    ctrl = Qt.KeyboardModifier.ControlModifier
    shift = Qt.KeyboardModifier.ShiftModifier
    return (event.key() == Qt.Key.Key_Z and mods & ctrl and mods & shift) or (
        event.key() == Qt.Key.Key_Y and mods & ctrl and not mods & shift)


def _text_box(placeholder: str, height: int = 64, max_height: int | None = None) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(height)
    box.setMaximumHeight(max_height or height * 2)
    box.setUndoRedoEnabled(False)  # the editor's stack does it
    return box


def _set_text(box: QPlainTextEdit, text: str) -> None:
    if box.toPlainText() != text:
        box.setPlainText(text)
        cursor = box.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        box.setTextCursor(cursor)


def goal_summary(goal: PlanGoal) -> str:
    return f"\u201c{' '.join(goal.text.split())}\u201d" if goal.text.strip() else "(goal not written yet)"


class CarePlanEditor(QWidget):
    """Edits one draft's content; read-only for a signed version (``set_editable(False)``)."""

    content_changed = Signal()

    def __init__(self, choices: Sequence[ResponsibleChoice] = (), parent: QWidget | None = None, *,
                 today: date) -> None:
        super().__init__(parent)
        self._today = today
        self._content = PlanContent()
        self._editable = True
        self._loading = False
        self._path: ItemPath | None = None
        self._choices = list(choices)
        self._base = PlanContent()  # the content before the first command on the stack
        self._pushing = False
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self._index = 0
        self.undo_stack.indexChanged.connect(self._index_changed)
        self._keys = _UndoKeys(self.undo_stack, self)

        self.undo_action: QAction = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.redo_action: QAction = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

        self._build_overview()
        self._build_tree()
        self._build_forms()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree_panel)
        splitter.addWidget(self.form_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([700, 420])
        self.form_panel.setMaximumWidth(480)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.overview)
        layout.addWidget(splitter, 1)
        for widget in self.findChildren(QWidget):
            widget.installEventFilter(self._keys)
        self._show_form(None)
        self._update_buttons()

    # ---- building ---------------------------------------------------------------------------------
    def _build_overview(self) -> None:
        self.overview = QGroupBox("What the member brings")
        self.strengths = _text_box("Strengths: what is going well, who helps, what the member is good at", 46, 62)
        self.preferences = _text_box("Preferences: language, times to call, how the member likes to be helped", 46, 62)
        self.barriers = _text_box("Barriers: what gets in the way", 46, 62)
        grid = QGridLayout(self.overview)
        grid.setContentsMargins(10, 6, 10, 8)
        grid.setVerticalSpacing(2)
        for column, (title, box) in enumerate((("Strengths", self.strengths), ("Preferences", self.preferences),
                                               ("Barriers", self.barriers))):
            caption = QLabel(title)
            caption.setBuddy(box)
            box.setAccessibleName(title)
            grid.addWidget(caption, 0, column)
            grid.addWidget(box, 1, column)
            grid.setColumnStretch(column, 1)
            box.textChanged.connect(lambda field=title.lower(), widget=box: self._overview_edited(field, widget))

    def _build_tree(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Needs, goals and interventions", "Target date · who, how often", "Status"])
        self.tree.setAccessibleName("Needs, goals and interventions")
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(False)
        self.tree.setWordWrap(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 245)
        self.tree.currentItemChanged.connect(self._current_changed)

        self.add_need_button = QPushButton("Add need")
        self.add_goal_button = QPushButton("Add goal")
        self.add_intervention_button = QPushButton("Add intervention")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("\u2191")
        self.down_button = QPushButton("\u2193")
        self.up_button.setToolTip("Move up")
        self.down_button.setToolTip("Move down")
        self.up_button.setAccessibleName("Move up")
        self.down_button.setAccessibleName("Move down")
        for button in (self.up_button, self.down_button):
            button.setFixedWidth(36)
        self.add_need_button.setToolTip("A need in one domain: housing, physical health, food, ...")
        self.add_goal_button.setToolTip("A goal for the chosen need, in the member's own words")
        self.add_intervention_button.setToolTip("What will be done towards the chosen goal, and by whom")
        self.add_need_button.clicked.connect(self.add_need)
        self.add_goal_button.clicked.connect(self.add_goal)
        self.add_intervention_button.clicked.connect(self.add_intervention)
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(+1))

        buttons = FlowLayout(spacing=6)  # wraps on a narrow screen (a laptop at 150 %) instead of widening the tab
        for button in (self.add_need_button, self.add_goal_button, self.add_intervention_button,
                       self.up_button, self.down_button, self.remove_button):
            buttons.addWidget(button)

        self.tree_panel = QWidget()
        layout = QVBoxLayout(self.tree_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)

    def _build_forms(self) -> None:
        self.forms = QStackedWidget()
        self.empty_page = role_label(
            "Choose a need, goal or intervention on the left to see or change it here, or add one with the "
            "buttons below the list.", "muted")
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.need_domain = QComboBox()
        for domain, title in NEED_DOMAIN_LABELS.items():
            self.need_domain.addItem(title, domain)
        self.need_description = _text_box("What the need is, in a sentence", 80)
        need_page = QGroupBox("Need")
        need_form = QFormLayout(need_page)
        need_form.addRow("&Domain:", self.need_domain)
        need_form.addRow("D&escription:", self.need_description)
        self.need_domain.currentIndexChanged.connect(lambda _i: self._need_edited("domain"))
        self.need_description.textChanged.connect(lambda: self._need_edited("description"))

        self.goal_text = _text_box("In the member's own words: \u201cI want to ...\u201d", 90)
        self.goal_has_target = QCheckBox("Target date:")
        self.goal_target: DateEdit = date_picker(self._today, today=self._today, name="Target date")
        self.goal_status = QComboBox()
        for status, title in GOAL_STATUS_LABELS.items():
            self.goal_status.addItem(title, status)
        target_row = QHBoxLayout()
        target_row.addWidget(self.goal_has_target)
        target_row.addWidget(self.goal_target)
        target_row.addStretch(1)
        goal_page = QGroupBox("Goal")
        goal_form = QFormLayout(goal_page)
        goal_form.addRow(role_label("The goal as the member says it, in their own words.", "muted"))
        goal_form.addRow("&Goal:", self.goal_text)
        goal_form.addRow(target_row)
        goal_form.addRow("&Status:", self.goal_status)
        self.goal_text.textChanged.connect(lambda: self._goal_edited("text"))
        self.goal_has_target.toggled.connect(lambda _on: self._goal_edited("target"))
        self.goal_target.date_changed.connect(lambda _d: self._goal_edited("target"))
        self.goal_status.currentIndexChanged.connect(lambda _i: self._goal_edited("status"))

        self.action_text = _text_box("What will be done", 70)
        self.responsible = QComboBox()
        self.responsible.setEditable(True)
        self.responsible.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.responsible.lineEdit().setPlaceholderText("Choose, or type who")
        # As wide as the form, not as the longest name (which would widen the tab): the list shows names whole.
        self.responsible.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.responsible.setMinimumContentsLength(18)
        self.frequency = QComboBox()
        self.frequency.setEditable(True)
        self.frequency.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.frequency.addItem("")
        self.frequency.addItems(list(FREQUENCY_SUGGESTIONS))
        self.frequency.lineEdit().setPlaceholderText("How often")
        self.intervention_status = QComboBox()
        for status, title in INTERVENTION_STATUS_LABELS.items():
            self.intervention_status.addItem(title, status)
        intervention_page = QGroupBox("Intervention")
        intervention_form = QFormLayout(intervention_page)
        intervention_form.addRow("&Action:", self.action_text)
        intervention_form.addRow("&Responsible:", self.responsible)
        intervention_form.addRow("&Frequency:", self.frequency)
        intervention_form.addRow("S&tatus:", self.intervention_status)
        self.action_text.textChanged.connect(lambda: self._intervention_edited("action"))
        self.responsible.currentTextChanged.connect(lambda _t: self._intervention_edited("responsible"))
        self.frequency.currentTextChanged.connect(lambda _t: self._intervention_edited("frequency"))
        self.intervention_status.currentIndexChanged.connect(lambda _i: self._intervention_edited("status"))
        self.set_choices(self._choices)

        self.form_pages = {"empty": self.empty_page, "need": need_page, "goal": goal_page,
                           "intervention": intervention_page}
        for page in self.form_pages.values():
            self.forms.addWidget(page)
        self.form_panel = QWidget()
        layout = QVBoxLayout(self.form_panel)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.forms)
        layout.addStretch(1)

    def set_choices(self, choices: Sequence[ResponsibleChoice]) -> None:
        """Who an intervention may name: the care team and staff, then words such as "Member"."""
        self._choices = list(choices)
        self._loading, was_loading = True, self._loading
        try:
            self.responsible.clear()
            self.responsible.addItem("", None)
            for choice in self._choices:
                self.responsible.addItem(f"{choice.label} ({choice.detail})" if choice.detail else choice.label,
                                         choice)
            for words in WORDS_CHOICES:
                self.responsible.addItem(words, words)
        finally:
            self._loading = was_loading

    # ---- content ----------------------------------------------------------------------------------
    def content(self) -> PlanContent:
        return self._content

    def load(self, content: PlanContent, *, editable: bool) -> None:
        """Show a version's content; forgets the undo history (a fresh start)."""
        self._pushing = True
        try:
            self.undo_stack.clear()
        finally:
            self._pushing = False
        self._base = content
        self._index = 0
        self._editable = editable
        self.show_content(content, (0,) if content.needs else None, reload_form=True)
        self.undo_stack.setClean()
        self.set_editable(editable)

    def mark_saved(self, saved: PlanContent) -> None:
        """The draft was saved: take the stored content (its rows' ids) and call this state clean."""
        index = self.undo_stack.index()
        command = self.undo_stack.command(index - 1) if index > 0 else None
        if isinstance(command, ContentCommand):
            command.after = saved
        else:
            self._base = saved
        self._content = saved
        self.undo_stack.setClean()

    def _state_at(self, index: int) -> PlanContent:
        command = self.undo_stack.command(index - 1) if index > 0 else None
        return command.after if isinstance(command, ContentCommand) else self._base

    def _index_changed(self, index: int) -> None:
        """Undo or redo moved the stack: show the content as it was after the command now on top."""
        previous, self._index = self._index, index
        if self._pushing:
            return
        if index < previous:  # undone: select where the undone command started
            command = self.undo_stack.command(index)
            select = command.select_before if isinstance(command, ContentCommand) else self._path
        else:  # redone
            command = self.undo_stack.command(index - 1)
            select = command.select_after if isinstance(command, ContentCommand) else self._path
        self.show_content(self._state_at(index), select, reload_form=True)

    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        for box in (self.strengths, self.preferences, self.barriers, self.need_description, self.goal_text,
                    self.action_text):
            box.setReadOnly(not editable)
        for widget in (self.need_domain, self.goal_has_target, self.goal_status, self.responsible,
                       self.frequency, self.intervention_status):
            widget.setEnabled(editable)
        self.goal_target.setEnabled(editable and self.goal_has_target.isChecked())
        self._update_buttons()

    def show_content(self, content: PlanContent, select: ItemPath | None, *, reload_form: bool) -> None:
        """Put ``content`` on screen (from a command); select ``select`` in the tree."""
        self._content = content
        self._loading = True
        try:
            _set_text(self.strengths, content.strengths)
            _set_text(self.preferences, content.preferences)
            _set_text(self.barriers, content.barriers)
            rebuilt = self._sync_tree()
            valid = select if select is not None and select in all_paths(content) else None
            previous = self._path
            self._select(valid)
            if reload_form or rebuilt or valid != previous:
                self._show_form(valid)
        finally:
            self._loading = False
        self._update_buttons()
        self.content_changed.emit()

    def _push(self, new: PlanContent, text: str, select_after: ItemPath | None,
              merge_key: tuple | None = None) -> None:
        if new == self._content or not self._editable:
            return
        command = ContentCommand(self._content, new, text, self._path, select_after, merge_key,
                                 may_merge=not self.undo_stack.isClean())
        # An edit from a form is on screen already: only the tree (and the selection) follow it.
        self.show_content(new, select_after, reload_form=False)
        self._pushing = True
        try:
            self.undo_stack.push(command)
        finally:
            self._pushing = False
        self._index = self.undo_stack.index()

    # ---- the tree ---------------------------------------------------------------------------------
    def _tree_paths(self) -> list[ItemPath]:
        paths: list[ItemPath] = []

        def walk(item: QTreeWidgetItem) -> None:
            paths.append(tuple(item.data(0, PATH_ROLE)))
            for number in range(item.childCount()):
                walk(item.child(number))

        for number in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(number))
        return paths

    def _sync_tree(self) -> bool:
        """Update the tree's texts in place when only words changed; rebuild it when items came or went.
        Returns whether it was rebuilt."""
        paths = all_paths(self._content)
        rebuilt = paths != self._tree_paths()
        self.tree.blockSignals(True)
        try:
            if rebuilt:
                self.tree.clear()
                for n, need in enumerate(self._content.needs):
                    need_item = QTreeWidgetItem(self.tree)
                    need_item.setData(0, PATH_ROLE, (n,))
                    for g, goal in enumerate(need.goals):
                        goal_item = QTreeWidgetItem(need_item)
                        goal_item.setData(0, PATH_ROLE, (n, g))
                        for i in range(len(goal.interventions)):
                            QTreeWidgetItem(goal_item).setData(0, PATH_ROLE, (n, g, i))
                self.tree.expandAll()
            for path in paths:
                self._fill_item(self._tree_item(path), path)
        finally:
            self.tree.blockSignals(False)
        return rebuilt

    def _fill_item(self, tree_item: QTreeWidgetItem | None, path: ItemPath) -> None:
        if tree_item is None:
            return
        item = item_at(self._content, path)
        bold = QFont(self.tree.font())
        bold.setBold(True)
        if isinstance(item, PlanNeed):
            text = NEED_DOMAIN_LABELS[item.domain]
            if item.description.strip():
                text += f" \u2014 {' '.join(item.description.split())}"
            tree_item.setText(0, text)
            tree_item.setFont(0, bold)
            tree_item.setText(1, "")
            count = len(item.goals)
            tree_item.setText(2, f"{count} goal{'s' if count != 1 else ''}")
            tree_item.setForeground(2, _MUTED)
        elif isinstance(item, PlanGoal):
            tree_item.setText(0, f"Goal: {goal_summary(item)}")
            tree_item.setText(1, f"by {format_date(item.target_date)}" if item.target_date else "no target date")
            tree_item.setForeground(1, QBrush() if item.target_date else _MUTED)
            tree_item.setText(2, GOAL_STATUS_LABELS[item.status])
            tree_item.setForeground(2, _DONE if item.status is GoalStatus.MET else QBrush())
        else:
            assert isinstance(item, PlanIntervention)
            tree_item.setText(0, " ".join(item.action.split()) or "(action not written yet)")
            who = item.responsible_label.strip() or "no one named"
            tree_item.setText(1, f"{who}, {item.frequency.strip()}" if item.frequency.strip() else who)
            tree_item.setForeground(1, QBrush() if item.responsible_label.strip() else _MUTED)
            tree_item.setText(2, INTERVENTION_STATUS_LABELS[item.status])
        tree_item.setToolTip(0, tree_item.text(0))

    def _tree_item(self, path: ItemPath | None) -> QTreeWidgetItem | None:
        if not path or path[0] >= self.tree.topLevelItemCount():
            return None
        item = self.tree.topLevelItem(path[0])
        for index in path[1:]:
            if item is None or index >= item.childCount():
                return None
            item = item.child(index)
        return item

    def _select(self, path: ItemPath | None) -> None:
        self.tree.blockSignals(True)
        try:
            item = self._tree_item(path)
            self.tree.setCurrentItem(item)
            if item is None:
                self.tree.clearSelection()
            else:
                self.tree.scrollToItem(item)
        finally:
            self.tree.blockSignals(False)
        self._path = path

    def select(self, path: ItemPath | None) -> None:
        """Choose an item as if clicked in the tree (for keyboard users and tests)."""
        self._select(path)
        self._show_form(path)
        self._update_buttons()

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        path = current.data(0, PATH_ROLE) if current is not None else None
        self._path = tuple(path) if path is not None else None
        self._show_form(self._path)
        self._update_buttons()

    def _update_buttons(self) -> None:
        path = self._path
        self.add_need_button.setEnabled(self._editable)
        self.add_goal_button.setEnabled(self._editable and path is not None)
        self.add_intervention_button.setEnabled(self._editable and path is not None and len(path) >= 2)
        self.remove_button.setEnabled(self._editable and path is not None)
        siblings = 0
        if path is not None:
            parent = self._content if len(path) == 1 else item_at(self._content, path[:-1])
            siblings = len(parent.needs if isinstance(parent, PlanContent) else
                           parent.goals if isinstance(parent, PlanNeed) else parent.interventions)
        self.up_button.setEnabled(self._editable and path is not None and path[-1] > 0)
        self.down_button.setEnabled(self._editable and path is not None and path[-1] < siblings - 1)

    # ---- forms ------------------------------------------------------------------------------------
    def _show_form(self, path: ItemPath | None) -> None:
        was_loading, self._loading = self._loading, True
        try:
            if path is None:
                self.forms.setCurrentWidget(self.form_pages["empty"])
                return
            item = item_at(self._content, path)
            if isinstance(item, PlanNeed):
                self.need_domain.setCurrentIndex(self.need_domain.findData(item.domain))
                _set_text(self.need_description, item.description)
                self.forms.setCurrentWidget(self.form_pages["need"])
            elif isinstance(item, PlanGoal):
                _set_text(self.goal_text, item.text)
                self.goal_has_target.setChecked(item.target_date is not None)
                if item.target_date is not None:
                    self.goal_target.set_value(item.target_date)
                self.goal_target.setEnabled(self._editable and item.target_date is not None)
                self.goal_status.setCurrentIndex(self.goal_status.findData(item.status))
                self.forms.setCurrentWidget(self.form_pages["goal"])
            else:
                assert isinstance(item, PlanIntervention)
                _set_text(self.action_text, item.action)
                self.responsible.setCurrentIndex(self._responsible_index(item))
                if self.responsible.currentIndex() <= 0:
                    self.responsible.setEditText(item.responsible_label)
                self.frequency.setEditText(item.frequency)
                self.intervention_status.setCurrentIndex(self.intervention_status.findData(item.status))
                self.forms.setCurrentWidget(self.form_pages["intervention"])
        finally:
            self._loading = was_loading

    def _responsible_index(self, item: PlanIntervention) -> int:
        for index in range(1, self.responsible.count()):
            data = self.responsible.itemData(index)
            if isinstance(data, ResponsibleChoice):
                if (data.kind == "user" and data.ref_id == item.responsible_user_id) or (
                        data.kind == "team" and data.ref_id == item.responsible_team_member_id):
                    return index
            elif data == item.responsible_label and item.responsible_user_id is None \
                    and item.responsible_team_member_id is None:
                return index
        return 0 if not item.responsible_label else -1

    def _overview_edited(self, field: str, box: QPlainTextEdit) -> None:
        if self._loading:
            return
        self._push(replace(self._content, **{field: box.toPlainText()}), f"edit {field}", self._path,
                   merge_key=(field,))

    def _need_edited(self, field: str) -> None:
        path = self._path
        if self._loading or path is None or len(path) != 1:
            return
        need = item_at(self._content, path)
        assert isinstance(need, PlanNeed)
        new = replace(need, domain=NeedDomain(self.need_domain.currentData()),
                      description=self.need_description.toPlainText())
        self._push(replace_item(self._content, path, new), "edit need", path, merge_key=(path, field))

    def _goal_edited(self, field: str) -> None:
        path = self._path
        if self._loading or path is None or len(path) != 2:
            return
        self.goal_target.setEnabled(self._editable and self.goal_has_target.isChecked())
        goal = item_at(self._content, path)
        assert isinstance(goal, PlanGoal)
        # Only a date entered in full: a half-typed or mistyped one keeps the goal's target as it was.
        target = (self.goal_target.committed() or goal.target_date) if self.goal_has_target.isChecked() else None
        new = replace(goal, text=self.goal_text.toPlainText(), target_date=target,
                      status=GoalStatus(self.goal_status.currentData()))
        self._push(replace_item(self._content, path, new), "edit goal", path, merge_key=(path, field))

    def _intervention_edited(self, field: str) -> None:
        path = self._path
        if self._loading or path is None or len(path) != 3:
            return
        intervention = item_at(self._content, path)
        assert isinstance(intervention, PlanIntervention)
        new = replace(intervention, action=self.action_text.toPlainText(), frequency=self.frequency.currentText(),
                      status=InterventionStatus(self.intervention_status.currentData()),
                      **self._responsible_fields())
        self._push(replace_item(self._content, path, new), "edit intervention", path, merge_key=(path, field))

    def _responsible_fields(self) -> dict:
        text = self.responsible.currentText().strip()
        index = self.responsible.currentIndex()
        data = self.responsible.itemData(index) if index > 0 and self.responsible.itemText(index) == text else None
        if isinstance(data, ResponsibleChoice):
            return data.as_fields()
        return {"responsible_user_id": None, "responsible_team_member_id": None, "responsible_label": text}

    # ---- structure edits --------------------------------------------------------------------------
    def add_need(self, domain: NeedDomain | None = None) -> ItemPath:
        """Add a need (after the others) and choose it, so its form can be filled in."""
        used = {need.domain for need in self._content.needs}
        if not isinstance(domain, NeedDomain):
            domain = next((d for d in NeedDomain if d not in used), NeedDomain.PHYSICAL_HEALTH)
        new, path = insert_item(self._content, (), PlanNeed(domain))
        self._push(new, "add need", path)
        self._focus(self.need_domain)
        return path

    def add_goal(self) -> ItemPath | None:
        """Add a goal under the chosen need (or the need of the chosen goal or intervention)."""
        if self._path is None:
            return None
        new, path = insert_item(self._content, self._path[:1], PlanGoal(""))
        self._push(new, "add goal", path)
        self._focus(self.goal_text)
        return path

    def add_intervention(self) -> ItemPath | None:
        if self._path is None or len(self._path) < 2:
            return None
        new, path = insert_item(self._content, self._path[:2], PlanIntervention(""))
        self._push(new, "add intervention", path)
        self._focus(self.action_text)
        return path

    def remove_current(self) -> None:
        path = self._path
        if path is None:
            return
        kind = {1: "need", 2: "goal", 3: "intervention"}[len(path)]
        new = remove_item(self._content, path)
        remaining = all_paths(new)
        parent_or_sibling = path if path in remaining else (path[:-1] + (path[-1] - 1,) if path[-1] > 0
                                                            else path[:-1] or None)
        select = parent_or_sibling if parent_or_sibling in remaining else (remaining[0] if remaining else None)
        self._push(new, f"remove {kind}", select)

    def move_current(self, delta: int) -> None:
        if self._path is None:
            return
        new, path = move_item(self._content, self._path, delta)
        self._push(new, "move", path)

    def _focus(self, widget: QWidget) -> None:
        if self.isVisible():
            widget.setFocus()
