"""A list's columns fit its width: on a narrow screen (a laptop at 150 %) they share the width in proportion to
the widths they would like, and long text is elided (an export and the record it opens show it whole)
instead of pushing the list sideways behind a scroll bar.

`fit_columns(view)` remembers each column's wanted width: the width it has when fitting starts, or any
width set later by the program or by the user dragging a header edge. Whenever the view is resized (or a
column is shown or hidden) the columns are set to those widths when they fit, or scaled down to fit, never
below `minimum` pixels. Columns the header sizes itself (stretch, resize to contents) are left to it and
counted at their current width.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView

MINIMUM_COLUMN = 56


class _FittedColumns(QObject):
    def __init__(self, view: QTableView, minimum: int, stretched_minimum: int) -> None:
        super().__init__(view)
        self.view = view
        self.minimum = minimum
        self.stretched_minimum = stretched_minimum
        self.header = view.horizontalHeader()
        # The last column is stretched here rather than by the header, which never lets it shrink below the
        # width it had: the columns could then never fit.
        self.fill_last = self.header.stretchLastSection()
        self.header.setStretchLastSection(False)
        self.wanted: dict[int, int] = {}
        self._fitting = False
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(0)
        self._pending.timeout.connect(self.fit)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.viewport().installEventFilter(self)
        self.header.sectionResized.connect(self._resized)
        self.header.sectionCountChanged.connect(lambda *_: self._pending.start())
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._pending.start()
        return False

    def _sized_by_header(self, column: int) -> bool:
        return self.header.sectionResizeMode(column) in (QHeaderView.ResizeMode.Stretch,
                                                         QHeaderView.ResizeMode.ResizeToContents)

    def _resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting or self._sized_by_header(column):
            return
        if new > 0 and not self.header.isSectionHidden(column):
            self.wanted[column] = new  # the program or the user chose it: the width to come back to
        if QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            self._pending.start()  # not while a header edge is being dragged

    def fit(self) -> None:
        columns = [c for c in range(self.header.count()) if not self.header.isSectionHidden(c)]
        if not columns:
            return
        for column in columns:
            self.wanted.setdefault(column, self.header.sectionSize(column))
        adjustable = [c for c in columns if not self._sized_by_header(c)]
        # A stretched column needs its minimum; one sized to its contents, that size.
        reserved = sum(self.header.sectionSize(c)
                       if self.header.sectionResizeMode(c) == QHeaderView.ResizeMode.ResizeToContents
                       else self.stretched_minimum for c in columns if c not in adjustable)
        room = self.view.viewport().width() - reserved
        wanted = sum(self.wanted[c] for c in adjustable)
        widths = {c: self.wanted[c] for c in adjustable}
        if adjustable and wanted > room:
            scale = max(room, 0) / wanted
            widths = {c: max(self.minimum, int(self.wanted[c] * scale)) for c in adjustable}
            # Columns held at the minimum take more than their share: the widest give the difference back.
            excess = sum(widths.values()) - max(room, 0)
            while excess > 0:
                widest = max(widths, key=widths.__getitem__)
                if widths[widest] <= self.minimum:
                    break  # every column at its minimum: the list scrolls sideways, as little as it can
                give = min(excess, widths[widest] - self.minimum, max(1, excess // 2))
                widths[widest] -= give
                excess -= give
        elif adjustable and self.fill_last and len(adjustable) == len(columns):
            last = adjustable[-1]
            widths[last] += room - wanted  # the room left goes to the last column, as a stretched one
        self._fitting = True
        try:
            for column, width in widths.items():
                if self.header.sectionSize(column) != width:
                    self.header.resizeSection(column, width)
        finally:
            self._fitting = False


def fit_columns(view: QTableView, minimum: int = MINIMUM_COLUMN, stretched_minimum: int = MINIMUM_COLUMN) -> None:
    """Keep `view`'s columns within its width from now on (see the module); a stretched column (the one that
    takes the room left) keeps at least `stretched_minimum`. Called again (after the program sized the
    columns to new contents), it fits them once more."""
    fitter = view.findChild(_FittedColumns)
    if fitter is not None:
        fitter._pending.start()
        return
    _FittedColumns(view, minimum, stretched_minimum)
