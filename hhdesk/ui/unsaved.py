"""Unsaved edits: how every form knows it has them, and the one question asked before they could be lost.

One mechanism for every form of the window:

- A form (a chart tab, an inline panel, a dialog) mixes in `TracksUnsavedEdits`, calls
  `track_unsaved(root, what, save, discard)` once it is built and `mark_clean()` whenever it shows saved
  data (after loading, after a save). Its fields are compared with what they held then, so no field can
  be forgotten: text boxes, date fields, choices, ticks and numbers under `root` all count. A field that
  only filters or searches is left out with `ignore_for_unsaved(widget)`.
- A form that keeps its own record of changes (the care-plan editor's undo stack) overrides
  `unsaved_what()` instead.
- Closing a window (Ctrl+W, the close button) or a dialog (Escape, Cancel) with unsaved edits asks once,
  Save / Discard / Cancel, through `settle_unsaved`; Save runs each form's own save, so the service's checks
  and messages apply as if the user had pressed Save.
- Locking the window hides every window and dialog as it is and shows them again after the same user
  unlocks; logging out from the lock screen discards (`discard_all`). Nothing unsaved is ever written to disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from hhdesk.ui.dialogs import common

_IGNORED = "unsavedIgnored"


def ignore_for_unsaved(*widgets: QWidget) -> None:
    """These fields filter or search; changing them is not an edit to save."""
    for widget in widgets:
        widget.setProperty(_IGNORED, True)


def field_values(root: QWidget) -> dict[int, object]:
    """What every input field under `root` holds now, keyed by the field."""
    values: dict[int, object] = {}
    for widget in root.findChildren(QWidget):
        if widget.property(_IGNORED):
            continue
        value: object
        if isinstance(widget, QLineEdit):
            parent = widget.parentWidget()
            if isinstance(parent, QComboBox | QAbstractSpinBox) or widget.isReadOnly():
                continue  # the combo box or spin box itself counts
            value = widget.text()
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            if widget.isReadOnly():
                continue
            value = widget.toPlainText()
        elif isinstance(widget, QComboBox):
            value = widget.currentText()
        elif isinstance(widget, QAbstractSpinBox):
            value = widget.text()
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            value = widget.isChecked()
        else:
            continue
        values[id(widget)] = value
    return values


class TracksUnsavedEdits:
    """Mixed into a form widget: knows whether its fields changed since `mark_clean()`."""

    _unsaved_root: QWidget | None = None
    _unsaved_baseline: dict[int, object] | None = None
    _unsaved_what: str = ""
    _unsaved_save: Callable[[], bool] | None = None
    _unsaved_discard: Callable[[], None] | None = None

    def track_unsaved(self, root: QWidget, what: str, save: Callable[[], bool],
                      discard: Callable[[], None] | None = None) -> None:
        """`what` names the form in the question ("the contact form"); `save` returns True when saved."""
        self._unsaved_root = root
        self._unsaved_what = what
        self._unsaved_save = save
        self._unsaved_discard = discard
        self.mark_clean()

    def mark_clean(self) -> None:
        """The fields now hold saved (or freshly loaded) data."""
        if self._unsaved_root is not None:
            self._unsaved_baseline = field_values(self._unsaved_root)

    def unsaved_what(self) -> str:
        """What has unsaved edits, in the user's words; "" when nothing does."""
        if self._unsaved_root is None or self._unsaved_baseline is None:
            return ""
        if not self._unsaved_root.isEnabled() or (isinstance(self, QWidget) and not self.isEnabled()):
            return ""
        now = field_values(self._unsaved_root)
        changed = any(key in self._unsaved_baseline and self._unsaved_baseline[key] != value
                      for key, value in now.items())
        return self._unsaved_what if changed else ""

    def save_unsaved(self) -> bool:
        return self._unsaved_save() if self._unsaved_save is not None else False

    def discard_unsaved(self) -> None:
        if self._unsaved_discard is not None:
            self._unsaved_discard()
        self.mark_clean()


def forms_with_unsaved_edits(window: QWidget) -> list[TracksUnsavedEdits]:
    """The forms in `window` (itself included, and its open dialogs) that hold unsaved edits."""
    found: list[TracksUnsavedEdits] = []
    for widget in [window, *window.findChildren(QWidget)]:
        if isinstance(widget, TracksUnsavedEdits) and widget.unsaved_what():
            found.append(widget)
    return found


def settle_unsaved(parent: QWidget, forms: Iterable[TracksUnsavedEdits], doing: str) -> bool:
    """Ask Save / Discard / Cancel about `forms` before `doing` ("closing the chart"); True to go on."""
    pending = list(forms)
    if not pending:
        return True
    names = [form.unsaved_what() for form in pending]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    answer = common.ask_save_discard_cancel(
        parent, "Unsaved changes",
        f"{listed[0].upper()}{listed[1:]} {'has' if len(names) == 1 else 'have'} changes that are not saved. "
        f"Save them before {doing}?")
    if answer == "cancel":
        return False
    if answer == "discard":
        for form in pending:
            form.discard_unsaved()
        return True
    for form in pending:
        if not form.save_unsaved():
            # The form shows why (a date that is not one, a rule the service enforces): stay to fix it.
            if isinstance(form, QWidget):
                form.window().show()
                form.window().raise_()
            return False
    return True


def discard_all(window: QWidget) -> None:
    """Drop every unsaved edit in `window` without asking (logging out from the lock screen)."""
    for form in forms_with_unsaved_edits(window):
        form.discard_unsaved()


class UnsavedEditsDialog(TracksUnsavedEdits):
    """Mixed into a QDialog form (before QDialog): Escape, Cancel or the close button ask first.

    Its fields are tracked from the moment it is first shown; Save runs the dialog's own save (the first of
    `save`, `sign`, `apply` it has, or `unsaved_save_method`), which accepts the dialog when it succeeds.
    """

    unsaved_save_method: str = ""

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        assert isinstance(self, QDialog)
        QDialog.showEvent(self, event)
        if self._unsaved_root is None:
            names = [self.unsaved_save_method] if self.unsaved_save_method else ["save", "sign", "apply"]
            method = next(getattr(self, name) for name in names if hasattr(self, name))
            self.track_unsaved(self, f"“{self.windowTitle()}”", lambda: self._run_save(method))

    def _run_save(self, method: Callable[[], object]) -> bool:
        assert isinstance(self, QDialog)
        method()
        return self.result() == QDialog.DialogCode.Accepted

    def done(self, result: int) -> None:
        assert isinstance(self, QDialog)
        QDialog.done(self, result)
        self.mark_clean()  # finished: saved, or closed with the user's answer

    def reject(self) -> None:
        assert isinstance(self, QDialog)
        if self.unsaved_what():
            if not settle_unsaved(self, [self], "closing this window"):
                return
            if self.result() == QDialog.DialogCode.Accepted:
                return  # Save ran the dialog's own save, which accepted it
        QDialog.reject(self)
