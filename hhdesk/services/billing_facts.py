"""What a member's billing needs beyond contacts and enrolment: the Health Home Plus population, Assisted
Outpatient Treatment orders with their dates, and outreach months another Health Home or care management agency
billed (entered in the chart or imported from a CSV file, all or nothing).

The rules that read them are in `hhdesk.domain.billing_rules` (docs/billing.md names the DOH sources).
Population and AOT orders are enrolment facts (care managers, supervisors, admins); outreach months billed
elsewhere come from the lead Health Home's reports, so billing clerks may record and import them too.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import AotOrder, Member, OutreachElsewhere
from hhdesk.db.turns import Turn, take_turn
from hhdesk.domain.billing_profile import AOT
from hhdesk.domain.billing_rules import OUTREACH_LIMITS, OutreachLimits
from hhdesk.domain.contact_rules import MonthRequirement
from hhdesk.domain.enums import HHPlusPopulation
from hhdesk.domain.outreach_elsewhere_csv import (
    HEADER_LINE,
    MAX_AGENCY_LENGTH,
    OutreachElsewhereRow,
    OutreachLineProblem,
    parse_outreach_elsewhere_csv,
)
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services.contacts_import import read_text
from hhdesk.services.context import AppSession
from hhdesk.services.member_records import get_member

__all__ = [
    "HEADER_LINE",
    "POPULATION_WORDS",
    "AotOrderInfo",
    "MemberBillingFactsInfo",
    "OutreachElsewhereInfo",
    "OutreachImportReport",
    "add_aot_order",
    "add_outreach_elsewhere",
    "get_billing_facts",
    "import_outreach_elsewhere",
    "import_outreach_elsewhere_text",
    "remove_aot_order",
    "remove_outreach_elsewhere",
    "set_aot_order_end",
    "set_hh_plus_population",
]

POPULATION_WORDS: dict[HHPlusPopulation, str] = {
    HHPlusPopulation.SMI: "Serious mental illness (SMI)",
    HHPlusPopulation.HIV: "Living with HIV, virally unsuppressed",
}


@dataclass(frozen=True)
class AotOrderInfo:
    id: int
    start: date
    end: date | None
    note: str


@dataclass(frozen=True)
class OutreachElsewhereInfo:
    id: int
    month: ServiceMonth
    agency: str
    source: str  # chart | import


@dataclass(frozen=True)
class MemberBillingFactsInfo:
    member_id: int
    hh_plus_population: HHPlusPopulation | None
    aot_orders: tuple[AotOrderInfo, ...]
    outreach_elsewhere: tuple[OutreachElsewhereInfo, ...]


def outreach_limits() -> OutreachLimits:
    """How many outreach months may bill in a row and in a rolling window (the billing rules' numbers)."""
    return OUTREACH_LIMITS


def aot_minimum(app: AppSession) -> MonthRequirement:
    """What a Health Home Plus month under an AOT order needs, from the agency's billing profile."""
    from hhdesk.services.contacts import hh_plus_requirements

    with app.read(Permission.VIEW_MEMBERS) as session:
        minimums, _on_last_day, _default = hh_plus_requirements(session)
    return minimums.get(AOT) or minimums[HHPlusPopulation.SMI.value]


def _require_any(app: AppSession, *permissions: Permission) -> None:
    if not any(app.actor.can(permission) for permission in permissions):
        raise PermissionDenied(
            f"Your role ({app.actor.role.value.replace('_', ' ')}) may not record this. "
            "Ask a supervisor or administrator."
        )


def get_billing_facts(app: AppSession, member_id: int) -> MemberBillingFactsInfo:
    with app.read(Permission.VIEW_MEMBERS) as session:
        member = get_member(session, member_id)
        orders = session.scalars(select(AotOrder).where(AotOrder.member_id == member_id)
                                 .order_by(AotOrder.start_date, AotOrder.id)).all()
        months = session.scalars(select(OutreachElsewhere).where(OutreachElsewhere.member_id == member_id)
                                 .order_by(OutreachElsewhere.service_month)).all()
        return MemberBillingFactsInfo(
            member_id=member_id,
            hh_plus_population=HHPlusPopulation(member.hh_plus_population) if member.hh_plus_population else None,
            aot_orders=tuple(AotOrderInfo(o.id, o.start_date, o.end_date, o.note) for o in orders),
            outreach_elsewhere=tuple(OutreachElsewhereInfo(m.id, ServiceMonth.parse(m.service_month), m.agency,
                                                           m.source) for m in months),
        )


def set_hh_plus_population(app: AppSession, member_id: int, population: HHPlusPopulation | str | None) -> None:
    """Record which Health Home Plus population the member belongs to (None or '' clears it)."""
    chosen: HHPlusPopulation | None = None
    if population:
        try:
            chosen = HHPlusPopulation(population)
        except ValueError:
            choices = ", ".join(p.value for p in HHPlusPopulation)
            raise ValidationFailed(f"Choose a Health Home Plus population: {choices}, or none.") from None
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        member = get_member(uow.session, member_id)
        member.hh_plus_population = chosen.value if chosen else ""
        uow.audit("hh_plus_population_set", "member", member_id, member_id, chosen.value if chosen else "none")


def _check_order_dates(session: Session, member_id: int, start: date, end: date | None,
                       order_id: int | None = None) -> None:
    if end is not None and end < start:
        raise ValidationFailed("An AOT order cannot end before it starts: check the dates.")
    for other in session.scalars(select(AotOrder).where(AotOrder.member_id == member_id)):
        if other.id == order_id:
            continue
        if other.start_date <= (end or date.max) and (other.end_date or date.max) >= start:
            raise ValidationFailed("These dates overlap another AOT order of the member; end that order first.")


def add_aot_order(app: AppSession, member_id: int, start: date, end: date | None = None, note: str = "") -> int:
    """Record an Assisted Outpatient Treatment order (court order dates; `end` None while in effect)."""
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        get_member(uow.session, member_id)
        _check_order_dates(uow.session, member_id, start, end)
        order = AotOrder(member_id=member_id, start_date=start, end_date=end, note=note.strip())
        uow.session.add(order)
        uow.session.flush()
        uow.audit("aot_order_added", "aot_order", order.id, member_id,
                  f"from {start.isoformat()}" + (f" to {end.isoformat()}" if end else ""))
        return order.id


def _order(session: Session, order_id: int) -> AotOrder:
    order = session.get(AotOrder, order_id)
    if order is None:
        raise NotFound("This AOT order is no longer on file; refresh the chart.")
    return order


def set_aot_order_end(app: AppSession, order_id: int, end: date | None) -> None:
    """Record the day an AOT order ended (or clear it, when it was entered in error)."""
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        order = _order(uow.session, order_id)
        _check_order_dates(uow.session, order.member_id, order.start_date, end, order.id)
        order.end_date = end
        uow.audit("aot_order_changed", "aot_order", order.id, order.member_id,
                  f"ends {end.isoformat()}" if end else "open")


def remove_aot_order(app: AppSession, order_id: int) -> None:
    """Delete an AOT order entered in error."""
    with app.work(Permission.EDIT_ENROLMENT) as uow:
        order = _order(uow.session, order_id)
        member_id = order.member_id
        uow.session.delete(order)
        uow.audit("aot_order_removed", "aot_order", order_id, member_id)


def _month(value: ServiceMonth | str, today: date) -> ServiceMonth:
    if isinstance(value, ServiceMonth):
        month = value
    else:
        try:
            month = ServiceMonth.parse(str(value).strip())
        except ValueError:
            raise ValidationFailed("Write the month as YYYY-MM, for example 2024-03.") from None
    if month.index > ServiceMonth.of(today).index:
        raise ValidationFailed("That month is in the future; it cannot have been billed yet.")
    return month


def add_outreach_elsewhere(app: AppSession, member_id: int, month: ServiceMonth | str, agency: str,
                           today: date | None = None) -> int:
    """Record an outreach month another Health Home or care management agency billed for this member."""
    _require_any(app, Permission.BILLING, Permission.EDIT_ENROLMENT)
    chosen = _month(month, today or app.clock.today())
    name = " ".join(agency.split())
    if not name:
        raise ValidationFailed("Name the Health Home or agency that billed the month.")
    if len(name) > MAX_AGENCY_LENGTH:
        raise ValidationFailed(f"The agency name is longer than {MAX_AGENCY_LENGTH} characters; shorten it.")
    with app.work(None) as uow:
        get_member(uow.session, member_id)
        existing = uow.session.scalar(select(OutreachElsewhere).where(
            OutreachElsewhere.member_id == member_id, OutreachElsewhere.service_month == str(chosen)))
        if existing is not None:
            raise ValidationFailed(f"{chosen} is already recorded as billed by {existing.agency}.")
        record = OutreachElsewhere(member_id=member_id, service_month=str(chosen), agency=name, source="chart")
        uow.session.add(record)
        uow.session.flush()
        uow.audit("outreach_elsewhere_added", "outreach_elsewhere", record.id, member_id, str(chosen))
        return record.id


def remove_outreach_elsewhere(app: AppSession, record_id: int) -> None:
    """Delete an outreach month recorded in error."""
    _require_any(app, Permission.BILLING, Permission.EDIT_ENROLMENT)
    with app.work(None) as uow:
        record = uow.session.get(OutreachElsewhere, record_id)
        if record is None:
            raise NotFound("This outreach month is no longer on file; refresh the chart.")
        member_id, month = record.member_id, record.service_month
        uow.session.delete(record)
        uow.audit("outreach_elsewhere_removed", "outreach_elsewhere", record_id, member_id, month)


# ---- the CSV import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachImportReport:
    """What an import found and did; nothing is stored when there is any error or on a dry run."""

    rows: int
    imported: int
    already_on_file: int
    errors: tuple[OutreachLineProblem, ...]
    dry_run: bool
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            count = len(self.errors)
            return (f"Nothing was imported: {count} {'problem' if count == 1 else 'problems'} must be fixed "
                    "first (see the lines below).")
        kept = f"; {self.already_on_file:,} already on file" if self.already_on_file else ""
        if self.dry_run:
            return (f"Dry run: {_months(self.rows - self.already_on_file)} would be recorded{kept}; "
                    "nothing was changed.")
        return f"Recorded {_months(self.imported)} billed elsewhere{kept}."


def _months(count: int) -> str:
    return f"{count:,} outreach month{'' if count == 1 else 's'}"


def import_outreach_elsewhere(app: AppSession, path: str | Path, *, dry_run: bool = False,
                              today: date | None = None) -> OutreachImportReport:
    _require_any(app, Permission.IMPORT_DATA, Permission.BILLING)
    return import_outreach_elsewhere_text(app, read_text(Path(path)), dry_run=dry_run, today=today)


def import_outreach_elsewhere_text(app: AppSession, text: str, *, dry_run: bool = False,
                                   today: date | None = None) -> OutreachImportReport:
    """Check the whole file; store every row in one transaction only when no line has an error."""
    _require_any(app, Permission.IMPORT_DATA, Permission.BILLING)
    started = clock.perf_counter()
    today = today or app.clock.today()
    with app.work(None) as uow:
        session = uow.session
        # In turn with every other import before the months on file are read (a store file's BEGIN IMMEDIATE
        # already serialises writers): the same file from two workstations at once is stored once, and the
        # second finds its months already on file.
        take_turn(session, Turn.IMPORTS)
        ids: dict[str, int] = {medicaid_id: member_id for medicaid_id, member_id in
                               session.execute(select(Member.medicaid_id, Member.id))}
        result = parse_outreach_elsewhere_csv(text, ids.__contains__, today=today)
        existing = {(member_id, month): (record_id, agency) for record_id, member_id, month, agency in
                    session.execute(select(OutreachElsewhere.id, OutreachElsewhere.member_id,
                                           OutreachElsewhere.service_month, OutreachElsewhere.agency))}
        errors = list(result.errors)
        new_rows: list[OutreachElsewhereRow] = []
        already = 0
        for row in result.rows:
            on_file = existing.get((ids[row.medicaid_id], str(row.month)))
            if on_file is None:
                new_rows.append(row)
            elif on_file[1].casefold() == row.agency.casefold():
                already += 1
            else:
                errors.append(OutreachLineProblem(row.line, "agency", "This member's month is already recorded "
                                                                      "as billed by another agency; correct "
                                                                      "it in the chart first."))
        errors.sort(key=lambda problem: problem.line)
        if errors or dry_run:
            return OutreachImportReport(len(result.rows), 0, already, tuple(errors), dry_run,
                                        clock.perf_counter() - started)
        members: dict[int, int] = {}
        for row in new_rows:
            member_id = ids[row.medicaid_id]
            session.add(OutreachElsewhere(member_id=member_id, service_month=str(row.month), agency=row.agency,
                                          source="import"))
            members[member_id] = members.get(member_id, 0) + 1
        for member_id, count in members.items():
            uow.audit("outreach_elsewhere_imported", "member", member_id, member_id, f"{count} months")
        uow.audit("outreach_elsewhere_import", "file", "", None,
                  f"{len(new_rows)} months for {len(members)} members, {already} already on file")
    return OutreachImportReport(len(result.rows), len(new_rows), already, (), False,
                                clock.perf_counter() - started)
