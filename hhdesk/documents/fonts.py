"""The bundled Unicode font family (DejaVu Sans), registered with ReportLab once per process.

ReportLab's built-in Helvetica covers Latin-1 only, so "Nguyễn" would print with holes. DejaVu Sans covers
Latin Extended, Vietnamese, Greek and Cyrillic. TrueType fonts are always embedded by ReportLab, as subsets
of the glyphs a document uses, so a PDF prints the same on any machine. The font files and their licence
live in resources/fonts/.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from hhdesk.resources_path import resource_path

FAMILY = "HHDejaVuSans"


@dataclass(frozen=True, slots=True)
class FontFace:
    """One face of the family: the name ReportLab knows it by and its file in resources/fonts/."""

    name: str
    file_name: str
    bold: bool
    italic: bool


FACES: tuple[FontFace, ...] = (
    FontFace(FAMILY, "DejaVuSans.ttf", bold=False, italic=False),
    FontFace(f"{FAMILY}-Bold", "DejaVuSans-Bold.ttf", bold=True, italic=False),
    FontFace(f"{FAMILY}-Oblique", "DejaVuSans-Oblique.ttf", bold=False, italic=True),
    FontFace(f"{FAMILY}-BoldOblique", "DejaVuSans-BoldOblique.ttf", bold=True, italic=True),
)

REGULAR = FACES[0].name
BOLD = FACES[1].name
OBLIQUE = FACES[2].name
BOLD_OBLIQUE = FACES[3].name

REPLACEMENT_CHARACTER = "\ufffd"

_lock = threading.Lock()
_registered = False
_covered: frozenset[int] = frozenset()


def register_fonts() -> str:
    """Register the family (parsing each TTF costs tens of milliseconds, so only the first call does)."""
    global _registered, _covered
    if _registered:
        return FAMILY
    with _lock:
        if _registered:
            return FAMILY
        covered: set[int] | None = None
        for face in FACES:
            path = resource_path(f"fonts/{face.file_name}")
            if not path.is_file():
                raise FileNotFoundError(f"bundled font file is missing: resources/fonts/{face.file_name}")
            font = TTFont(face.name, str(path))
            pdfmetrics.registerFont(font)
            # Paragraph markup (<b>, <i>) finds the right face through this mapping.
            addMapping(FAMILY, int(face.bold), int(face.italic), face.name)
            face_chars = set(font.face.charToGlyph)
            covered = face_chars if covered is None else covered & face_chars
        # ReportLab writes characters beyond the Basic Multilingual Plane into the PDF's text map
        # wrongly, so copy-paste and search would break on them; they count as not printable.
        _covered = frozenset(code for code in covered or () if code <= 0xFFFF)
        _registered = True
    return FAMILY


def printable(text: str) -> str:
    """`text` with what the fonts cannot show made visible: a character with no glyph in every face
    becomes "\ufffd" (not a silent blank), and control characters other than line breaks become spaces.
    """
    register_fonts()
    covered = _covered
    if all(ord(character) in covered or character == "\n" for character in text):
        return text
    return "".join(
        character
        if ord(character) in covered or character == "\n"
        else " "
        if unicodedata.category(character) == "Cc"
        else REPLACEMENT_CHARACTER
        for character in text
    )
