"""Commands of the daily care work: `hhdesk worklist`, `hhdesk transitions list`, `hhdesk quality`, and the
`contacts` action of `hhdesk import` (added to the import parser by ``add_import_contacts``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hhdesk.cli.common import (
    add_format_option,
    add_store_user_options,
    emit_rows,
    entered_date,
    open_session,
    print_table,
)
from hhdesk.domain.worklist_rules import WorkKind
from hhdesk.errors import UserError
from hhdesk.services import contacts_import, measures, transitions, worklist
from hhdesk.services.list_exports import ListFilter, ListKind

WORKLIST_COLUMNS = ["group", "due", "overdue", "when", "kind", "medicaid_id", "member", "care_manager", "task", "detail",
                    "tab"]
TRANSITION_COLUMNS = ["episode_id", "medicaid_id", "setting", "admitted", "discharged", "facility",
                      "readmission", "open_items", "overdue_items", "closed", "care_manager"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worklist", help="what is due and overdue, most urgent first")
    p.add_argument("--for", dest="for_user", metavar="USER",
                   help="another user's worklist, or '*' for everyone's (supervisors and administrators)")
    p.add_argument("--kind", action="append", choices=[kind.value for kind in WorkKind],
                   help="only this kind of work (repeat for several)")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_worklist)

    group = sub.add_parser("transitions", help="transitions of care (hospital and other stays)")
    actions = group.add_subparsers(dest="transitions_command", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="list episodes, newest admission first")
    p.add_argument("--open", action="store_true", help="only episodes not yet closed")
    p.add_argument("--care-manager", metavar="USER", help="only members of this care manager")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_transitions_list)

    _register_checklists(sub)

    p = sub.add_parser("quality", help="follow-up after psychiatric stays (7/30 days) and 30-day readmissions")
    p.add_argument("--from", dest="start", type=entered_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=entered_date, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--checklist-only", action="store_true",
                   help="count only follow-up checklist items as evidence, not TC contacts with a provider")
    add_store_user_options(p)
    add_format_option(p)
    p.set_defaults(handler=cmd_quality)


def _register_checklists(sub: argparse._SubParsersAction) -> None:
    from hhdesk.domain.enums import TransitionSetting

    settings_choices = [s.value for s in TransitionSetting]
    group = sub.add_parser("checklists", help="the transition checklist templates (one per setting)")
    actions = group.add_subparsers(dest="checklists_command", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="the templates in use, and whether an administrator edited them")
    p.set_defaults(handler=cmd_checklists_list)
    p = actions.add_parser("show", help="print a template as JSON (save it to a file to edit it)")
    p.add_argument("setting", choices=settings_choices)
    p.set_defaults(handler=cmd_checklists_show)
    p = actions.add_parser("save", help="check an edited template and use it for new episodes (administrators)")
    p.add_argument("setting", choices=settings_choices)
    p.add_argument("file", type=Path, metavar="FILE.json")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_checklists_save)
    p = actions.add_parser("reset", help="go back to the template that ships with hhdesk (administrators)")
    p.add_argument("setting", choices=settings_choices)
    add_store_user_options(p)
    p.set_defaults(handler=cmd_checklists_reset)


def add_import_contacts(import_sub: argparse._SubParsersAction) -> None:
    """The `contacts` action of `hhdesk import` (see hhdesk.cli.import_commands.IMPORT_ACTIONS)."""
    from hhdesk.domain.contacts_csv import HEADER_LINE

    p = import_sub.add_parser(
        "contacts", help="import contacts kept in a spreadsheet (CSV)",
        description=f"Import contacts from a CSV file with the header {HEADER_LINE}. staff is a username, "
        "with_whom one of member, family, provider, agency, core_services empty or codes from CM;CC;TC;FS;RS;IT "
        "joined by ';'. One bad line rejects the whole file; every problem is listed with its line number.",
    )
    p.add_argument("file", type=Path, metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
    p.add_argument("--skip-duplicates", action="store_true",
                   help="skip lines whose contact is already in the store (same member, date, mode, staff and "
                        "minutes) and import the rest; without it such lines, or a file imported before, stop "
                        "the import")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_import_contacts)


def cmd_worklist(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        now = transitions.local_now(app.clock)
        items = worklist.worklist(app, args.for_user, now=now, kinds=args.kind)
        emit_rows(
            app, args, ListKind.WORKLIST, "Worklist",
            WORKLIST_COLUMNS,
            [[item.urgency_label(now), item.due_at.strftime("%Y-%m-%d %H:%M"), "yes" if item.overdue else "no",
              item.when_text(now), item.kind.value, item.medicaid_id, item.member_name, item.care_manager,
              item.title, item.detail, item.tab] for item in items],
            ([ListFilter("Whose", args.for_user)] if args.for_user else [])
            + ([ListFilter("Kind", ", ".join(sorted(args.kind)))] if args.kind else []),
        )
    finally:
        app.close()
    return 0


def cmd_transitions_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        rows = transitions.list_episodes(app, open_only=args.open, care_manager=args.care_manager)
        filters = [ListFilter("Open episodes only", "yes")] if args.open else []
        if args.care_manager:
            filters.append(ListFilter("Care manager", args.care_manager))
        emit_rows(
            app, args, ListKind.TRANSITIONS, "Transitions",
            TRANSITION_COLUMNS,
            [[r.episode_id, r.medicaid_id, r.setting.value, r.admitted_on, r.discharged_on, r.facility,
              "yes" if r.is_readmission else "no", r.open_items, r.overdue_items, r.closed_on, r.care_manager]
             for r in rows],
            filters,
        )
    finally:
        app.close()
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        report = measures.quality_report(app, args.start, args.end, checklist_evidence_only=args.checklist_only)
        fuh, pcr = report.followup, report.readmissions
        filters = [ListFilter("From", args.start.isoformat()), ListFilter("To", args.end.isoformat())]
        if args.checklist_only:
            filters.append(ListFilter("Evidence", "checklist items only"))
        emit_rows(
            app, args, ListKind.QUALITY, "Quality measures",
            ["measure", "denominator", "numerator", "rate", "excluded"],
            [["follow_up_7_days", fuh.denominator, fuh.numerator_7, measures.rate_text(fuh.rate_7), fuh.excluded],
             ["follow_up_30_days", fuh.denominator, fuh.numerator_30, measures.rate_text(fuh.rate_30),
              fuh.excluded],
             ["readmission_30_days", pcr.denominator, pcr.numerator, measures.rate_text(pcr.rate), 0]],
            filters,
        )
    finally:
        app.close()
    if not report.complete:
        print("Note: 30 days have not yet passed since the end of the period; the follow-up rates may still rise.",
              file=sys.stderr)
    return 0


def cmd_import_contacts(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise UserError(f"There is no file at {args.file}.")
    app = open_session(args)
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, text: str) -> None:
        if interactive and total:
            print(f"\r{text} ({done * 100 // total}%)", end="", file=sys.stderr, flush=True)

    try:
        report = contacts_import.import_contacts(app, args.file, dry_run=args.dry_run,
                                                 skip_duplicates=args.skip_duplicates, progress=progress)
    finally:
        app.close()
        if interactive:
            print(file=sys.stderr)
    if not report.ok:
        print(f"hhdesk: {report.summary()}", file=sys.stderr)
        for problem in report.errors:
            print(f"  {problem}", file=sys.stderr)
        return 1
    try:
        print(report.summary())
        if report.warnings:
            print(f"{len(report.warnings)} warning(s):")
            for problem in report.warnings:
                print(f"  {problem}")
        print(f"Took {report.seconds:.1f} s.")
        sys.stdout.flush()
    except BrokenPipeError:
        # `hhdesk import contacts FILE | head`: the contacts are saved; only the rest of the report is lost.
        # Point stdout at nothing so that Python's flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


def cmd_checklists_list(args: argparse.Namespace) -> int:
    rows = []
    for info in transitions.list_templates():
        rows.append([info.setting.value, len(info.template.items), "edited" if info.edited else "bundled",
                     info.problem])
    print_table(["setting", "items", "template", "problem"], rows)
    print(f"Edited templates live in {transitions.override_folder()}")
    return 0


def cmd_checklists_show(args: argparse.Namespace) -> int:
    from hhdesk.domain.enums import TransitionSetting

    print(transitions.template_as_json(TransitionSetting(args.setting)), end="")
    return 0


def cmd_checklists_save(args: argparse.Namespace) -> int:
    from hhdesk.domain.enums import TransitionSetting
    from hhdesk.errors import ValidationFailed

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise UserError(f"Could not read {args.file} as UTF-8 text.") from None
    app = open_session(args)
    try:
        template = transitions.save_template(app, TransitionSetting(args.setting), text)
    except ValidationFailed as exc:
        print(f"hhdesk: {exc.problems[0] if len(exc.problems) == 1 else 'The template is not valid:'}",
              file=sys.stderr)
        for problem in exc.problems if len(exc.problems) > 1 else ():
            print(f"  {problem}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(f"Saved: new {args.setting} episodes get these {len(template.items)} items.")
    return 0


def cmd_checklists_reset(args: argparse.Namespace) -> int:
    from hhdesk.domain.enums import TransitionSetting

    app = open_session(args)
    try:
        transitions.reset_template(app, TransitionSetting(args.setting))
    finally:
        app.close()
    print(f"The {args.setting} template is the one that ships with hhdesk again.")
    return 0
