"""Reading rendered PDFs back in tests: text per page, metadata, fonts (pypdf only, no poppler)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject


def reader(pdf: bytes, password: str | None = None) -> PdfReader:
    pdf_reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        pdf_reader.decrypt(password)
    return pdf_reader


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_texts(pdf: bytes, password: str | None = None) -> list[str]:
    """The text of each page with whitespace collapsed, so wrapped lines compare as one string."""
    return [collapse(page.extract_text() or "") for page in reader(pdf, password).pages]


def all_text(pdf: bytes, password: str | None = None) -> str:
    return " ".join(page_texts(pdf, password))


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def font_embedding(pdf: bytes) -> dict[str, bool]:
    """Every font used on any page, and whether its file is embedded in the PDF."""
    fonts: dict[str, bool] = {}
    for page in reader(pdf).pages:
        resources = _resolve(page.get("/Resources")) or DictionaryObject()
        font_dict = _resolve(resources.get("/Font")) or DictionaryObject()
        for font_ref in font_dict.values():
            font = _resolve(font_ref)
            descriptors = []
            if "/FontDescriptor" in font:
                descriptors.append(_resolve(font["/FontDescriptor"]))
            for descendant in _resolve(font.get("/DescendantFonts")) or []:
                descendant = _resolve(descendant)
                if "/FontDescriptor" in descendant:
                    descriptors.append(_resolve(descendant["/FontDescriptor"]))
            embedded = any(
                key in descriptor for descriptor in descriptors for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts[str(font["/BaseFont"])] = embedded
    return fonts


def text_runs(pdf: bytes, page_index: int) -> list[tuple[str, float, float]]:
    """The text pieces of one page with their position on the page (x, y of the baseline start)."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm, tm, font_dict, font_size) -> None:  # pypdf's callback
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text.strip(), x, y))

    reader(pdf).pages[page_index].extract_text(visitor_text=visit)
    return runs
