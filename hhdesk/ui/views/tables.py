"""A read-only table widget set up the same way everywhere (for short lists: users, backups, audit)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from hhdesk.ui.widgets.fitted_columns import fit_columns

_MUTED = QBrush(QColor("#7a8790"))


class ListTable(QTableWidget):
    def __init__(self, headers: Sequence[str], widths: Sequence[int] = (), parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(28)
        header = self.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        fit_columns(self)

    def set_rows(self, rows: Sequence[Sequence[str]], keys: Sequence[object] = (),
                 muted: Sequence[bool] = ()) -> None:
        """Replace the contents; `keys[i]` is kept on row i (see `selected_key`); muted rows are grey."""
        self.setSortingEnabled(False)
        self.clearContents()
        self.setRowCount(len(rows))
        for number, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if number < len(keys):
                    item.setData(Qt.ItemDataRole.UserRole, keys[number])
                if number < len(muted) and muted[number]:
                    item.setForeground(_MUTED)
                self.setItem(number, column, item)

    def selected_key(self) -> object | None:
        rows = self.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select_key(self, key: object) -> None:
        for number in range(self.rowCount()):
            item = self.item(number, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == key:
                self.selectRow(number)
                return
