"""The transition-of-care summary for the PCP or follow-up provider, on the letterhead.

It tells the provider what happened (setting, facility, dates, destination), what the Health Home has done
since (checklist, contacts after discharge), and what the member is working towards (care plan goals).
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from hhdesk.documents import sections
from hhdesk.documents.blocks import (
    field_grid,
    format_date,
    gap,
    markup,
    section,
    text_markup,
    text_or_none,
    yes_no,
)
from hhdesk.documents.data import Letterhead, MemberSummary, PageSettings, TransitionSummaryDoc
from hhdesk.documents.render import render_on_letterhead
from hhdesk.domain.enums import label

TRANSITION_SUMMARY_TITLE = "Transition of care summary"


def render_transition_summary(
    summary: TransitionSummaryDoc,
    member: MemberSummary,
    letterhead: Letterhead,
    settings: PageSettings | None = None,
    *,
    password: str | None = None,
) -> bytes:
    """The transition-of-care summary as PDF bytes; with `password`, the PDF opens only with it."""
    return render_on_letterhead(
        lambda page_settings, width: transition_summary_flowables(summary, member, letterhead, page_settings, width),
        letterhead=letterhead,
        settings=settings,
        title=TRANSITION_SUMMARY_TITLE,
        member=member,
        password=password,
    )


def transition_summary_flowables(
    summary: TransitionSummaryDoc,
    member: MemberSummary,
    letterhead: Letterhead,
    settings: PageSettings,
    width: float,
) -> list[Flowable]:
    recipient = summary.recipient
    manager = summary.care_manager
    recipient_lines = [recipient.name, recipient.attention, *recipient.address_lines]
    recipient_contact = ", ".join(
        part for part in (f"Phone {recipient.phone}" if recipient.phone.strip() else "",
                          f"Fax {recipient.fax}" if recipient.fax.strip() else "") if part
    )
    if recipient_contact:
        recipient_lines.append(recipient_contact)
    manager_lines = [manager.name, letterhead.agency_name]
    manager_lines += [f"Phone {manager.phone}" if manager.phone.strip() else "",
                      f"Fax {manager.fax}" if manager.fax.strip() else "", manager.email]
    routing = field_grid(
        [
            ("To", "\n".join(line for line in recipient_lines if line.strip())),
            ("From", "\n".join(line for line in manager_lines if line.strip())),
        ],
        width,
        label_fraction=0.2,
    )
    notified = format_date(summary.notified_at, settings, empty="")
    if summary.notified_how.strip():
        notified = f"{notified}\n{summary.notified_how}" if notified else summary.notified_how
    episode = field_grid(
        [
            ("Setting", label(summary.setting)),
            ("Facility", summary.facility),
            ("Admitted", format_date(summary.admitted_on, settings, empty="")),
            ("Discharged", format_date(summary.discharged_on, settings, empty="Still admitted")),
            ("Discharged to", summary.destination),
            ("Readmission within 30 days", yes_no(summary.is_readmission)),
            ("Health Home notified", notified),
            ("Summary prepared", format_date(summary.prepared_on, settings, empty="")),
        ],
        width,
    )
    return [
        markup(TRANSITION_SUMMARY_TITLE, "title"),
        markup(
            f"{text_markup(label(summary.setting))} stay at {text_markup(summary.facility or 'a facility not recorded')}",
            "subtitle",
        ),
        routing,
        gap(4),
        *section("Member", sections.member_identification(member, settings, width)),
        *section("Episode", episode),
        *sections.checklist(summary.checklist, settings, width),
        *sections.contacts(summary.contacts_since_discharge, settings, width),
        *sections.goals_table(summary.care_plan_goals, settings, width),
        *section("Notes", text_or_none(summary.notes)),
    ]
