"""Roster import: the assignment lists that states and plans send, as CSV.

All or nothing: the file is parsed and checked line by line (``hhdesk.domain.roster_csv``), then every
row is checked against the store (segments may not overlap what is already there); any problem rejects
the whole file and the report lists every bad line. The checking happens before the write lock is taken,
so other windows keep saving meanwhile (if anything was saved in between, the file is checked again under
the lock). A good file is written in one transaction with bulk statements, so thousands of rows take
seconds. ``dry_run`` does everything but the writing.

What a row does (decisions where the issue was silent):

- **New Medicaid ID**: a new member with the row's details, its segment from ``segment_start`` (open),
  a consent record when ``consent_date`` is given (the program's consent form for the member's age on
  that date), its tier from ``segment_start``, its conditions, and its care manager. A new member with
  the same name and date of birth as a member already in the store is imported, with a warning.
- **Medicaid ID already in the store**: that member is updated, never duplicated.
  - Details: a non-blank roster value replaces the stored one; a blank one keeps what hhdesk has (the
    care manager may have learnt a phone number the plan does not know). ``sex`` U does not replace a
    known sex. A non-blank ``care_manager`` reassigns the member.
  - Segment: the roster states where the member stands; it never rewrites history.
    * A segment of the same type that starts on the same date is already there: nothing changes (so
      importing one file twice changes nothing the second time).
    * The member's open segment is of the same type (started on another date): kept as it is.
    * Open outreach, and the row says enrolled: the member is enrolled from ``segment_start`` and the
      outreach ends the day before, as enrolling in the window does. Consent is not required here:
      legacy rosters hold enrolled members without a consent date; the chart then shows
      "no consent on file".
    * Open enrolled, and the row says outreach: the member stays enrolled, with a warning (rosters lag).
    * No open segment (referred or disenrolled): a new segment from ``segment_start``; if it would
      overlap the history in hhdesk, the line is an error.
  - Consent: added unless a consent signed on that date is already on file.
  - Tier: if the tier in effect today differs, the roster's tier takes effect today (or from
    ``segment_start`` when the member has no tier yet).
  - Conditions: codes the member does not already have (unresolved) are added; none are removed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    AuditEvent,
    Condition,
    Consent,
    EnrolmentSegment,
    Member,
    MemberPayerPeriod,
    Payer,
    TierPeriod,
    User,
)
from hhdesk.db.models.base import utcnow
from hhdesk.db.turns import Turn, take_turn
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.conditions import category_for_icd10, icd10_description
from hhdesk.domain.enums import ConsentKind, Role, SegmentType, Tier
from hhdesk.domain.errors import DomainError
from hhdesk.domain.identifiers import name_key
from hhdesk.domain.permissions import Permission
from hhdesk.domain.program_profile import ProgramProfile
from hhdesk.domain.roster_csv import PAYER_COLUMNS, ROSTER_COLUMNS, RosterRow, decode_csv_bytes, parse_roster
from hhdesk.errors import UserError
from hhdesk.services.audit import PendingEvent
from hhdesk.services.caseload import member_name_key
from hhdesk.services.context import AppSession, UnitOfWork
from hhdesk.services.labels import display_phone
from hhdesk.services.member_records import active_program_profile, age_band, as_segment

ProgressCallback = Callable[[int, int], None]
"""Called with (steps done, total steps): each row is one step to check and one to write, so the total
is twice the number of rows. It may raise (e.g. the window's Cancelled) to stop; nothing is written then."""

_CHUNK = 500  # SQLite allows many more bound parameters, but 500 keeps each IN list cheap to plan
_DETAIL_FIELDS = ("last_name", "first_name", "dob", "sex", "phone", "address_line1", "city", "state", "zip",
                  "language", "plan_id")
_IMPORT_NOTE = "Recorded from a roster import."


@dataclass(frozen=True)
class RosterImportReport:
    """What the import found and did (or, dry run or errors, would do). ``errors`` rejects the file.

    Errors and warnings are (line number, message); line 0 means the file as a whole. Messages name
    the column and what is expected, never the value found.
    """

    rows_read: int
    members_created: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    errors: tuple[tuple[int, str], ...] = ()
    warnings: tuple[tuple[int, str], ...] = ()
    segments_added: int = 0
    consents_added: int = 0
    tiers_added: int = 0
    conditions_added: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        """Whether the store was changed."""
        return self.ok and not self.dry_run

    def summary(self) -> str:
        """One or two sentences for the window and the command line."""
        if self.errors:
            lines = {line for line, _ in self.errors}
            return (f"The file was not imported: {len(lines)} line(s) have problems "
                    f"({len(self.errors)} problem(s) in all). Fix them and import the file again; "
                    "nothing was changed.")
        verb = "would create" if self.dry_run else "created"
        text = (f"{self.rows_read} row(s) read: {verb} {self.members_created} member(s), "
                f"{'would update' if self.dry_run else 'updated'} {self.members_updated}, "
                f"{self.members_unchanged} already up to date.")
        if self.dry_run:
            text += " Nothing was changed (dry run)."
        return text


# ---- what each row does -----------------------------------------------------------------------


@dataclass
class _Existing:
    """A member already in the store, with the records a row may add to."""

    member: dict[str, Any]
    segments: list[tuple[int, domain_segments.Segment]] = field(default_factory=list)
    consent_dates: set[date] = field(default_factory=set)
    tiers: list[tuple[int, domain_segments.TierPeriod]] = field(default_factory=list)
    condition_codes: set[str] = field(default_factory=set)
    payer_dates: set[date] = field(default_factory=set)  # effective dates of the member's payer periods


@dataclass
class _Plan:
    """Every write the import will make, gathered before any is made."""

    new_members: list[dict[str, Any]] = field(default_factory=list)
    new_member_keys: list[str] = field(default_factory=list)
    new_member_rows: list[RosterRow] = field(default_factory=list)
    member_updates: list[dict[str, Any]] = field(default_factory=list)
    updated_fields: dict[int, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    # Records keyed by the member: an int for an existing member, the row's index for a new one.
    segments: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    segment_closes: list[dict[str, Any]] = field(default_factory=list)
    segment_deletes: list[int] = field(default_factory=list)
    consents: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    tiers: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    tier_updates: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    payer_periods: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def _load_existing(session: Session, medicaid_ids: list[str]) -> dict[str, _Existing]:
    existing: dict[str, _Existing] = {}
    columns = [Member.id, Member.medicaid_id, Member.care_manager_id, Member.row_version,
               *(getattr(Member, f) for f in _DETAIL_FIELDS)]
    for chunk in _chunks(medicaid_ids):
        for row in session.execute(select(*columns).where(Member.medicaid_id.in_(chunk))).mappings():
            existing[row["medicaid_id"]] = _Existing(dict(row))
    by_id = {e.member["id"]: e for e in existing.values()}
    ids = list(by_id)
    for chunk in _chunks(ids):
        for seg in session.execute(select(EnrolmentSegment).where(EnrolmentSegment.member_id.in_(chunk))).scalars():
            by_id[seg.member_id].segments.append((seg.id, as_segment(seg)))
        for member_id, signed_on in session.execute(
            select(Consent.member_id, Consent.signed_on).where(
                Consent.member_id.in_(chunk), Consent.kind == ConsentKind.CONSENT.value)
        ):
            by_id[member_id].consent_dates.add(signed_on)
        for tier in session.execute(select(TierPeriod).where(TierPeriod.member_id.in_(chunk))).scalars():
            by_id[tier.member_id].tiers.append((tier.id, domain_segments.TierPeriod(Tier(tier.tier), tier.effective_date)))
        for member_id, code in session.execute(
            select(Condition.member_id, Condition.icd10).where(
                Condition.member_id.in_(chunk), Condition.resolved_on.is_(None), Condition.at_risk.is_(False))
        ):
            by_id[member_id].condition_codes.add(code)
        for member_id, effective in session.execute(
            select(MemberPayerPeriod.member_id, MemberPayerPeriod.effective_date).where(
                MemberPayerPeriod.member_id.in_(chunk))
        ):
            by_id[member_id].payer_dates.add(effective)
    return existing


def _same_person_elsewhere(session: Session, rows: list[RosterRow], medicaid_ids: set[str]) -> set[int]:
    """Line numbers of new rows whose name and date of birth match a member with another Medicaid ID."""
    wanted: dict[tuple[date, str], list[int]] = defaultdict(list)
    for row in rows:
        wanted[(row.dob, name_key(f"{row.last_name} {row.first_name}"))].append(row.line_no)
    found: set[int] = set()
    dobs = sorted({row.dob for row in rows})
    for chunk in _chunks(dobs):
        for dob, last, first, medicaid_id in session.execute(
            select(Member.dob, Member.last_name, Member.first_name, Member.medicaid_id).where(Member.dob.in_(chunk))
        ):
            if medicaid_id in medicaid_ids:
                continue
            found.update(wanted.get((dob, name_key(f"{last} {first}")), ()))
    return found


def _consent_form(profile: ProgramProfile, dob: date, signed_on: date) -> str:
    forms = profile.forms_of_kind(ConsentKind.CONSENT, age_band(dob, signed_on)) or profile.forms_of_kind(
        ConsentKind.CONSENT)
    return forms[0].code


def _condition_values(code: str, today: date) -> dict[str, Any]:
    category = category_for_icd10(code)
    return {"icd10": code, "description": (icd10_description(code) or code)[:300],
            "category": category.value if category else None, "at_risk": False, "noted_on": today}


def _segment_values(segment: domain_segments.Segment) -> dict[str, Any]:
    return {"kind": segment.type.value, "start_date": segment.start, "end_date": segment.end,
            "end_reason": segment.end_reason.value if segment.end_reason else None, "override_reason": ""}


def _plan_new(plan: _Plan, row: RosterRow, index: int, profile: ProgramProfile, users: dict[str, int],
              today: date) -> None:
    key = f"new:{index}"
    plan.new_members.append({
        "medicaid_id": row.medicaid_id, "last_name": row.last_name, "first_name": row.first_name,
        "preferred_name": "", "name_key": member_name_key(row.last_name, row.first_name), "dob": row.dob,
        "sex": row.sex, "phone": display_phone(row.phone), "address_line1": row.address_line1, "city": row.city,
        "state": row.state, "zip": row.zip, "language": row.language or "English", "plan_id": row.plan_id,
        "care_manager_id": users[row.care_manager] if row.care_manager else None,
    })
    plan.new_member_keys.append(key)
    plan.new_member_rows.append(row)
    plan.segments.append((key, _segment_values(domain_segments.Segment(row.segment, row.segment_start))))
    if row.consent_date is not None:
        plan.consents.append((key, _consent_values(profile, row)))
    if row.tier is not None:
        plan.tiers.append((key, {"tier": row.tier.value, "effective_date": row.segment_start, "note": _IMPORT_NOTE}))
    for code in row.conditions:
        plan.conditions.append((key, _condition_values(code, today)))
    if row.payer and row.payer_from is not None:
        plan.payer_periods.append((key, _payer_values(row)))


def _payer_values(row: RosterRow) -> dict[str, Any]:
    # payer_id is the payer's code until _apply turns it into the payer table's id
    return {"payer_id": row.payer, "effective_date": row.payer_from, "note": _IMPORT_NOTE}


def _consent_values(profile: ProgramProfile, row: RosterRow) -> dict[str, Any]:
    assert row.consent_date is not None
    return {"kind": ConsentKind.CONSENT.value, "form_type": _consent_form(profile, row.dob, row.consent_date),
            "signed_on": row.consent_date, "signed_by": "", "note": _IMPORT_NOTE}


def _plan_existing(plan: _Plan, row: RosterRow, found: _Existing, profile: ProgramProfile,
                   users: dict[str, int], today: date) -> None:
    member = found.member
    member_id = member["id"]
    changes: dict[str, Any] = {}
    for name in _DETAIL_FIELDS:
        value = display_phone(row.phone) if name == "phone" else getattr(row, name)
        if value in ("", None) or (name == "sex" and value == "U" and member["sex"]):
            continue
        if value != member[name]:
            changes[name] = value
    if "last_name" in changes or "first_name" in changes:
        changes["name_key"] = member_name_key(changes.get("last_name", member["last_name"]),
                                              changes.get("first_name", member["first_name"]))
    if row.care_manager and users[row.care_manager] != member["care_manager_id"]:
        changes["care_manager_id"] = users[row.care_manager]
    touched = [name for name in changes if name != "name_key"]

    added = _plan_segment(plan, row, member_id, found)
    if added:
        touched.append("segment")
    if row.consent_date is not None and row.consent_date not in found.consent_dates:
        plan.consents.append((member_id, _consent_values(profile, row)))
        touched.append("consent")
    if row.tier is not None and _plan_tier(plan, row, member_id, found, today):
        touched.append("tier")
    new_codes = [code for code in row.conditions if code not in found.condition_codes]
    for code in new_codes:
        plan.conditions.append((member_id, _condition_values(code, today)))
    if new_codes:
        touched.append("conditions")
    if row.payer and row.payer_from is not None and row.payer_from not in found.payer_dates:
        plan.payer_periods.append((member_id, _payer_values(row)))
        touched.append("payer")

    if changes:
        # The version read when planning: a member someone saved since is not overwritten (ChangedByOther).
        plan.member_updates.append({"id": member_id, "row_version": member["row_version"], **changes})
    if touched:
        plan.updated_fields[member_id] = touched
    else:
        plan.unchanged += 1


def _plan_segment(plan: _Plan, row: RosterRow, member_id: int, found: _Existing) -> bool:
    """Plan the row's segment for a member already in the store; True if something will change."""
    history = [segment for _, segment in found.segments]
    ids = {segment: seg_id for seg_id, segment in found.segments}
    if any(s.type is row.segment and s.start == row.segment_start for s in history):
        return False
    current = domain_segments.open_segment(history)
    if current is not None and current.type is row.segment:
        plan.warnings.append((row.line_no, f"segment_start: the member's open {row.segment} segment in hhdesk "
                                           "starts on another date; it was kept as it is"))
        return False
    if current is not None and current.type is SegmentType.ENROLLED:
        plan.warnings.append((row.line_no, "segment: the member is enrolled in hhdesk; the roster's outreach "
                                           "segment was not applied"))
        return False
    try:
        if current is not None:  # open outreach, the row says enrolled
            result = domain_segments.enrol(history, row.segment_start)
        else:
            new = domain_segments.Segment(row.segment, row.segment_start)
            domain_segments.validate_new_segment(history, new)
            result = domain_segments.SegmentPlan(added=(new,))
    except DomainError as exc:
        plan.errors.append((row.line_no, f"segment_start: {exc} (the member's history in hhdesk)"))
        return False
    for before, after in result.closed:
        plan.segment_closes.append({"id": ids[before], "end_date": after.end,
                                    "end_reason": after.end_reason.value if after.end_reason else None})
    plan.segment_deletes.extend(ids[gone] for gone in result.removed)
    for new in result.added:
        plan.segments.append((member_id, _segment_values(new)))
    return True


def _plan_tier(plan: _Plan, row: RosterRow, member_id: int, found: _Existing, today: date) -> bool:
    assert row.tier is not None
    periods = [period for _, period in found.tiers]
    if not periods:
        plan.tiers.append((member_id, {"tier": row.tier.value, "effective_date": row.segment_start,
                                       "note": _IMPORT_NOTE}))
        return True
    if domain_segments.tier_on(periods, today) is row.tier:
        return False
    same_day = next((tier_id for tier_id, period in found.tiers if period.effective == today), None)
    if same_day is not None:
        plan.tier_updates.append({"id": same_day, "tier": row.tier.value, "note": _IMPORT_NOTE})
    else:
        plan.tiers.append((member_id, {"tier": row.tier.value, "effective_date": today, "note": _IMPORT_NOTE}))
    return True


def _caseload_holders(session: Session) -> dict[str, int]:
    return {
        username: user_id
        for user_id, username, role in session.execute(
            select(User.id, User.username, User.role).where(User.disabled.is_(False)))
        if role in (Role.CARE_MANAGER.value, Role.SUPERVISOR.value)
    }


def _counting(lines: list[str], total: int, progress: ProgressCallback | None) -> Iterable[str]:
    """Feed the parser line by line, reporting progress as the rows are checked."""
    if progress is None:
        yield from lines
        return
    progress(0, 2 * total)
    for number, line in enumerate(lines):
        if number and number % 250 == 0:
            progress(min(number - 1, total), 2 * total)
        yield line


def _make_plan(session: Session, text: str, progress: ProgressCallback | None,
               today: date) -> tuple[_Plan, int, list[tuple[int, str]]]:
    """Parse and check the file against the store. Returns the plan, rows read and parse errors."""
    profile = active_program_profile(session)
    users = _caseload_holders(session)
    lines = text.splitlines(keepends=True)
    total = max(len(lines) - 1, 0)
    parsed = parse_roster(_counting(lines, total, progress), profile=profile, known_usernames=users, today=today)
    rows_read = len({e.line_no for e in parsed.errors if e.line_no > 1} | {r.line_no for r in parsed.rows})
    if parsed.errors:
        return _Plan(), rows_read, [(e.line_no, f"{e.field}: {e.message}" if e.field else e.message)
                                    for e in parsed.errors]
    plan = _Plan()
    rows = list(parsed.rows)
    payer_codes = set(session.execute(select(Payer.code)).scalars())
    unknown = [(r.line_no, "payer: is not a code in the payer table (an administrator adds payers under Billing "
                           "settings)") for r in rows if r.payer and r.payer not in payer_codes]
    if unknown:
        return _Plan(), len(rows), unknown
    existing = _load_existing(session, [r.medicaid_id for r in rows])
    for index, row in enumerate(rows):
        found = existing.get(row.medicaid_id)
        if found is None:
            _plan_new(plan, row, index, profile, users, today)
        else:
            _plan_existing(plan, row, found, profile, users, today)
    lookalikes = _same_person_elsewhere(session, plan.new_member_rows, {r.medicaid_id for r in rows})
    for row in plan.new_member_rows:
        if row.line_no in lookalikes:
            plan.warnings.append((row.line_no, "medicaid_id: a member with the same name and date of birth but "
                                               "another Medicaid ID is already in hhdesk (a possible duplicate)"))
    return plan, len(rows), []


def _resolve(key: int | str, new_ids: dict[str, int]) -> int:
    return key if isinstance(key, int) else new_ids[key]


def import_roster(app: AppSession, source: bytes | str | Path, *, dry_run: bool = False,
                  progress: ProgressCallback | None = None, today: date | None = None) -> RosterImportReport:
    """Check and import a roster file (see the module docstring). Nothing is written when any line has a
    problem, or with ``dry_run``; the report says what was (or would be) done either way."""
    app.require(Permission.IMPORT_DATA)
    started = time.perf_counter()
    today = today or app.clock.today()
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise UserError(f"The file {source.name} cannot be read ({exc.strerror or 'unknown reason'}).") from None
    if isinstance(source, bytes):
        try:
            text = decode_csv_bytes(source)
        except DomainError as exc:
            return RosterImportReport(0, errors=((0, str(exc)),), dry_run=dry_run)
    else:
        text = source.removeprefix("\ufeff")

    def finish(plan: _Plan, rows_read: int, errors: list[tuple[int, str]]) -> RosterImportReport:
        return RosterImportReport(
            rows_read=rows_read,
            members_created=len(plan.new_members) if not errors else 0,
            members_updated=len(plan.updated_fields) if not errors else 0,
            members_unchanged=plan.unchanged if not errors else 0,
            errors=tuple(sorted(errors)),
            warnings=tuple(sorted(plan.warnings)),
            segments_added=len(plan.segments),
            consents_added=len(plan.consents),
            tiers_added=len(plan.tiers) + len(plan.tier_updates),
            conditions_added=len(plan.conditions),
            dry_run=dry_run,
            seconds=round(time.perf_counter() - started, 3),
        )

    if dry_run:
        with app.read(Permission.IMPORT_DATA) as session:
            plan, rows_read, errors = _make_plan(session, text, progress, today)
        report = finish(plan, rows_read, errors + plan.errors)
        if progress is not None and report.ok:
            progress(2 * rows_read, 2 * rows_read)
        return report

    class _Rejected(Exception):
        def __init__(self, report: RosterImportReport) -> None:
            self.report = report

    # Plan in a read transaction, so other windows and commands keep saving meanwhile; under the write lock
    # plan again only if anything was saved in between (every change writes an audit event with it).
    with app.read(Permission.IMPORT_DATA) as session:
        plan, rows_read, errors = _make_plan(session, text, progress, today)
        planned_at = _last_audit_id(session)
    if errors or plan.errors:
        return finish(plan, rows_read, errors + plan.errors)

    try:
        with app.work(Permission.IMPORT_DATA) as uow:
            # In turn with every other import (on a server; a store file's BEGIN IMMEDIATE already serialises
            # writers): a roster imported meanwhile on another workstation is seen below, so a Medicaid ID
            # that both files bring is created once and updated the second time.
            take_turn(uow.session, Turn.IMPORTS)
            if _last_audit_id(uow.session) != planned_at:
                plan, rows_read, errors = _make_plan(uow.session, text, progress, today)
            if errors or plan.errors:
                # Leave the unit of work by an exception, so that nothing (not even an audit event) commits.
                raise _Rejected(finish(plan, rows_read, errors + plan.errors))
            _apply(uow, plan, progress, rows_read, today)
            report = finish(plan, rows_read, [])
            uow.audit("roster_imported", "roster", "", None,
                      f"rows {report.rows_read}; created {report.members_created}; "
                      f"updated {report.members_updated}; unchanged {report.members_unchanged}")
    except _Rejected as rejected:
        return rejected.report
    return report


def _last_audit_id(session: Session) -> int | None:
    return session.execute(select(func.max(AuditEvent.id))).scalar()


def _apply(uow: UnitOfWork, plan: _Plan, progress: ProgressCallback | None, total: int, today: date) -> None:
    """Make every write of the plan with bulk statements, then audit each member touched."""
    session = uow.session
    new_ids: dict[str, int] = {}
    if plan.new_members:
        result = session.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), plan.new_members)
        new_ids = dict(zip(plan.new_member_keys, result.scalars(), strict=True))
    if plan.member_updates:
        stamp = {"changed_by": uow.actor.username, "changed_at": utcnow()}
        session.execute(update(Member), [{**changes, **stamp} for changes in plan.member_updates])
    if plan.segment_closes:
        session.execute(update(EnrolmentSegment), plan.segment_closes)
    for segment_id in plan.segment_deletes:
        doomed = session.get(EnrolmentSegment, segment_id)
        if doomed is not None:
            session.delete(doomed)
    session.flush()
    for model, records in ((EnrolmentSegment, plan.segments), (Consent, plan.consents), (TierPeriod, plan.tiers),
                           (Condition, plan.conditions)):
        if records:
            session.execute(insert(model), [{"member_id": _resolve(key, new_ids), **values} for key, values in records])
    if plan.tier_updates:
        session.execute(update(TierPeriod), plan.tier_updates)
    if plan.payer_periods:
        payer_ids = dict(session.execute(select(Payer.code, Payer.id)).all())
        session.execute(insert(MemberPayerPeriod), [
            {"member_id": _resolve(key, new_ids), **values, "payer_id": payer_ids[values["payer_id"]]}
            for key, values in plan.payer_periods])
    uow.audit_many(
        [PendingEvent("member_created", "member", member_id, member_id, "roster import")
         for member_id in new_ids.values()]
        + [PendingEvent("member_updated", "member", member_id, member_id,
                        "roster import; fields: " + ", ".join(names))
           for member_id, names in plan.updated_fields.items()]
    )
    if progress is not None:
        progress(2 * total, 2 * total)


# What the window and the CLI show as the expected first line.
EXPECTED_HEADER = ",".join(ROSTER_COLUMNS)
OPTIONAL_HEADER = ",".join(PAYER_COLUMNS)  # may follow the header: the member's payer from a date
