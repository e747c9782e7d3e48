"""Commands about members: list, and show one member's record with the eligibility explanation."""

from __future__ import annotations

import argparse
from datetime import date

from hhdesk.cli.common import add_format_option, add_store_user_options, emit_rows, open_session
from hhdesk.domain.enums import MemberStatus
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound
from hhdesk.services import caseload, directory, enrolment, members
from hhdesk.services.context import AppSession
from hhdesk.services.list_exports import ListFilter, ListKind


def register(sub: argparse._SubParsersAction) -> None:
    members_parser = sub.add_parser("members", help="list and show members")
    members_sub = members_parser.add_subparsers(dest="members_command", required=True, metavar="ACTION")
    p = members_sub.add_parser("list", help="list members, optionally by status")
    p.add_argument("--status", choices=["outreach", "enrolled", "disenrolled", "referred"])
    p.add_argument("--care-manager", metavar="USER", help="only this care manager's members")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_members_list)

    p = members_sub.add_parser("show", help="show a member's record and why they are (not) eligible")
    p.add_argument("medicaid_id", metavar="MEDICAID_ID")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_members_show)


def cmd_members_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        query = caseload.CaseloadQuery(
            status=MemberStatus(args.status) if args.status else None,
            care_manager=args.care_manager,
            limit=1_000_000,
        )
        rows = caseload.search(app, query)
        filters = [ListFilter(label, value) for label, value in (("Status", args.status),
                                                                 ("Care manager", args.care_manager)) if value]
        emit_rows(
            app, args, ListKind.CASELOAD, "Caseload",
            ["medicaid_id", "last_name", "first_name", "dob", "status", "tier", "care_manager"],
            [[r.medicaid_id, r.last_name, r.first_name, r.dob, r.status.value, r.tier, r.care_manager]
             for r in rows],
            filters,
        )
    finally:
        app.close()
    return 0


def cmd_members_show(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        member_id = members.find_by_medicaid_id(app, args.medicaid_id)
        if member_id is None:
            raise NotFound("No member has this Medicaid ID. Check it, or search with 'hhdesk members list'.")
        print("\n".join(member_record_lines(app, member_id)))
    finally:
        app.close()
    return 0


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def member_record_lines(app: AppSession, member_id: int) -> list[str]:
    """The member's record as plain text lines (an audited read, like opening the chart)."""
    chart = members.get_chart(app, member_id)
    d = chart.details
    record = enrolment.get_enrolment(app, member_id)
    status = chart.status_label + (f" since {_day(chart.status_since)}" if chart.status_since else "")
    manager = f"{chart.care_manager} ({chart.care_manager_name})" if chart.care_manager else "not assigned"
    address = ", ".join(part for part in (d.address_line1, d.address_line2, d.city,
                                          f"{d.state} {d.zip}".strip()) if part)
    fields = [
        ("Medicaid ID", d.medicaid_id),
        ("Date of birth", f"{_day(d.dob)} (age {chart.age})"),
        ("Sex", members.SEX_CHOICES.get(d.sex, d.sex)),
        ("Language", d.language + (" (interpreter needed)" if d.interpreter_needed else "")),
        ("Phone", members.display_phone(d.phone)),
        ("Address", address),
        ("Plan", d.plan_id),
        ("Status", status),
        ("Tier", chart.tier_label or "none recorded"),
        ("Care manager", manager),
        ("PCP", chart.pcp_name or "none recorded"),
    ]
    lines = [chart.display_name, ""]
    lines += [f"{label:<14}{value}" for label, value in fields if value]
    if chart.alerts:
        lines += ["", "Alerts"]
        lines += [f"  {'!' if a.severity == 'warning' else '-'} {a.message}" for a in chart.alerts]

    lines += ["", "Eligibility"]
    if record.eligibility is None:
        lines.append("  (not shown: your role does not include clinical information)")
    else:
        verdict = "ELIGIBLE" if record.eligibility.eligible else "NOT ELIGIBLE"
        lines.append(f"  {verdict}")
        lines += [f"  {sentence}" for sentence in record.eligibility.explanation]

    if app.actor.can(Permission.VIEW_CLINICAL):
        conditions = enrolment.list_conditions(app, member_id)
        lines += ["", "Conditions"]
        lines += [
            f"  {c.icd10 or '-':<9}{c.description}  [{c.category_label}]"
            + (" (at risk of)" if c.at_risk else "") + (f" (resolved {_day(c.resolved_on)})" if c.resolved_on else "")
            for c in conditions
        ] or ["  none recorded"]

    lines += ["", "Enrolment segments"]
    lines += [
        f"  {s.label:<10}{_day(s.start)} to {_day(s.end) or 'now'}"
        + (f"  ended: {s.end_reason_label}" if s.end_reason else "")
        + ("  (enrolled by override)" if s.override_reason else "")
        for s in record.segments
    ] or ["  none"]
    lines += ["", "Consent forms"]
    lines += [
        f"  {_day(c.signed_on)}  {c.kind_label:<22}{c.form_type}" + ("  (scan on file)" if c.attachment_id else "")
        for c in record.consents
    ] or ["  none on file"]
    lines += ["", "Tier history"]
    lines += [f"  from {_day(t.effective_date)}  {members.TIER_LABELS[t.tier]}" for t in record.tiers] or ["  none"]

    if app.actor.can(Permission.VIEW_CLINICAL):
        team = directory.list_care_team(app, member_id)
        lines += ["", "Care team"]
        lines += [
            f"  {link.role_label}: {link.entry_label}"
            + ("" if link.consent_to_share else "  (no consent to share information)")
            for link in team
        ] or ["  none recorded"]
    return lines
