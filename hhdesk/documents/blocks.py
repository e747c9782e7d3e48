"""Small building blocks the documents share: escaped paragraphs, headings, label/value grids, tables.

Every piece of user text reaches a Paragraph through `text_markup`, which escapes it: Paragraph reads its
input as markup, so a note like "<b>&" would otherwise change the layout or stop the build.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table, TableStyle

from hhdesk.documents import fonts
from hhdesk.documents.data import PageSettings
from hhdesk.documents.styles import ACCENT, FILL, FILL_LIGHT, NOTICE_FILL, RULE, styles

NONE_RECORDED = "None recorded"
NOT_RECORDED = "Not recorded"
DASH = "\u2014"
IDENTITY_SEPARATOR = " \u00b7 DOB "
SECTION_MIN_SPACE = 90  # points: a heading plus a few lines
CELL_PADDING = 4.0
FIT_CAP = 0.24  # a fitted column takes at most this share of the table

Cell = str | Flowable | list[Flowable]


def table_style(commands: Sequence[tuple]) -> TableStyle:
    """A TableStyle whose plain-string cells use the bundled font (ReportLab would fall back to Helvetica,
    which is not embedded)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR), *commands])


def text_markup(text: str) -> str:
    """User text as Paragraph markup: escaped, line breaks kept, unprintable characters made visible."""
    escaped = escape(fonts.printable(text.strip().replace("\r\n", "\n")))
    return escaped.replace("\n", "<br/>")


def para(text: str, style_name: str = "body") -> Paragraph:
    """A paragraph of user text (escaped)."""
    return Paragraph(text_markup(text), getattr(styles(), style_name))


def markup(fragment: str, style_name: str = "body") -> Paragraph:
    """A paragraph of our own markup; any user text inside must already have gone through text_markup."""
    return Paragraph(fragment, getattr(styles(), style_name))


def text_or_none(text: str, style_name: str = "body") -> Paragraph:
    """The user's text, or "None recorded" in the muted style when there is nothing."""
    if text.strip():
        return para(text, style_name)
    return Paragraph(NONE_RECORDED, styles().muted)


def none_recorded() -> Paragraph:
    return Paragraph(NONE_RECORDED, styles().muted)


def heading(text: str) -> Paragraph:
    return Paragraph(escape(text), styles().heading)


def subheading(text: str) -> Paragraph:
    return Paragraph(escape(text), styles().subheading)


def format_date(value: date | datetime | None, settings: PageSettings, empty: str = DASH) -> str:
    if value is None:
        return empty
    if isinstance(value, datetime):
        return value.strftime(f"{settings.date_format} %H:%M")
    return value.strftime(settings.date_format)


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _cell_flowable(value: Cell, style_name: str) -> Flowable | list[Flowable]:
    if isinstance(value, str):
        return para(value, style_name) if value.strip() else Paragraph(DASH, styles().cell)
    return value


def field_grid(
    pairs: Sequence[tuple[str, Cell]],
    width: float,
    columns: int = 2,
    label_fraction: float = 0.38,
) -> Table:
    """Label/value pairs laid out in `columns` column pairs, e.g. "Date of birth | 03/14/1961".

    Labels are ours (escaped all the same); values are user text or flowables.
    """
    st = styles()
    pair_width = width / columns
    label_width = pair_width * label_fraction
    col_widths = [label_width, pair_width - label_width] * columns
    rows: list[list[Flowable | list[Flowable] | str]] = []
    for start in range(0, len(pairs), columns):
        row: list[Flowable | list[Flowable] | str] = []
        for label, value in pairs[start : start + columns]:
            row.append(Paragraph(escape(label), st.label))
            if isinstance(value, str) and not value.strip():
                row.append(Paragraph(NOT_RECORDED, st.muted_value))
            else:
                row.append(_cell_flowable(value, "value"))
        while len(row) < 2 * columns:
            row.append("")
        rows.append(row)
    table = Table(rows, colWidths=col_widths, hAlign="LEFT", splitInRow=1)
    table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
            ]
        )
    )
    return table


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    width: float,
    fractions: Sequence[float],
    fit: Sequence[int] = (),
) -> Flowable:
    """A table with a header row that repeats on every page it spans; "None recorded" when empty.

    Columns listed in `fit` (dates, statuses, phone numbers) get the width their longest text needs, so a
    date never breaks in the middle; the other columns share what is left in proportion to `fractions`.
    """
    if not rows:
        return none_recorded()
    st = styles()
    col_widths = _column_widths(header, rows, width, fractions, fit)
    data: list[list[Flowable | list[Flowable]]] = [[Paragraph(escape(h), st.cell_header) for h in header]]
    for row in rows:
        data.append([_cell_flowable(value, "cell") for value in row])
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, ACCENT),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    for index in range(2, len(data), 2):
        commands.append(("BACKGROUND", (0, index), (-1, index), FILL_LIGHT))
    table.setStyle(table_style(commands))
    return table


def _column_widths(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    width: float,
    fractions: Sequence[float],
    fit: Sequence[int],
) -> list[float]:
    st = styles()
    fitted: dict[int, float] = {}
    for column in fit:
        header_words = header[column].split() or [""]
        needed = max(stringWidth(word, st.cell_header.fontName, st.cell_header.fontSize) for word in header_words)
        for row in rows:
            value = row[column]
            if isinstance(value, str):
                for line in value.splitlines() or [""]:
                    needed = max(needed, stringWidth(line.strip(), st.cell.fontName, st.cell.fontSize))
        fitted[column] = min(needed + 2 * CELL_PADDING + 1, width * FIT_CAP)
    rest = width - sum(fitted.values())
    shared = sum(f for index, f in enumerate(fractions) if index not in fitted) or 1.0
    return [fitted.get(index, rest * f / shared) for index, f in enumerate(fractions)]


def notice_box(paragraphs: Sequence[Flowable], width: float) -> Table:
    """A shaded, ruled box for confidentiality notices."""
    table = Table([[list(paragraphs)]], colWidths=[width], hAlign="LEFT")
    table.setStyle(
        table_style(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#B7791F")),
                ("BACKGROUND", (0, 0), (-1, -1), NOTICE_FILL),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def section(title: str, *body: Flowable) -> list[Flowable]:
    """A section heading and its body; the heading never sits alone at the foot of a page."""
    # CondPageBreak rather than keepWithNext: keeping a heading with a long table would push the whole
    # table to the next page and leave a gap.
    return [CondPageBreak(SECTION_MIN_SPACE), heading(title), *(body or (none_recorded(),))]


def gap(points: float = 6) -> Spacer:
    return Spacer(1, points)


def member_identity(name: str, date_of_birth: date, settings: PageSettings) -> str:
    """The footer's "name · DOB date" line."""
    return f"{' '.join(name.split())}{IDENTITY_SEPARATOR}{format_date(date_of_birth, settings)}"
