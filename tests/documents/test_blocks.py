"""The building blocks: escaping of user text, dates, column fitting, font registration."""

from __future__ import annotations

from datetime import date, datetime
from xml.sax.saxutils import unescape

from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics

from hhdesk.documents import fonts
from hhdesk.documents.blocks import _column_widths, format_date, member_identity, text_markup
from hhdesk.documents.data import PageSettings


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=80))
def test_text_markup_leaves_no_markup_of_the_users(text: str) -> None:
    markup = text_markup(text)
    assert "<" not in markup.replace("<br/>", "")
    assert unescape(markup.replace("<br/>", "\n")) == fonts.printable(text.strip())


def test_line_breaks_become_breaks() -> None:
    assert text_markup("one\ntwo\r\nthree") == "one<br/>two<br/>three"


def test_dates_follow_the_agency_format() -> None:
    us = PageSettings()
    iso = PageSettings(date_format="%Y-%m-%d")
    assert format_date(date(2026, 3, 4), us) == "03/04/2026"
    assert format_date(date(2026, 3, 4), iso) == "2026-03-04"
    assert format_date(datetime(2026, 3, 4, 9, 5), us) == "03/04/2026 09:05"
    assert format_date(None, us, empty="not set") == "not set"
    assert member_identity("  José   Núñez ", date(1961, 3, 14), us) == "José Núñez · DOB 03/14/1961"


def test_fitted_columns_take_their_text_width_and_the_rest_share() -> None:
    widths = _column_widths(["Note", "Date"], [["long text", "12/31/2026"]], 500, [3, 1], fit=[1])
    assert sum(widths) == 500
    assert 50 < widths[1] < 80


def test_fonts_register_once_with_all_four_faces() -> None:
    assert fonts.register_fonts() == fonts.register_fonts() == fonts.FAMILY
    registered = set(pdfmetrics.getRegisteredFontNames())
    assert {fonts.REGULAR, fonts.BOLD, fonts.OBLIQUE, fonts.BOLD_OBLIQUE} <= registered
    face = pdfmetrics.getFont(fonts.REGULAR).face
    for character in "ñéễØŁ":
        assert ord(character) in face.charToGlyph


def test_font_files_ship_with_their_licence() -> None:
    from hhdesk.resources_path import resource_path

    for face in fonts.FACES:
        assert resource_path(f"fonts/{face.file_name}").is_file()
    licence = resource_path("fonts/LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream" in licence and "Permission is hereby granted" in licence


def test_characters_the_fonts_lack_show_as_replacement_not_blank() -> None:
    assert fonts.printable("José Núñez Nguyễn Łódź Ørsted") == "José Núñez Nguyễn Łódź Ørsted"
    assert fonts.printable("王小明") == "\ufffd" * 3
    assert fonts.printable("smile 😀") == "smile \ufffd"
    assert fonts.printable("a\x00b\x07c\nd") == "a b c\nd"


def test_an_email_address_or_a_long_name_is_never_cut_across_lines() -> None:
    from reportlab.platypus import Paragraph

    from hhdesk.documents.styles import styles

    for style in (styles().body, styles().cell, styles().value, styles().small):
        for word in ("maria.gonzalez-hernandez@hudsonvalleyhealthhome.org", "Wolfeschlegelsteinhausenbergerdorff"):
            paragraph = Paragraph(text_markup(f"Write to {word} today"), style)
            paragraph.wrap(90, 1000)  # a narrow table cell
            lines = ["".join(str(w) for w in line[1]) if isinstance(line, tuple) else " ".join(line.words)
                     for line in paragraph.blPara.lines]
            assert any(word in line for line in lines), (style.name, lines)
