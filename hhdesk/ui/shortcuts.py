"""Every keyboard shortcut of the window, in one table that both binds the keys and lists them in Help.

A screen never writes `QShortcut(QKeySequence("Ctrl+…"))` itself: it calls `bind_shortcut(key_id, …)` (or
`bind_action` for a menu action, `bind_button` for a button) with an id from `SHORTCUTS`, so that
Help › Keyboard shortcuts (`hhdesk.ui.dialogs.shortcuts_help`) shows exactly the keys that work. Keys a
widget handles itself (Enter in the contact form, the arrows in a date field) are listed with `bound=False`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QWidget


@dataclass(frozen=True)
class ShortcutSpec:
    key_id: str
    keys: tuple[str | QKeySequence.StandardKey, ...]
    what: str
    where: str
    bound: bool = True  # False: the widget handles the key itself; listed for the user only


SHORTCUTS: tuple[ShortcutSpec, ...] = (
    ShortcutSpec("window.section", ("Ctrl+1", "Ctrl+9"), "Go to the section in that place of the list on the left "
                 "(Ctrl+1 the first … up to Ctrl+9)", "Main window"),
    ShortcutSpec("window.lock", ("Ctrl+L",), "Lock the window (your unsaved work waits for you)", "Main window"),
    ShortcutSpec("window.quit", ("Ctrl+Q", QKeySequence.StandardKey.Quit), "Quit hhdesk", "Main window"),
    ShortcutSpec("help.shortcuts", ("F1",), "This list of keyboard shortcuts", "Main window"),
    ShortcutSpec("caseload.find", (QKeySequence.StandardKey.Find,), "Go to the search box", "Caseload"),
    ShortcutSpec("worklist.refresh", ("F5",), "Read the worklist again", "Worklist"),
    ShortcutSpec("billing.refresh", (QKeySequence.StandardKey.Refresh,), "Work the month out again", "Billing"),
    ShortcutSpec("chart.close", ("Ctrl+W", QKeySequence.StandardKey.Close),
                 "Close the chart (asks first if something is not saved)", "Member chart"),
    ShortcutSpec("chart.lock", ("Ctrl+L",), "Lock the window", "Member chart"),
    ShortcutSpec("contacts.save", ("Ctrl+Return", "Ctrl+Enter"), "Save the contact", "Contacts tab"),
    ShortcutSpec("contacts.enter", ("Enter",), "Save the contact from any field (Shift+Enter: a new line in the "
                 "note)", "Contacts tab", bound=False),
    ShortcutSpec("contacts.escape", ("Esc",), "Leave the contact being edited", "Contacts tab", bound=False),
    ShortcutSpec("careplan.save", (QKeySequence.StandardKey.Save,), "Save the care plan draft", "Care plan tab"),
    ShortcutSpec("careplan.undo", ("Ctrl+Z",), "Undo the last change to the plan",
                 "Care plan tab", bound=False),
    ShortcutSpec("careplan.redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Redo", "Care plan tab", bound=False),
    ShortcutSpec("date.select", ("Ctrl+A",), "Select the whole date, to type a new one over it", "Any date field",
                 bound=False),
    ShortcutSpec("date.step", ("Up", "Down"), "One day, month or year more or less (where the cursor is)",
                 "Any date field", bound=False),
    ShortcutSpec("date.calendar", ("Alt+Down", "F4"), "Open the calendar", "Any date field", bound=False),
    ShortcutSpec("mnemonic", ("Alt+letter",), "Go to the field or press the button whose name has that letter "
                 "underlined (in the contact form Alt+N goes to the note, Alt+D to the date)", "Everywhere",
                 bound=False),
)

_DEDICATED_KEY = re.compile(r"[A-Za-z][a-z]{3,}")
_BY_ID = {spec.key_id: spec for spec in SHORTCUTS}
BOUND: set[str] = set()
"""The ids bound so far in this process (a test checks that every listed shortcut is really bound)."""


def spec(key_id: str) -> ShortcutSpec:
    return _BY_ID[key_id]


def sequences(key_id: str) -> list[QKeySequence]:
    """The key sequences of `key_id`, a standard key as every binding the platform has for it, no repeats."""
    found: list[QKeySequence] = []
    for key in _BY_ID[key_id].keys:
        for sequence in (QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                         else [QKeySequence(key)]):
            if not sequence.isEmpty() and all(sequence != known for known in found):
                found.append(sequence)
    return found


def bind_shortcut(key_id: str, parent: QWidget, slot: Callable[[], object], *, keys: str | None = None,
                  context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut) -> list[QShortcut]:
    """Make `key_id`'s keys (or `keys`, one of a family such as Ctrl+3) call `slot` in `parent`'s window."""
    made = []
    for sequence in ([QKeySequence(keys)] if keys else sequences(key_id)):
        shortcut = QShortcut(sequence, parent)
        shortcut.setContext(context)
        shortcut.activated.connect(slot)
        made.append(shortcut)
    BOUND.add(key_id)
    return made


def bind_action(key_id: str, action: QAction) -> None:
    action.setShortcuts(sequences(key_id))
    BOUND.add(key_id)


def bind_button(key_id: str, button: QAbstractButton) -> None:
    button.setShortcut(sequences(key_id)[0])
    BOUND.add(key_id)


def key_text(key_id: str) -> str:
    """The keys as this platform writes them ("Ctrl+W", "⌘W" on a Mac), joined by "or"."""
    if not _BY_ID[key_id].bound:
        texts = [str(key) for key in _BY_ID[key_id].keys]
    else:
        texts = [sequence.toString(QKeySequence.SequenceFormat.NativeText) for sequence in sequences(key_id)]
        # Keys only some keyboards have (a "Find" or "Refresh" key) are bound but not listed.
        texts = [text for text in texts if not _DEDICATED_KEY.fullmatch(text)] or texts
    if key_id == "window.section":
        return f"{texts[0]} … {texts[1]}"
    return " or ".join(texts)
