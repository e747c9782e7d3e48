"""The care plan as a PDF: one version of a member's person-centred care plan on the agency letterhead."""

from __future__ import annotations

from reportlab.platypus import Flowable

from hhdesk.documents import sections
from hhdesk.documents.blocks import field_grid, format_date, gap, markup
from hhdesk.documents.data import CarePlanDoc, Letterhead, MemberSummary, PageSettings
from hhdesk.documents.render import render_on_letterhead

CARE_PLAN_TITLE = "Care plan"


def render_care_plan(
    plan: CarePlanDoc,
    member: MemberSummary,
    letterhead: Letterhead,
    settings: PageSettings | None = None,
    *,
    password: str | None = None,
) -> bytes:
    """The care plan as PDF bytes; with `password`, the PDF opens only with it."""
    return render_on_letterhead(
        lambda page_settings, width: care_plan_flowables(plan, member, page_settings, width),
        letterhead=letterhead,
        settings=settings,
        title=CARE_PLAN_TITLE,
        member=member,
        password=password,
    )


def care_plan_flowables(
    plan: CarePlanDoc, member: MemberSummary, settings: PageSettings, width: float
) -> list[Flowable]:
    who = field_grid(
        [
            ("Member", member.name),
            ("Date of birth", format_date(member.date_of_birth, settings)),
            ("Preferred name", member.preferred_name),
            ("Medicaid ID", member.medicaid_id),
            ("Care manager", member.care_manager_name),
            ("Primary care provider", member.pcp_name),
            ("Plan prepared", format_date(plan.prepared_on, settings, empty="")),
            ("Review due", format_date(plan.review_due, settings, empty="")),
        ],
        width,
    )
    return [
        markup("Person-centred care plan", "title"),
        sections.plan_status_line(plan, settings),
        who,
        gap(4),
        *sections.care_plan_body(plan, settings, width),
    ]
