"""The care-plan packet: what goes to the member, the PCP and the chart.

Cover page on the letterhead, then the member summary, the care team with phone and fax, the care plan,
open referrals, recent transitions of care, and a signature page to be signed on paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, NextPageTemplate, PageBreak, Paragraph, Spacer, Table

from hhdesk.documents import fonts, sections
from hhdesk.documents.blocks import (
    DASH,
    data_table,
    field_grid,
    format_date,
    gap,
    markup,
    member_identity,
    notice_box,
    para,
    section,
    subheading,
    table_style,
    text_markup,
)
from hhdesk.documents.data import CarePlanDoc, Letterhead, PacketDoc, PageSettings
from hhdesk.documents.letterhead import MemberSection
from hhdesk.documents.render import render_on_letterhead
from hhdesk.documents.styles import INK, MUTED, styles
from hhdesk.domain.enums import label

PACKET_TITLE = "Care plan packet"
PACKETS_TITLE = "Care plan packets"

CONTENTS = (
    "Member summary",
    "Care team",
    "Care plan",
    "Open referrals",
    "Recent transitions of care",
    "Signatures",
)

SHARING_WAYS = ("Fax", "Mail", "Portal", "In person")

MEMBER_STATEMENT = (
    "I took part in making this care plan, and the goals in it are mine, in my own words. I know I can ask "
    "for changes at any time, and I know how to reach my care manager."
)


def render_packet(
    packet: PacketDoc,
    letterhead: Letterhead,
    settings: PageSettings | None = None,
    *,
    password: str | None = None,
) -> bytes:
    """The care-plan packet as PDF bytes; with `password`, the PDF opens only with it."""
    return render_on_letterhead(
        lambda page_settings, width: packet_flowables(packet, letterhead, page_settings, width),
        letterhead=letterhead,
        settings=settings,
        title=PACKET_TITLE,
        member=packet.member,
        password=password,
    )


def render_packets(
    packets: Sequence[PacketDoc],
    letterhead: Letterhead,
    settings: PageSettings | None = None,
    *,
    password: str | None = None,
) -> bytes:
    """Many members' packets in one PDF, for a batch print of a caseload.

    Each packet starts on a new letterhead page; its footers name its own member, and its pages are
    numbered on their own ("Page 1 of 5" for each member), as if printed one by one.
    """
    if not packets:
        raise ValueError("no packets to print")

    def build(page_settings: PageSettings, width: float) -> list[Flowable]:
        flowables: list[Flowable] = []
        for index, packet in enumerate(packets):
            if index:
                flowables += [NextPageTemplate("letterhead"), PageBreak()]
            flowables.append(MemberSection(member_identity(packet.member.name, packet.member.date_of_birth,
                                                           page_settings)))
            flowables += packet_flowables(packet, letterhead, page_settings, width)
        return flowables

    return render_on_letterhead(
        build, letterhead=letterhead, settings=settings, title=PACKETS_TITLE, member=None, password=password
    )


def packet_flowables(
    packet: PacketDoc, letterhead: Letterhead, settings: PageSettings, width: float
) -> list[Flowable]:
    flowables = _cover(packet, letterhead, settings, width)
    flowables.append(PageBreak())
    flowables += sections.member_summary(packet.member, settings, width)
    flowables += sections.care_team(packet.care_team, width)
    flowables += _care_plan(packet.care_plan, settings, width)
    flowables += sections.referrals(packet.open_referrals, settings, width)
    flowables += sections.transitions(packet.recent_transitions, settings, width)
    flowables.append(PageBreak())
    flowables += _signature_page(packet, settings, width)
    return flowables


def _plan_line(plan: CarePlanDoc | None, settings: PageSettings) -> str:
    if plan is None:
        return "No care plan on file"
    parts = [f"Version {plan.version}, {label(plan.status).lower()}"]
    if plan.effective_on:
        parts.append(f"effective {format_date(plan.effective_on, settings)}")
    if plan.review_due:
        parts.append(f"review due {format_date(plan.review_due, settings)}")
    return "; ".join(parts)


def _cover(packet: PacketDoc, letterhead: Letterhead, settings: PageSettings, width: float) -> list[Flowable]:
    st = styles()
    member = packet.member
    name_line = text_markup(member.name)
    if member.preferred_name.strip():
        name_line += (
            f" <font name='{fonts.REGULAR}' size='12' color='#52606D'>(prefers \u201c{text_markup(member.preferred_name)}\u201d)</font>"
        )
    care_manager = member.care_manager_name
    if member.care_manager_phone.strip():
        care_manager = f"{care_manager}\n{member.care_manager_phone}"
    facts = field_grid(
        [
            ("Date of birth", format_date(member.date_of_birth, settings)),
            ("Medicaid ID", member.medicaid_id),
            ("Health plan", member.plan),
            ("Tier", member.tier_label),
            ("Care manager", care_manager),
            ("Primary care provider", member.pcp_name),
            ("Care plan", _plan_line(packet.care_plan, settings)),
            ("Prepared", _prepared_line(packet, settings)),
        ],
        width,
        label_fraction=0.34,
    )
    contents = Table(
        [[Paragraph(f"{number}.", st.body), Paragraph(escape(title), st.body)]
         for number, title in enumerate(CONTENTS, start=1)],
        colWidths=[18, width - 18],
        hAlign="LEFT",
    )
    contents.setStyle(table_style([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    reach = letterhead.phone.strip()
    notice = [
        Paragraph("<b>Confidential health information</b>", st.notice),
        Paragraph(
            "This packet contains protected health information about the member named above, shared for "
            "care coordination with the member's consent. Do not share it further without the member's "
            "written consent unless the law allows it. If you received it in error, please "
            + (f"call {text_markup(reach)} and " if reach else "tell the sender and ")
            + "destroy it.",
            st.notice,
        ),
    ]
    return [
        gap(18),
        markup(PACKET_TITLE, "title"),
        markup("Health Home person-centred care plan and care coordination summary", "subtitle"),
        gap(10),
        markup("PREPARED FOR", "label"),
        Paragraph(name_line, st.cover_name),
        gap(6),
        facts,
        gap(20),
        subheading("Contents"),
        contents,
        gap(24),
        notice_box(notice, width),
    ]


def _prepared_line(packet: PacketDoc, settings: PageSettings) -> str:
    when = format_date(packet.prepared_on, settings, empty="")
    if packet.prepared_by.strip() and when:
        return f"{when} by {packet.prepared_by}"
    return when or packet.prepared_by


def _care_plan(plan: CarePlanDoc | None, settings: PageSettings, width: float) -> list[Flowable]:
    if plan is None:
        return section("Care plan", para("No care plan is on file for this member.", "muted"))
    return [
        *section("Care plan", sections.plan_status_line(plan, settings)),
        *sections.care_plan_body(plan, settings, width, with_signatures=False),
    ]


def _signature_page(packet: PacketDoc, settings: PageSettings, width: float) -> list[Flowable]:
    st = styles()
    plan = packet.care_plan
    member = packet.member
    flowables: list[Flowable] = [
        markup("Signatures", "title"),
        markup(
            f"Care plan for {text_markup(member.name)} \u00b7 {escape(_plan_line(plan, settings))}",
            "subtitle",
        ),
        subheading("Signatures on file"),
    ]
    if plan is None:
        flowables.append(para("No care plan on file, so no signatures are recorded.", "muted"))
    else:
        flowables.append(sections.signatures_table(plan, settings, width))
    flowables += [
        subheading("Member or guardian"),
        para(MEMBER_STATEMENT),
        gap(4),
        _signature_block(width, printed_name="", with_relationship=True),
        gap(6),
        subheading("Care manager"),
        _signature_block(width, printed_name=member.care_manager_name, with_relationship=False),
        gap(6),
        subheading("Shared with the primary care provider"),
        _pcp_sharing(packet, settings, width),
        gap(10),
        Paragraph(
            "A copy of this packet is given to the member. The signed signature page is kept in the "
            "member's record.",
            st.small.clone("hh-small-muted", textColor=MUTED),
        ),
    ]
    return flowables


def _signature_block(width: float, *, printed_name: str, with_relationship: bool) -> Table:
    """Blank lines to sign on paper, each with its caption below."""
    st = styles()
    caption = st.label
    rows: list[list[Flowable | str]] = [
        ["", "", ""],
        [Paragraph("Signature", caption), "", Paragraph("Date", caption)],
        [para(printed_name, "value") if printed_name.strip() else "", "",
         ""],
        [Paragraph("Printed name", caption), "",
         Paragraph("Relationship to member (if guardian)", caption) if with_relationship else ""],
    ]
    table = Table(rows, colWidths=[width * 0.58, width * 0.06, width * 0.36], rowHeights=[34, 14, 26, 16],
                  hAlign="LEFT")
    line_commands = [
        ("LINEBELOW", (0, 0), (0, 0), 0.7, INK),
        ("LINEBELOW", (2, 0), (2, 0), 0.7, INK),
        ("LINEBELOW", (0, 2), (0, 2), 0.7, INK),
    ]
    if with_relationship:
        line_commands.append(("LINEBELOW", (2, 2), (2, 2), 0.7, INK))
    table.setStyle(
        table_style(
            [
                *line_commands,
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _pcp_sharing(packet: PacketDoc, settings: PageSettings, width: float) -> Flowable:
    member = packet.member
    box = "\u2610"
    pcp = member.pcp_name or "Primary care provider not recorded"
    contact = ", ".join(
        part for part in (f"phone {member.pcp_phone}" if member.pcp_phone else "",
                          f"fax {member.pcp_fax}" if member.pcp_fax else "") if part
    )
    return data_table(
        ["Sent to", "Contact", "How", "Date sent"],
        [[pcp, contact or DASH, "\u00a0\u00a0\u00a0".join(f"{box}\u00a0{way}" for way in SHARING_WAYS),
          Spacer(1, 24)]],
        width,
        [2.4, 2.4, 3.2, 1.4],
    )
