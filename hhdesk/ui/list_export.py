"""Export… for every list in the window: what the list shows, as it is filtered and sorted, to .xlsx or CSV.

`table_from_view` reads a table view the way the user sees it: the visible columns in their on-screen
order, the rows in their sorted and filtered order, each cell's text as shown. Cells the view right-aligns
as figures (counts, amounts) go out as numbers, so that a spreadsheet can add them up. `export_list` asks
where to save, then hands the tables to the service, which writes the file and records the export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QTableView, QWidget

from hhdesk.exports.tables import Cell, Table, TableFormat, Workbook
from hhdesk.services import list_exports
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListExported, ListFilter, ListKind
from hhdesk.ui import workers
from hhdesk.ui.dialogs import common
from hhdesk.ui.errors import report, user_errors

EXPORT_TOOLTIP = "Save this list as it is shown (filters and order) as an Excel workbook (.xlsx) or a CSV file"
# A count or an amount, never an identifier: no leading zero, at most 9 digits before the point.
_SHORT_FIGURE = re.compile(r"^-?\$?(0|[1-9]\d{0,2}(,\d{3}){0,2}|[1-9]\d{0,8})(\.\d+)?$")
_FIGURE = re.compile(r"^-?\$?\d{1,3}(,\d{3})*(\.\d+)?$|^-?\$?\d+(\.\d+)?$")


def _figure(text: str) -> Cell:
    """'1,234' → 1234, '$202.00' → Decimal('202.00'); other text stays text."""
    if not _FIGURE.match(text):
        return text
    try:
        value = Decimal(text.replace("$", "").replace(",", ""))
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() and "." not in text else value


def _right_aligned(index: QModelIndex) -> bool:
    alignment = index.data(Qt.ItemDataRole.TextAlignmentRole)
    if alignment is None:
        return False
    try:
        flags = int(alignment)
    except TypeError:
        flags = int(getattr(alignment, "value", 0))
    return bool(flags & int(Qt.AlignmentFlag.AlignRight.value))


def table_from_model(model: QAbstractItemModel, title: str, columns: Sequence[int] | None = None) -> Table:
    """Every row of a model, the given columns (all by default), each cell's text as shown."""
    if columns is None:
        columns = list(range(model.columnCount()))
    titles = [" ".join(str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                           or "").split()) for column in columns]  # a title on two lines is one in a sheet
    rows: list[list[Cell]] = []
    money: set[str] = set()
    count = model.rowCount()
    texts = [["" if (value := model.index(row, column).data(Qt.ItemDataRole.DisplayRole)) is None else str(value)
              for column in columns] for row in range(count)]
    # A column is aligned one way for every row: the first row says whether the list shows figures there.
    # Short lists that do not right-align their figures (totals, summaries) hold nothing else in the column.
    figures = [count > 0 and (_right_aligned(model.index(0, column))
                              or all(_SHORT_FIGURE.match(r[number]) for r in texts if r[number])
                              and any(r[number] for r in texts))
               for number, column in enumerate(columns)]
    for row_texts in texts:
        cells: list[Cell] = []
        for title_text, text, figure_column in zip(titles, row_texts, figures, strict=True):
            if text and figure_column:
                figure = _figure(text)
                if figure is not text and text.lstrip("-").startswith("$"):
                    money.add(title_text)
                cells.append(figure)
            else:
                cells.append(text)
        rows.append(cells)
    return Table(title, titles, rows, money=frozenset(money))


def table_from_view(view: QTableView, title: str) -> Table:
    """The list as the user sees it: visible columns in their on-screen order, rows as sorted and filtered."""
    header = view.horizontalHeader()
    columns = [header.logicalIndex(visual) for visual in range(header.count())]
    return table_from_model(view.model(), title, [c for c in columns if not view.isColumnHidden(c)])


def suggested_file(title: str) -> str:
    """A file name from the list's title ("Caseload" → "Caseload.xlsx"); never a member's name."""
    return re.sub(r"[^\w .-]+", "-", title).strip(" -.") + ".xlsx"


def export_list(parent: QWidget, app: AppSession, kind: ListKind, title: str,
                make_book: Callable[[], Workbook], filters: Sequence[ListFilter] = (), *,
                member_id: int | None = None, status: Callable[[str], None] | None = None) -> None:
    """Ask for a file (.xlsx or .csv), write the list to it off the UI thread, and say so in the status bar.

    The rows are read from the view here, on the UI thread (Qt models live there); encoding a long workbook
    (about 2 s for 10,000 rows) and writing it happen in the background, with the usual progress dialog.
    """
    path = common.ask_export_path(parent, f"Export {title}", Path.home() / suggested_file(title))
    if path is None:
        return
    if path.suffix.lower() not in (TableFormat.XLSX.suffix, TableFormat.CSV.suffix):
        path = path.with_name(path.name + TableFormat.XLSX.suffix)
    # e.g. the store is busy: said, never a traceback
    with user_errors(lambda text: common.inform(parent, "Export not made", text), "list export") as attempt:
        book = make_book()
    if attempt.failed:
        return

    def done(result: ListExported) -> None:
        if status is not None:
            status(f"Exported {result.rows:,} row{'s' if result.rows != 1 else ''} to {path.name}")

    def failed(exc: BaseException) -> None:
        common.inform(parent, "Export not made", report(exc, "list export"))

    workers.run_in_background(
        parent, f"Exporting {title}",
        lambda _progress: list_exports.export_list(app, kind, title, book, path, filters=filters,
                                                   member_id=member_id),
        done, failed, cancellable=False)
