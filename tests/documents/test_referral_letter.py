"""The referral letter: what it says about the member and the request, and its fax cover sheet."""

from __future__ import annotations

from dataclasses import replace

from hhdesk.documents import samples
from hhdesk.documents.data import ReferralLetterDoc
from hhdesk.documents.referral_letter import render_referral_letter
from hhdesk.domain.enums import ReferralCategory
from tests.documents.pdf_helpers import collapse, page_texts, text_runs


def _texts(letter: ReferralLetterDoc) -> list[str]:
    return page_texts(render_referral_letter(letter, samples.sample_member(), samples.sample_letterhead()))


def test_letter_says_who_what_why_and_how_to_reply() -> None:
    letter = samples.sample_referral_letter(include_fax_cover=False)
    texts = _texts(letter)
    text = " ".join(texts)
    for expected in (
        "Hudson Valley Housing Coalition",
        "Attn: Intake coordinator",
        "Re: Referral for housing assistance",
        "Reference R-2026-0142",
        "Dear Intake coordinator,",
        "José Núñez-Peña",
        "03/14/1961",
        "AB12345C",
        "(845) 555-0199",
        "Spanish (interpreter needed)",
        collapse(letter.reason),
        collapse(letter.need),
        collapse(letter.request),
        "signed a consent on 09/02/2026",
        "by 10/15/2026",
        "zoe.angstrom@hvhhp.example.org",
        "Sincerely,",
        "Zoë Ångström",
    ):
        assert expected in text, expected
    assert "Fax" not in texts[0].split()[0:1]


def test_without_a_consent_the_letter_says_none_recorded() -> None:
    letter = replace(samples.sample_referral_letter(include_fax_cover=False), consent_signed_on=None)
    text = " ".join(_texts(letter))
    assert "Consent to share information None recorded" in text


def test_agency_wording_of_consent_replaces_the_standard_sentence() -> None:
    letter = replace(samples.sample_referral_letter(include_fax_cover=False),
                     consent_statement="Consent form DOH-5055 on file <dated 9/2>.")
    text = " ".join(_texts(letter))
    assert "Consent form DOH-5055 on file <dated 9/2>." in text
    assert "signed a consent on" not in text


def test_fax_cover_sheet_counts_the_pages_and_names_no_member() -> None:
    pdf = render_referral_letter(samples.sample_referral_letter(include_fax_cover=True), samples.sample_member(),
                                 samples.sample_letterhead())
    texts = page_texts(pdf)
    cover = texts[0]
    assert "Fax" in cover and "Confidentiality notice" in cover
    assert "(845) 555-0301" in cover
    assert "Referral: Housing (reference R-2026-0142)" in cover
    # the page count is written when the document is finished, on the line of its label
    runs = text_runs(pdf, 0)
    label_y = next(y for text, _, y in runs if text.startswith("Pages, with"))
    numbers_on_line = [text for text, _, y in runs if abs(y - label_y) < 4 and text.isdigit()]
    assert numbers_on_line == [str(len(texts))]
    assert "Núñez" not in cover and "AB12345C" not in cover and "1961" not in cover
    assert "Confidential" in cover and f"Page 1 of {len(texts)}" in cover
    # the letter after the cover starts on the letterhead again and names the member
    assert "NPI" in texts[1] and "José Núñez-Peña · DOB 03/14/1961" in texts[1]


def test_every_category_has_wording() -> None:
    for category in ReferralCategory:
        letter = replace(samples.sample_referral_letter(include_fax_cover=False), category=category)
        assert "Re: Referral for" in " ".join(_texts(letter))


def test_long_letter_continues_on_a_second_page_with_the_signature_kept_together() -> None:
    letter = replace(samples.sample_referral_letter(include_fax_cover=False), need=samples.LONG_GOAL * 2)
    texts = _texts(letter)
    assert len(texts) == 2
    assert "Please reply" in texts[1] and "Sincerely," in texts[1]
