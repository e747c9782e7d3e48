"""Rules every document shares: footer on each page, page X of Y, metadata, paper, fonts, password."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pypdf.errors import FileNotDecryptedError

from hhdesk.documents import samples
from hhdesk.documents.careplan import render_care_plan
from hhdesk.documents.data import Letterhead, PageSettings
from hhdesk.documents.packet import render_packet
from hhdesk.documents.referral_letter import render_referral_letter
from hhdesk.documents.transition_summary import render_transition_summary
from tests.documents.pdf_helpers import font_embedding, page_texts, reader

Renderer = Callable[..., bytes]

LETTER_SIZE = (612.0, 792.0)
A4_SIZE = (595.28, 841.89)


def _care_plan(settings: PageSettings | None = None, password: str | None = None) -> bytes:
    return render_care_plan(samples.sample_care_plan(), samples.sample_member(), samples.sample_letterhead(),
                            settings, password=password)


def _packet(settings: PageSettings | None = None, password: str | None = None) -> bytes:
    return render_packet(samples.sample_packet(), samples.sample_letterhead(), settings, password=password)


def _referral(settings: PageSettings | None = None, password: str | None = None) -> bytes:
    return render_referral_letter(samples.sample_referral_letter(include_fax_cover=False), samples.sample_member(),
                                  samples.sample_letterhead(), settings, password=password)


def _transition(settings: PageSettings | None = None, password: str | None = None) -> bytes:
    return render_transition_summary(samples.sample_transition_summary(), samples.sample_member(),
                                     samples.sample_letterhead(), settings, password=password)


DOCUMENTS: dict[str, tuple[Renderer, str]] = {
    "care plan": (_care_plan, "Care plan"),
    "packet": (_packet, "Care plan packet"),
    "referral letter": (_referral, "Referral letter"),
    "transition summary": (_transition, "Transition of care summary"),
}


@pytest.fixture(params=list(DOCUMENTS), scope="module")
def document(request: pytest.FixtureRequest) -> tuple[str, Renderer, str, bytes]:
    render, title = DOCUMENTS[request.param]
    return request.param, render, title, render()


def test_every_page_has_confidential_member_and_page_x_of_y(document) -> None:
    _, _, _, pdf = document
    texts = page_texts(pdf)
    total = len(texts)
    assert total >= 1
    for number, text in enumerate(texts, start=1):
        assert "Confidential" in text
        assert "José Núñez-Peña · DOB 03/14/1961" in text
        assert f"Page {number} of {total}" in text
    assert "page 1 of" in texts[0].lower()


def test_metadata_is_generic_and_names_no_member(document, member) -> None:
    _, _, title, pdf = document
    metadata = reader(pdf).metadata
    assert metadata.title == title
    assert metadata.author == samples.sample_letterhead().agency_name
    everything = " ".join(str(value) for value in metadata.values())
    for identifying in (member.name, "Núñez", "Peña", member.medicaid_id, "1961"):
        assert identifying not in everything


def test_letter_by_default_and_a4_when_asked(document) -> None:
    _, render, _, letter_pdf = document
    letter_box = reader(letter_pdf).pages[0].mediabox
    assert (float(letter_box.width), float(letter_box.height)) == pytest.approx(LETTER_SIZE, abs=0.5)
    a4_box = reader(render(PageSettings(paper="a4"))).pages[0].mediabox
    assert (float(a4_box.width), float(a4_box.height)) == pytest.approx(A4_SIZE, abs=0.5)


def test_every_font_is_embedded(document) -> None:
    _, _, _, pdf = document
    fonts = font_embedding(pdf)
    assert fonts, "no fonts found"
    assert all(fonts.values()), {name for name, embedded in fonts.items() if not embedded}
    assert all("DejaVuSans" in name for name in fonts)


def test_password_protected_pdf_needs_the_password() -> None:
    pdf = _packet(password="s3cret Pass-word!")
    locked = reader(pdf)
    assert locked.is_encrypted
    with pytest.raises(FileNotDecryptedError):
        locked.pages[0].extract_text()
    assert not reader(pdf).decrypt("wrong password")
    texts = page_texts(pdf, password="s3cret Pass-word!")
    assert "José Núñez-Peña" in texts[1]


def test_unprotected_pdf_is_not_encrypted() -> None:
    assert not reader(_care_plan()).is_encrypted


def test_empty_password_is_refused() -> None:
    with pytest.raises(ValueError, match="password"):
        _care_plan(password="")


@pytest.mark.parametrize("password", ["mật khẩu", "Müller2026", "tab\there"])
def test_password_readers_disagree_on_is_refused_rather_than_unopenable(password: str) -> None:
    with pytest.raises(ValueError, match="password"):
        _care_plan(password=password)


def test_unknown_paper_is_refused() -> None:
    with pytest.raises(ValueError, match="paper"):
        PageSettings(paper="legal")  # type: ignore[arg-type]


def test_letterhead_prints_agency_identity_on_first_page_only(letterhead: Letterhead) -> None:
    texts = page_texts(_packet())
    for expected in ("Hudson Valley Health Home Partners", "125 Main Street, Suite 400", "(845) 555-0100",
                     "1234567893", "01234567"):
        assert expected in texts[0]
    # later pages carry the compact header: agency name and document title, not the full letterhead
    assert "Hudson Valley Health Home Partners" in texts[1]
    assert "Care plan packet" in texts[1]
    assert "1234567893" not in texts[1]


def test_letterhead_without_logo_or_optional_fields_renders() -> None:
    bare = Letterhead(agency_name="Small Agency")
    pdf = render_care_plan(samples.sample_care_plan(), samples.sample_member(), bare)
    texts = page_texts(pdf)
    assert "Small Agency" in texts[0]
    assert "NPI" not in texts[0]


def test_very_long_member_name_stays_on_the_footer_line() -> None:
    member = samples.sample_member()
    long_name = "Ximena " + "Ñandú-Łukasiewicz " * 12 + "Nguyễn"
    from dataclasses import replace

    pdf = render_care_plan(samples.sample_care_plan(), replace(member, name=long_name), samples.sample_letterhead())
    texts = page_texts(pdf)
    # the footer shrinks, then shortens the name with an ellipsis, rather than running into "Page X of Y"
    assert all("\u2026 · DOB 03/14/1961" in text or "Nguyễn · DOB 03/14/1961" in text for text in texts)
    assert all(f"Page {n} of {len(texts)}" in text for n, text in enumerate(texts, start=1))


def test_damaged_logo_is_reported_as_such() -> None:
    with pytest.raises(ValueError, match="logo"):
        render_care_plan(samples.sample_care_plan(), samples.sample_member(),
                         Letterhead(agency_name="Agency", logo_png=b"\x89PNG not really"))


def test_letterhead_too_tall_for_the_page_is_refused() -> None:
    tall = Letterhead(agency_name="Agency", address_lines=tuple(f"Line {n}" for n in range(30)))
    with pytest.raises(ValueError, match="letterhead"):
        render_care_plan(samples.sample_care_plan(), samples.sample_member(), tall)
