"""Paragraph and table styles shared by every document, built once per process.

Sizes are chosen for paper and for fax: dark ink, light fills that survive a fax machine, and a body size
(9.5 pt DejaVu Sans, a wide face) that still reads after a photocopy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from hhdesk.documents import fonts

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#52606D")
ACCENT = colors.HexColor("#1F4E79")
RULE = colors.HexColor("#9AA5B1")
FILL = colors.HexColor("#E8EDF3")
FILL_LIGHT = colors.HexColor("#F5F7FA")
NOTICE_FILL = colors.HexColor("#FFF8E1")


@dataclass(frozen=True, slots=True)
class Styles:
    """The named paragraph styles of the documents."""

    body: ParagraphStyle
    body_bold: ParagraphStyle
    lead_in: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    muted_value: ParagraphStyle
    muted_indented: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    letter_heading: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    cell: ParagraphStyle
    cell_header: ParagraphStyle
    goal: ParagraphStyle
    goal_meta: ParagraphStyle
    notice: ParagraphStyle
    cover_name: ParagraphStyle
    fax_title: ParagraphStyle
    centered_small: ParagraphStyle
    right: ParagraphStyle
    letterhead_name: ParagraphStyle
    letterhead_line: ParagraphStyle


@cache
def styles() -> Styles:
    """The styles, registered fonts included; cached because building them per page would show in batches."""
    fonts.register_fonts()
    base = ParagraphStyle(
        "hh-body",
        fontName=fonts.REGULAR,
        fontSize=9.5,
        leading=12.5,
        textColor=INK,
        spaceAfter=3,
        # Lines break between words only: ReportLab's default cuts a word too long for its column anywhere,
        # which splits e-mail addresses, names and Medicaid IDs mid-word (a fax reader then copies them wrong).
        splitLongWords=0,
        hyphenationLang="",
    )
    cell = ParagraphStyle("hh-cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0)
    heading = ParagraphStyle(
        "hh-heading",
        parent=base,
        fontName=fonts.BOLD,
        fontSize=12.5,
        leading=16,
        textColor=ACCENT,
        spaceBefore=12,
        spaceAfter=5,
    )
    subheading = ParagraphStyle(
        "hh-subheading", parent=heading, fontSize=10.5, leading=13.5, textColor=INK, spaceBefore=8,
        spaceAfter=3, keepWithNext=1,
    )
    return Styles(
        body=base,
        body_bold=ParagraphStyle("hh-body-bold", parent=base, fontName=fonts.BOLD),
        lead_in=ParagraphStyle("hh-lead-in", parent=base, keepWithNext=1),
        small=ParagraphStyle("hh-small", parent=base, fontSize=8, leading=10),
        muted=ParagraphStyle("hh-muted", parent=base, fontName=fonts.OBLIQUE, textColor=MUTED),
        muted_value=ParagraphStyle("hh-muted-value", parent=cell, fontName=fonts.OBLIQUE, textColor=MUTED,
                                   fontSize=8.5, leading=11),
        muted_indented=ParagraphStyle("hh-muted-indented", parent=base, fontName=fonts.OBLIQUE,
                                      textColor=MUTED, leftIndent=10),
        title=ParagraphStyle(
            "hh-title", parent=base, fontName=fonts.BOLD, fontSize=17, leading=21, textColor=ACCENT,
            spaceBefore=2, spaceAfter=2, keepWithNext=1,
        ),
        subtitle=ParagraphStyle("hh-subtitle", parent=base, fontSize=9.5, textColor=MUTED, spaceAfter=8),
        heading=heading,
        subheading=subheading,
        letter_heading=ParagraphStyle(
            "hh-letter-heading", parent=subheading, fontSize=9.5, leading=12.5, spaceBefore=6, spaceAfter=1
        ),
        label=ParagraphStyle(
            "hh-label", parent=cell, fontName=fonts.BOLD, fontSize=8, leading=10.5, textColor=MUTED
        ),
        value=ParagraphStyle("hh-value", parent=cell, fontSize=9, leading=11.5),
        cell=cell,
        cell_header=ParagraphStyle("hh-cell-header", parent=cell, fontName=fonts.BOLD, fontSize=8),
        goal=ParagraphStyle(
            "hh-goal", parent=base, leftIndent=10, fontSize=9.5, leading=12.5, spaceBefore=6, spaceAfter=1,
            keepWithNext=1,
        ),
        goal_meta=ParagraphStyle(
            "hh-goal-meta", parent=base, leftIndent=10, fontSize=8.5, leading=11, textColor=MUTED,
            spaceAfter=3, keepWithNext=1,
        ),
        notice=ParagraphStyle("hh-notice", parent=base, fontSize=8.5, leading=11, spaceAfter=0),
        cover_name=ParagraphStyle(
            "hh-cover-name", parent=base, fontName=fonts.BOLD, fontSize=20, leading=25, spaceAfter=4
        ),
        fax_title=ParagraphStyle(
            "hh-fax-title", parent=base, fontName=fonts.BOLD, fontSize=30, leading=36, textColor=INK,
            spaceAfter=10,
        ),
        centered_small=ParagraphStyle("hh-centered-small", parent=base, fontSize=8, leading=10,
                                      alignment=TA_CENTER),
        right=ParagraphStyle("hh-right", parent=base, alignment=TA_RIGHT),
        letterhead_name=ParagraphStyle(
            "hh-letterhead-name", parent=base, fontName=fonts.BOLD, fontSize=15, leading=18, textColor=ACCENT,
            spaceAfter=1,
        ),
        letterhead_line=ParagraphStyle("hh-letterhead-line", parent=base, fontSize=8.5, leading=11,
                                       textColor=INK, spaceAfter=0),
    )
