"""The referral letter to a community agency, on the letterhead, with an optional fax cover sheet.

The fax cover sheet names the recipient, the sender and the page count but not the member: it is read by
whoever picks the pages off the machine. The letter itself says who the member is, why they are referred,
what they need, what is asked of the agency, how to reach the care manager, and the consent to share.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph

from hhdesk.documents.blocks import (
    field_grid,
    format_date,
    gap,
    markup,
    notice_box,
    para,
    subheading,
    text_markup,
    text_or_none,
)
from hhdesk.documents.data import Letterhead, MemberSummary, PageSettings, ReferralLetterDoc
from hhdesk.documents.letterhead import TotalPagesField
from hhdesk.documents.render import render_on_letterhead
from hhdesk.documents.styles import styles
from hhdesk.domain.enums import ReferralCategory, label

REFERRAL_LETTER_TITLE = "Referral letter"

CATEGORY_PHRASES: dict[ReferralCategory, str] = {
    ReferralCategory.HOUSING: "housing assistance",
    ReferralCategory.FOOD: "food assistance",
    ReferralCategory.TRANSPORTATION: "transportation assistance",
    ReferralCategory.BENEFITS: "help with benefits",
    ReferralCategory.EMPLOYMENT: "employment services",
    ReferralCategory.LEGAL: "legal services",
    ReferralCategory.BEHAVIOURAL_HEALTH: "behavioural health services",
    ReferralCategory.SUBSTANCE_USE: "substance use services",
    ReferralCategory.MEDICAL_SPECIALTY: "specialty medical care",
    ReferralCategory.OTHER: "your services",
}

DEFAULT_FAX_NOTE = (
    "Please find a referral letter attached. Kindly confirm that you received it and let us know whether "
    "you can accept the referral."
)


def render_referral_letter(
    letter: ReferralLetterDoc,
    member: MemberSummary,
    letterhead: Letterhead,
    settings: PageSettings | None = None,
    *,
    password: str | None = None,
) -> bytes:
    """The referral letter as PDF bytes, behind a fax cover sheet when `letter.include_fax_cover`."""

    def build(page_settings: PageSettings, width: float) -> list[Flowable]:
        flowables: list[Flowable] = []
        if letter.include_fax_cover:
            flowables += fax_cover_flowables(letter, letterhead, page_settings, width)
            flowables.append(PageBreak())
        flowables += letter_flowables(letter, member, letterhead, page_settings, width)
        return flowables

    return render_on_letterhead(
        build,
        letterhead=letterhead,
        settings=settings,
        title=REFERRAL_LETTER_TITLE,
        member=member,
        password=password,
        first_template="fax_cover" if letter.include_fax_cover else "letterhead",
    )


def consent_statement(letter: ReferralLetterDoc, member: MemberSummary, letterhead: Letterhead,
                      settings: PageSettings) -> str:
    """The consent sentence: the agency's own wording if given, else one built from the consent date."""
    if letter.consent_statement.strip():
        return letter.consent_statement
    if letter.consent_signed_on is None:
        return ""
    return (
        f"{member.name} signed a consent on {format_date(letter.consent_signed_on, settings)} that allows "
        f"{letterhead.agency_name} to share the information in this letter with {letter.recipient.name} "
        "for the purpose of this referral. Please do not share it further without the member's consent."
    )


def fax_cover_flowables(
    letter: ReferralLetterDoc, letterhead: Letterhead, settings: PageSettings, width: float
) -> list[Flowable]:
    st = styles()
    recipient = letter.recipient
    manager = letter.care_manager
    regarding = f"Referral: {label(letter.category)}"
    if letter.reference.strip():
        regarding += f" (reference {letter.reference})"
    pages_style = st.value
    grid = field_grid(
        [
            ("To", recipient.name),
            ("From", f"{manager.name}\n{letterhead.agency_name}"),
            ("Attention", recipient.attention),
            ("Sender's phone", manager.phone or letterhead.phone),
            ("Fax", recipient.fax),
            ("Sender's fax", manager.fax or letterhead.fax),
            ("Phone", recipient.phone),
            ("Date", format_date(letter.sent_on, settings)),
            ("Re", regarding),
            ("Pages, with this cover", TotalPagesField(pages_style)),
        ],
        width,
        label_fraction=0.3,
    )
    reach = manager.phone or letterhead.phone
    notice = [
        Paragraph("<b>Confidentiality notice</b>", st.notice),
        Paragraph(
            "The pages after this cover contain protected health information, sent with the member's "
            "consent and intended only for the recipient named above. If you are not that recipient, do not "
            "read, copy or pass on these pages"
            + (f"; please call {text_markup(reach)} at once and destroy them." if reach else
               "; please tell the sender at once and destroy them."),
            st.notice,
        ),
    ]
    return [
        gap(10),
        Paragraph("Fax", st.fax_title),
        grid,
        gap(16),
        subheading("Message"),
        para(letter.fax_cover_note if letter.fax_cover_note.strip() else DEFAULT_FAX_NOTE),
        gap(24),
        notice_box(notice, width),
    ]


def letter_flowables(
    letter: ReferralLetterDoc,
    member: MemberSummary,
    letterhead: Letterhead,
    settings: PageSettings,
    width: float,
) -> list[Flowable]:
    st = styles()
    recipient = letter.recipient
    manager = letter.care_manager
    address = [recipient.name]
    if recipient.attention.strip():
        address.append(f"Attn: {recipient.attention}")
    address += list(recipient.address_lines)
    if recipient.fax.strip():
        address.append(f"Fax {recipient.fax}")
    regarding = f"Re: Referral for {CATEGORY_PHRASES[letter.category]}"
    if letter.reference.strip():
        regarding += f" \u00b7 Reference {letter.reference}"
    salutation = f"Dear {recipient.attention.strip()}," if recipient.attention.strip() else "Dear colleagues,"
    language = member.language
    if member.interpreter_needed:
        language = f"{language} (interpreter needed)" if language.strip() else "Interpreter needed"
    about = field_grid(
        [
            ("Name", member.name),
            ("Date of birth", format_date(member.date_of_birth, settings)),
            ("Preferred name", member.preferred_name),
            ("Medicaid ID", member.medicaid_id),
            ("Phone", member.phone),
            ("Preferred language", language),
            ("Address", "\n".join(member.address_lines)),
            ("Health plan", member.plan),
        ],
        width,
    )
    reply_by = (
        f" by {format_date(letter.reply_by, settings)}" if letter.reply_by is not None else ""
    )
    quoting = f", quoting reference {text_markup(letter.reference)}" if letter.reference.strip() else ""
    ways = [
        f"by phone at {text_markup(manager.phone)}" if manager.phone.strip() else "",
        f"by fax at {text_markup(manager.fax)}" if manager.fax.strip() else "",
        f"by email at {text_markup(manager.email)}" if manager.email.strip() else "",
    ]
    ways = [w for w in ways if w]
    reach = ""
    if ways:
        reach = " You can reach me " + (", ".join(ways[:-1]) + " or " + ways[-1] if len(ways) > 1 else ways[0]) + "."
    signature_lines = [
        Paragraph("Sincerely,", st.body),
        gap(22),
        Paragraph(f"<b>{text_markup(manager.name)}</b>", st.body),
        Paragraph(f"Care manager, {text_markup(letterhead.agency_name)}", st.body),
    ]
    contact = " \u00b7 ".join(
        part for part in (
            f"Phone {text_markup(manager.phone)}" if manager.phone.strip() else "",
            f"Fax {text_markup(manager.fax)}" if manager.fax.strip() else "",
            text_markup(manager.email) if manager.email.strip() else "",
        ) if part
    )
    if contact:
        signature_lines.append(Paragraph(contact, st.small))
    return [
        gap(4),
        markup(escape(format_date(letter.sent_on, settings, empty="")), "body"),
        gap(6),
        markup("<br/>".join(text_markup(line) for line in address if line.strip()), "body"),
        gap(8),
        markup(f"<b>{text_markup(regarding)}</b>", "body"),
        gap(6),
        para(salutation),
        markup(
            f"I am writing to refer the member named below, for whom I am the Health Home care manager, to "
            f"{text_markup(recipient.name)} for {CATEGORY_PHRASES[letter.category]}.",
            "body",
        ),
        markup("About the member", "letter_heading"),
        about,
        markup("Reason for referral", "letter_heading"),
        text_or_none(letter.reason),
        markup("What the member needs", "letter_heading"),
        text_or_none(letter.need),
        markup("What we are asking", "letter_heading"),
        text_or_none(letter.request),
        markup("Consent to share information", "letter_heading"),
        text_or_none(consent_statement(letter, member, letterhead, settings)),
        KeepTogether(
            [
                markup("Please reply", "letter_heading"),
                markup(
                    f"Please let me know{reply_by} whether you can accept this referral, and tell us when the "
                    f"member has been seen{quoting}.{reach}",
                    "body",
                ),
                gap(8),
                *signature_lines,
            ]
        ),
    ]

