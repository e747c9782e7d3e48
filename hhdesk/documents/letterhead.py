"""The page frame of every document: letterhead on the first page, a compact header after, one footer.

`LetterheadDocTemplate` is a ReportLab `BaseDocTemplate` with three page templates:

- ``letterhead``: the agency's logo, name, address, phone, fax, NPI and Medicaid provider ID on top;
- ``body``: a one-line header (agency name, document title) for every later page;
- ``fax_cover``: the letterhead page used for a fax cover sheet, whose footer names no member, because a
  cover sheet is read by whoever stands at the fax machine.

Every page's footer carries "Confidential", the member's name and date of birth, and "Page X of Y". The
page count is known only at the end, so `PageCountingCanvas` holds finished pages back and writes the
counts when the document is saved (one pass, no second build).
"""

from __future__ import annotations

import io
import secrets
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from hhdesk.documents import fonts
from hhdesk.documents.blocks import IDENTITY_SEPARATOR, text_markup
from hhdesk.documents.data import Letterhead, PageSettings
from hhdesk.documents.styles import ACCENT, INK, MUTED, RULE, styles

PAPER_SIZES: dict[str, tuple[float, float]] = {"letter": LETTER, "a4": A4}

SIDE_MARGIN = 54.0  # 0.75 in
HEADER_TOP = 40.0  # from the top edge to the first header baseline
BODY_TOP = 62.0  # from the top edge to the body frame on later pages
FRAME_BOTTOM = 70.0  # from the bottom edge to the body frame
FOOTER_RULE_Y = 52.0
FOOTER_LINE_Y = 41.0
FOOTER_NOTICE_Y = 31.0
LOGO_MAX_HEIGHT = 54.0
LOGO_MAX_WIDTH = 110.0
LETTERHEAD_MAX_HEIGHT = 160.0

FOOTER_NOTICE = (
    "This document contains protected health information. If you received it in error, please tell the "
    "sender and destroy it."
)

PDF_CREATOR = "hhdesk"


def page_label(page: int, total: int) -> str:
    return f"Page {page} of {total}"


class PageCountingCanvas(Canvas):
    """A canvas that keeps pages until `save`, then writes each footer's member line and "Page X of Y".

    Pages belong to sections, one per member (`MemberSection` starts one): a combined batch PDF numbers
    each member's pages on their own, and every footer names the member its page is about. Flowables may
    ask for the section's page count at a spot on a page (a fax cover's "Pages" line) through
    `defer_total_pages`, and a page template may keep the member off a page's footer (`hide_member`).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []
        self._page_sections: list[int] = []
        self._section_identities: list[str] = [""]
        self._deferred_totals: dict[int, list[tuple[float, float, str, float]]] = {}
        self._pages_without_member: set[int] = set()

    def begin_member_section(self, identity: str) -> None:
        """The current page and those after it are about the member `identity` names."""
        self._section_identities.append(identity)

    def hide_member(self) -> None:
        """Leave the member's name off this page's footer (a fax cover sheet)."""
        self._pages_without_member.add(self._pageNumber)

    def defer_total_pages(self, x: float, y: float, font_name: str, font_size: float) -> None:
        """Write the section's page count at (x, y) of the current page once it is known."""
        self._deferred_totals.setdefault(self._pageNumber, []).append((x, y, font_name, font_size))

    def showPage(self) -> None:  # ReportLab's name
        self._page_sections.append(len(self._section_identities) - 1)
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        section_totals = Counter(self._page_sections)
        numbers_so_far: Counter[int] = Counter()
        identities = self._section_identities
        deferred = self._deferred_totals
        hidden = self._pages_without_member
        for state, section in zip(self._held_pages, self._page_sections, strict=True):
            self.__dict__.update(state)
            numbers_so_far[section] += 1
            total = section_totals[section]
            identity = "" if self._pageNumber in hidden else identities[section]
            self._draw_footer_fields(identity, numbers_so_far[section], total)
            for x, y, font_name, font_size in deferred.get(self._pageNumber, ()):
                self.saveState()
                self.setFont(font_name, font_size)
                self.setFillColor(INK)
                self.drawString(x, y, str(total))
                self.restoreState()
            super().showPage()
        super().save()

    def _draw_footer_fields(self, identity: str, number: int, total: int) -> None:
        page_width = self._pagesize[0]
        self.saveState()
        self.setFillColor(INK)
        self.setFont(fonts.REGULAR, 8)
        self.drawRightString(page_width - SIDE_MARGIN, FOOTER_LINE_Y, page_label(number, total))
        if identity:
            name, separator, date_of_birth = identity.rpartition(IDENTITY_SEPARATOR)
            if not separator:
                name, date_of_birth = identity, ""
            _draw_fitted(self, name, fonts.REGULAR, 8, page_width / 2, FOOTER_LINE_Y,
                         (page_width - 2 * SIDE_MARGIN) * 0.56, align="center",
                         keep_suffix=separator + date_of_birth)
        self.restoreState()


class MemberSection(Flowable):
    """Starts a member's section: the footers from this page on name this member and count its pages."""

    def __init__(self, identity: str) -> None:
        super().__init__()
        self.identity = identity

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.begin_member_section(self.identity)


class TotalPagesField(Flowable):
    """The page count of the member's section, printed where this flowable lands (a fax cover cell)."""

    def __init__(self, style: ParagraphStyle) -> None:
        super().__init__()
        self._style = style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return stringWidth("999", self._style.fontName, self._style.fontSize), self._style.leading

    def draw(self) -> None:
        baseline = self._style.leading - self._style.fontSize
        x, y = self.canv.absolutePosition(0, baseline)
        self.canv.defer_total_pages(x, y, self._style.fontName, self._style.fontSize)


@lru_cache(maxsize=8)
def _logo_reader(logo_png: bytes) -> ImageReader:
    # Decoding the PNG is the costly part; a batch prints the same logo hundreds of times.
    try:
        reader = ImageReader(io.BytesIO(logo_png))
        reader.getSize()
    except Exception as error:  # PIL raises many kinds for a damaged file
        raise ValueError("the agency logo is not a readable image; choose a PNG file") from error
    return reader


def _encryption(password: str | None) -> StandardEncryption | None:
    if password is None:
        return None
    if not password:
        raise ValueError("password must not be empty; pass None for an unprotected PDF")
    if not all(" " <= character <= "~" for character in password):
        # 128-bit PDF encryption has no agreed encoding for other characters: readers disagree, and a
        # password with "Ü" could leave the file unopenable for the recipient.
        raise ValueError("password may use only unaccented letters, digits, spaces and keyboard symbols")
    password_bytes = password.encode("ascii")
    # A random owner password: whoever has the user password may read, print and copy, not edit.
    return StandardEncryption(
        password_bytes,
        ownerPassword=secrets.token_hex(16).encode("ascii"),
        canPrint=1,
        canModify=0,
        canCopy=1,
        canAnnotate=0,
        strength=128,
    )


class _LetterheadBlock:
    """The first page's letterhead, laid out once per document."""

    def __init__(self, letterhead: Letterhead, width: float) -> None:
        st = styles()
        self._logo = _logo_reader(letterhead.logo_png) if letterhead.logo_png else None
        self._logo_size = (0.0, 0.0)
        if self._logo is not None:
            image_width, image_height = self._logo.getSize()
            scale = min(LOGO_MAX_HEIGHT / image_height, LOGO_MAX_WIDTH / image_width)
            self._logo_size = (image_width * scale, image_height * scale)
        logo_room = self._logo_size[0] + 12 if self._logo is not None else 0.0
        contact_width = min(170.0, width * 0.36)
        self._name_width = width - logo_room - contact_width - 8
        self._contact_width = contact_width
        self._logo_room = logo_room
        identity_lines = [Paragraph(text_markup(letterhead.agency_name), st.letterhead_name)]
        identity_lines += [Paragraph(text_markup(line), st.letterhead_line) for line in letterhead.address_lines]
        contact_style = st.letterhead_line.clone("hh-letterhead-contact", alignment=2)
        contact_pairs = [
            ("Phone", letterhead.phone),
            ("Fax", letterhead.fax),
            ("NPI", letterhead.npi),
            ("Medicaid provider ID", letterhead.medicaid_provider_id),
        ]
        contact_lines = [
            Paragraph(f"<font color='#52606D'>{label}</font>&nbsp;&nbsp;{text_markup(value)}", contact_style)
            for label, value in contact_pairs
            if value.strip()
        ]
        self._identity = identity_lines
        self._contact = contact_lines
        identity_height = sum(p.wrap(self._name_width, 1000)[1] + p.style.spaceAfter for p in identity_lines)
        contact_height = sum(p.wrap(contact_width, 1000)[1] for p in contact_lines)
        self.height = max(identity_height, contact_height, self._logo_size[1])

    def draw(self, canvas: Canvas, left: float, top: float, width: float) -> None:
        if self._logo is not None:
            logo_width, logo_height = self._logo_size
            canvas.drawImage(self._logo, left, top - logo_height, logo_width, logo_height, mask="auto")
        y = top
        for paragraph in self._identity:
            _, height = paragraph.wrap(self._name_width, 1000)
            paragraph.drawOn(canvas, left + self._logo_room, y - height)
            y -= height + paragraph.style.spaceAfter
        y = top - 2
        for paragraph in self._contact:
            _, height = paragraph.wrap(self._contact_width, 1000)
            paragraph.drawOn(canvas, left + width - self._contact_width, y - height)
            y -= height


class LetterheadDocTemplate(BaseDocTemplate):
    """Letter or A4 pages with the agency letterhead first, a compact header after, and the footer."""

    def __init__(
        self,
        *,
        letterhead: Letterhead,
        settings: PageSettings,
        title: str,
        member_identity: str | None,
        password: str | None = None,
        first_template: str = "letterhead",
    ) -> None:
        self._buffer = io.BytesIO()
        self._letterhead = letterhead
        self._document_title = title
        self._member_identity = member_identity
        page_width, page_height = PAPER_SIZES[settings.paper]
        super().__init__(
            self._buffer,
            pagesize=(page_width, page_height),
            leftMargin=SIDE_MARGIN,
            rightMargin=SIDE_MARGIN,
            topMargin=BODY_TOP,
            bottomMargin=FRAME_BOTTOM,
            # Generic title, agency as author: the metadata shows in file browsers and mail previews, so it
            # must not name the member.
            title=title,
            author=letterhead.agency_name,
            subject="",
            creator=PDF_CREATOR,
            keywords=[],
            encrypt=_encryption(password),
            lang="en-US",
            initialFontName=fonts.REGULAR,
        )
        self._letterhead_block = _LetterheadBlock(letterhead, self.width)
        if self._letterhead_block.height > LETTERHEAD_MAX_HEIGHT:
            raise ValueError("the letterhead is too tall for the page: shorten the agency name or address lines")
        letterhead_bottom = page_height - HEADER_TOP + 10 - self._letterhead_block.height - 8
        self.letterhead_rule_y = letterhead_bottom
        first_frame_height = letterhead_bottom - 12 - FRAME_BOTTOM
        first_frame = Frame(
            SIDE_MARGIN, FRAME_BOTTOM, self.width, first_frame_height, id="first", **_NO_PADDING
        )
        body_frame = Frame(SIDE_MARGIN, FRAME_BOTTOM, self.width, self.height, id="body", **_NO_PADDING)
        templates = {
            "letterhead": PageTemplate(
                id="letterhead", frames=[first_frame], onPage=self._draw_letterhead_page,
                autoNextPageTemplate="body",
            ),
            "body": PageTemplate(id="body", frames=[body_frame], onPage=self._draw_body_page),
            "fax_cover": PageTemplate(
                id="fax_cover", frames=[first_frame], onPage=self._draw_fax_cover_page,
                autoNextPageTemplate="letterhead",
            ),
        }
        if first_template not in templates:
            raise ValueError(f"unknown page template: {first_template}")
        ordered = [templates[first_template]] + [t for name, t in templates.items() if name != first_template]
        self.addPageTemplates(ordered)

    def render(self, flowables: Sequence[Flowable]) -> bytes:
        """Build the document and return the PDF bytes.

        With `member_identity` None the flowables must start each member's pages with a `MemberSection`.
        """
        story = list(flowables)
        if self._member_identity is not None:
            story.insert(0, MemberSection(self._member_identity))
        self.build(story, canvasmaker=PageCountingCanvas)
        return self._buffer.getvalue()

    def _draw_letterhead_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self._draw_letterhead(canvas)
        self._draw_footer(canvas)

    def _draw_fax_cover_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        self._draw_letterhead(canvas)
        self._draw_footer(canvas)
        canvas.hide_member()

    def _draw_body_page(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        page_width, page_height = self.pagesize
        baseline = page_height - HEADER_TOP
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        _draw_fitted(canvas, self._letterhead.agency_name, fonts.BOLD, 8.5, SIDE_MARGIN, baseline,
                     self.width * 0.6, align="left")
        canvas.setFillColor(MUTED)
        _draw_fitted(canvas, self._document_title, fonts.REGULAR, 8.5, page_width - SIDE_MARGIN, baseline,
                     self.width * 0.38, align="right")
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(SIDE_MARGIN, baseline - 6, page_width - SIDE_MARGIN, baseline - 6)
        canvas.restoreState()
        self._draw_footer(canvas)

    def _draw_letterhead(self, canvas: Canvas) -> None:
        page_width, page_height = self.pagesize
        canvas.saveState()
        self._letterhead_block.draw(canvas, SIDE_MARGIN, page_height - HEADER_TOP + 10, self.width)
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(SIDE_MARGIN, self.letterhead_rule_y, page_width - SIDE_MARGIN, self.letterhead_rule_y)
        canvas.restoreState()

    def _draw_footer(self, canvas: Canvas) -> None:
        """The fixed parts of the footer; the member line and page label come from the canvas at the end."""
        page_width = self.pagesize[0]
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(SIDE_MARGIN, FOOTER_RULE_Y, page_width - SIDE_MARGIN, FOOTER_RULE_Y)
        canvas.setFillColor(INK)
        canvas.setFont(fonts.BOLD, 8)
        canvas.drawString(SIDE_MARGIN, FOOTER_LINE_Y, "Confidential")
        canvas.setFillColor(MUTED)
        _draw_fitted(canvas, FOOTER_NOTICE, fonts.REGULAR, 6.5, page_width / 2, FOOTER_NOTICE_Y, self.width,
                     align="center")
        canvas.restoreState()


_NO_PADDING = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}


def _draw_fitted(
    canvas: Canvas,
    text: str,
    font_name: str,
    size: float,
    x: float,
    y: float,
    max_width: float,
    align: str,
    keep_suffix: str = "",
) -> None:
    """One line of text, made smaller (down to 6 pt) and then cut with an ellipsis so it never overflows.

    `keep_suffix` (the date of birth after a name) is never cut; only the text before it is.
    """
    text = " ".join(fonts.printable(text).split())
    keep_suffix = fonts.printable(keep_suffix)
    while size > 6 and stringWidth(text + keep_suffix, font_name, size) > max_width:
        size -= 0.5
    if stringWidth(text + keep_suffix, font_name, size) > max_width:
        while text and stringWidth(text + "\u2026" + keep_suffix, font_name, size) > max_width:
            text = text[:-1]
        text = text.rstrip() + "\u2026"
    text += keep_suffix
    canvas.setFont(font_name, size)
    if align == "left":
        canvas.drawString(x, y, text)
    elif align == "right":
        canvas.drawRightString(x, y, text)
    else:
        canvas.drawCentredString(x, y, text)
