"""Help › Keyboard shortcuts: every key of `hhdesk.ui.shortcuts.SHORTCUTS`, grouped by where it works.

The list is read from the same table the screens bind their keys from, so it cannot fall behind them.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hhdesk.ui.shortcuts import SHORTCUTS, key_text
from hhdesk.ui.widgets.labels import role_label


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(where, keys, what) for every shortcut, in the table's order (grouped by where)."""
    places: list[str] = []
    for spec in SHORTCUTS:
        if spec.where not in places:
            places.append(spec.where)
    return [(spec.where, key_text(spec.key_id), spec.what)
            for place in places for spec in SHORTCUTS if spec.where == place]


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        previous = ""
        for number, (where, keys, what) in enumerate(rows):
            self.table.setItem(number, 0, QTableWidgetItem(where if where != previous else ""))
            self.table.setItem(number, 1, QTableWidgetItem(keys))
            self.table.setItem(number, 2, QTableWidgetItem(what))
            previous = where
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        self.table.setCurrentItem(None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()
        layout = QVBoxLayout(self)
        layout.addWidget(role_label("Every key that works in hhdesk, by where it works.", "muted"))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        screen = self.screen().availableGeometry() if self.screen() else None
        self.resize(860, min(660, screen.height() - 60) if screen else 660)
