"""Sections that more than one document prints: member summary, care team, care plan, referrals, transitions.

Each function returns a list of flowables for a frame `width` points wide. Empty data prints as
"None recorded" so a reader can tell "nothing on file" from "section missing".
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import Flowable, Paragraph

from hhdesk.documents.blocks import (
    DASH,
    NONE_RECORDED,
    data_table,
    field_grid,
    format_date,
    gap,
    markup,
    section,
    subheading,
    text_markup,
    text_or_none,
    yes_no,
)
from hhdesk.documents.data import (
    CarePlanDoc,
    CareTeamLine,
    ChecklistLine,
    ContactLine,
    GoalLine,
    MemberSummary,
    NeedLine,
    PageSettings,
    ReferralLine,
    Signature,
    TransitionLine,
)
from hhdesk.documents.styles import styles
from hhdesk.domain.careplan import NEED_DOMAIN_LABELS
from hhdesk.domain.enums import ChecklistItemStatus, label

GOAL_INDENT = 10.0


def member_identification(member: MemberSummary, settings: PageSettings, width: float) -> Flowable:
    """The short block that says who a letter or plan is about."""
    return field_grid(
        [
            ("Member", member.name),
            ("Date of birth", format_date(member.date_of_birth, settings)),
            ("Preferred name", member.preferred_name),
            ("Medicaid ID", member.medicaid_id),
        ],
        width,
    )


def member_summary(member: MemberSummary, settings: PageSettings, width: float) -> list[Flowable]:
    demographics = field_grid(
        [
            ("Name", member.name),
            ("Preferred name", member.preferred_name),
            ("Date of birth", format_date(member.date_of_birth, settings)),
            ("Sex", member.sex),
            ("Medicaid ID", member.medicaid_id),
            ("Health plan", member.plan),
            ("Preferred language", member.language),
            ("Interpreter needed", yes_no(member.interpreter_needed)),
            ("Phone", member.phone),
            ("Address", "\n".join(member.address_lines)),
            ("Program status", label(member.status) if member.status else ""),
            ("Tier", member.tier_label),
        ],
        width,
    )
    providers = field_grid(
        [
            ("Primary care provider", member.pcp_name),
            ("Care manager", member.care_manager_name),
            ("PCP phone", member.pcp_phone),
            ("Care manager phone", member.care_manager_phone),
            ("PCP fax", member.pcp_fax),
            ("Care manager email", member.care_manager_email),
        ],
        width,
    )
    conditions = data_table(
        ["Code", "Condition"],
        [[code, description] for code, description in member.conditions],
        width,
        [1.2, 6.0],
        fit=[0],
    )
    return [
        *section("Member summary", demographics),
        subheading("Primary care and care management"),
        providers,
        subheading("Conditions"),
        conditions,
    ]


def care_team(lines: Sequence[CareTeamLine], width: float) -> list[Flowable]:
    table = data_table(
        ["Name", "Role", "Organisation", "Phone", "Fax", "Consent to share"],
        [
            [line.name, line.role, line.organisation, line.phone, line.fax, yes_no(line.consent_to_share)]
            for line in lines
        ],
        width,
        [2.0, 1.5, 2.0, 1.55, 1.55, 0.95],
        fit=[3, 4, 5],
    )
    return section("Care team", table)


def plan_status_line(plan: CarePlanDoc, settings: PageSettings) -> Paragraph:
    parts = [f"Version {plan.version}", label(plan.status)]
    if plan.effective_on:
        parts.append(f"effective {format_date(plan.effective_on, settings)}")
    parts.append(f"review due {format_date(plan.review_due, settings, empty='not set')}")
    return markup(" \u00b7 ".join(parts), "subtitle")


def care_plan_body(
    plan: CarePlanDoc, settings: PageSettings, width: float, *, with_signatures: bool = True
) -> list[Flowable]:
    """Strengths, preferences, barriers, the needs with their goals and interventions, and signatures."""
    flowables: list[Flowable] = [
        subheading("Strengths"),
        text_or_none(plan.strengths),
        subheading("Preferences"),
        text_or_none(plan.preferences),
        subheading("Barriers"),
        text_or_none(plan.barriers),
    ]
    flowables += section("Needs, goals and interventions", *_needs(plan.needs, settings, width))
    if with_signatures:
        flowables += section("Signatures", signatures_table(plan, settings, width))
    return flowables


def _needs(needs: Sequence[NeedLine], settings: PageSettings, width: float) -> list[Flowable]:
    if not needs:
        return []
    flowables: list[Flowable] = []
    for need_number, need in enumerate(needs, start=1):
        flowables.append(subheading(f"{need_number}. {NEED_DOMAIN_LABELS[need.domain]}"))
        if need.description.strip():
            flowables.append(text_or_none(need.description, "lead_in"))
        if not need.goals:
            flowables.append(_indented_muted(f"Goals: {NONE_RECORDED}"))
        for goal_number, goal in enumerate(need.goals, start=1):
            flowables += _goal(f"{need_number}.{goal_number}", goal, settings, width)
    return flowables


def _goal(number: str, goal: GoalLine, settings: PageSettings, width: float) -> list[Flowable]:
    st = styles()
    flowables: list[Flowable] = [
        Paragraph(f"<b>Goal {number}</b>&nbsp;&nbsp;\u201c{text_markup(goal.text)}\u201d", st.goal),
        Paragraph(
            f"Target date: {format_date(goal.target_date, settings, empty='not set')}"
            f" \u00b7 Status: {label(goal.status)}",
            st.goal_meta,
        ),
    ]
    if goal.interventions:
        table = data_table(
            ["Intervention", "Responsible", "Frequency", "Status"],
            [[i.action, i.responsible, i.frequency, label(i.status)] for i in goal.interventions],
            width - GOAL_INDENT,
            [4.4, 2.2, 1.7, 1.1],
            fit=[3],
        )
        table.hAlign = "RIGHT"
        flowables += [table, gap(4)]
    else:
        flowables.append(_indented_muted(f"Interventions: {NONE_RECORDED}"))
    return flowables


def _indented_muted(text: str) -> Paragraph:
    return Paragraph(text_markup(text), styles().muted_indented)


def signatures_table(plan: CarePlanDoc, settings: PageSettings, width: float) -> Flowable:
    rows = [
        _signature_row(plan.member_signature, "Member or guardian", settings),
        _signature_row(plan.care_manager_signature, "Care manager", settings),
    ]
    return data_table(["Signed as", "Name", "Date", "How"], rows, width, [1.8, 3.0, 1.3, 1.3], fit=[0, 2, 3])


def _signature_row(signature: Signature | None, role: str, settings: PageSettings) -> list[str]:
    if signature is None:
        return [role, "Not signed", DASH, DASH]
    return [
        signature.capacity or role,
        signature.name,
        format_date(signature.signed_on, settings),
        label(signature.method) if signature.method else DASH,
    ]


def referrals(lines: Sequence[ReferralLine], settings: PageSettings, width: float) -> list[Flowable]:
    table = data_table(
        ["Category", "Agency", "Reason", "Sent", "Status", "Follow up by"],
        [
            [
                label(line.category),
                line.agency_name,
                line.reason,
                format_date(line.sent_on, settings)
                + (f"\n({label(line.method).lower()})" if line.method else ""),
                label(line.status),
                format_date(line.follow_up_on, settings),
            ]
            for line in lines
        ],
        width,
        [1.5, 2.0, 3.0, 1.2, 1.1, 1.2],
        fit=[0, 3, 4, 5],
    )
    return section("Open referrals", table)


def transitions(lines: Sequence[TransitionLine], settings: PageSettings, width: float) -> list[Flowable]:
    table = data_table(
        ["Setting", "Facility", "Admitted", "Discharged", "Destination", "Checklist", "Readmission"],
        [
            [
                label(line.setting),
                line.facility,
                format_date(line.admitted_on, settings),
                format_date(line.discharged_on, settings, empty="Still admitted"),
                line.destination,
                f"{line.checklist_done} of {line.checklist_total} done" if line.checklist_total else DASH,
                "Yes (within 30 days)" if line.is_readmission else "No",
            ]
            for line in lines
        ],
        width,
        [1.5, 1.85, 1.1, 1.15, 1.5, 1.0, 1.3],
        fit=[2, 3, 5, 6],
    )
    return section("Recent transitions of care", table)


def checklist(lines: Sequence[ChecklistLine], settings: PageSettings, width: float) -> list[Flowable]:
    table = data_table(
        ["Item", "Due", "Status", "Done on", "By", "Note"],
        [
            [
                line.item,
                format_date(line.due_at, settings),
                label(line.status),
                format_date(line.done_on, settings) if line.status is ChecklistItemStatus.DONE else DASH,
                line.done_by,
                line.note,
            ]
            for line in lines
        ],
        width,
        [3.4, 1.35, 1.1, 1.1, 1.4, 2.2],
        fit=[1, 2, 3],
    )
    return section("Transition checklist", table)


def contacts(lines: Sequence[ContactLine], settings: PageSettings, width: float) -> list[Flowable]:
    table = data_table(
        ["Date", "Mode", "With", "Staff", "Note"],
        [
            [format_date(line.contact_on, settings), label(line.mode), label(line.with_whom), line.staff, line.note]
            for line in lines
        ],
        width,
        [1.1, 1.0, 1.0, 1.5, 5.0],
        fit=[0, 1, 2],
    )
    return section("Contacts since discharge", table)


def goals_table(goals: Sequence[GoalLine], settings: PageSettings, width: float) -> list[Flowable]:
    table = data_table(
        ["Goal (member's words)", "Target date", "Status"],
        [[goal.text, format_date(goal.target_date, settings), label(goal.status)] for goal in goals],
        width,
        [6.0, 1.3, 1.3],
        fit=[1, 2],
    )
    return section("Care plan goals", table)
