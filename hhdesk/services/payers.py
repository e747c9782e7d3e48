"""The agency's payer table and each member's payer over time (docs/billing.md, "Payers").

The payer table (Medicaid fee-for-service and each managed-care plan) is kept by administrators: its
receiver and payer identifiers go on the claim file of that payer, and its filing limit drives the
timely-filing warning. A member's payer is recorded as effective-dated periods, like the tier: from a date
on, the member's months go to one payer. Staff who edit demographics (care managers, billing clerks) record
them in the chart (Enrolment tab) or through the roster import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import Member, MemberPayerPeriod, Payer
from hhdesk.domain.payers import check_filing_limit, check_payer_code
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.exports.billing_data import PayerInfo
from hhdesk.services.context import AppSession

__all__ = ["MemberPayerPeriodView", "PayerInfo", "add_member_payer", "list_payers", "member_payers",
           "payer_by_code", "remove_member_payer", "save_payer"]


@dataclass(frozen=True)
class MemberPayerPeriodView:
    id: int
    payer_code: str
    payer_name: str
    effective_date: date
    note: str


def _info(payer: Payer) -> PayerInfo:
    return PayerInfo(code=payer.code, name=payer.name, payer_id=payer.payer_id, receiver_id=payer.receiver_id,
                     receiver_name=payer.receiver_name, filing_limit_days=payer.filing_limit_days,
                     fee_for_service=payer.fee_for_service, active=payer.active, id=payer.id)


def payers_in(session: Session) -> dict[str, PayerInfo]:
    """Every payer by code, inside the caller's transaction."""
    return {payer.code: _info(payer) for payer in session.execute(select(Payer).order_by(Payer.code)).scalars()}


def list_payers(app: AppSession) -> list[PayerInfo]:
    with app.read(None) as session:
        return list(payers_in(session).values())


def payer_by_code(app: AppSession, code: str) -> PayerInfo:
    with app.read(None) as session:
        payer = payers_in(session).get(code.strip().upper())
    if payer is None:
        raise NotFound(f"There is no payer with the code {code.strip()[:20]!r} in the payer table.")
    return payer


def check_payer(payer: PayerInfo) -> list[str]:
    """What is wrong with a payer row, in the settings window's words (empty: nothing)."""
    problems: list[str] = []
    try:
        check_payer_code(payer.code)
    except ValueError as exc:
        problems.append(str(exc).capitalize() + ".")
    for label, value, limit in (("Payer name", payer.name, 60), ("Payer ID", payer.payer_id, 80),
                                ("Receiver ID", payer.receiver_id, 15), ("Receiver name", payer.receiver_name, 60)):
        if not value.strip():
            problems.append(f"{label} is required.")
        elif len(value.strip()) > limit:
            problems.append(f"{label} must be at most {limit} characters.")
    try:
        check_filing_limit(payer.filing_limit_days)
    except ValueError as exc:
        problems.append(str(exc).capitalize() + ".")
    return problems


def save_payer(app: AppSession, payer: PayerInfo) -> PayerInfo:
    """Add a payer, or change the one with the same code (administrators)."""
    problems = check_payer(payer)
    if problems:
        raise ValidationFailed(problems[0], problems)
    code = check_payer_code(payer.code)
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        row = uow.session.execute(select(Payer).where(Payer.code == code)).scalar_one_or_none()
        if row is None:
            row = Payer(code=code)
            uow.session.add(row)
        row.name, row.payer_id = payer.name.strip(), payer.payer_id.strip()
        row.receiver_id, row.receiver_name = payer.receiver_id.strip(), payer.receiver_name.strip()
        row.filing_limit_days, row.fee_for_service, row.active = (payer.filing_limit_days, payer.fee_for_service,
                                                                  payer.active)
        uow.session.flush()
        uow.audit("payer_saved", "payer", row.id, detail=f"{code}, filing limit {row.filing_limit_days} days")
        return _info(row)


def member_payers(app: AppSession, member_id: int) -> list[MemberPayerPeriodView]:
    """The member's payer periods, newest first."""
    with app.read(Permission.VIEW_MEMBERS) as session:
        rows = session.execute(
            select(MemberPayerPeriod, Payer.code, Payer.name).join(Payer, Payer.id == MemberPayerPeriod.payer_id)
            .where(MemberPayerPeriod.member_id == member_id)
            .order_by(MemberPayerPeriod.effective_date.desc(), MemberPayerPeriod.id.desc())
        ).all()
    return [MemberPayerPeriodView(period.id, code, name, period.effective_date, period.note)
            for period, code, name in rows]


def record_member_payer(session: Session, member_id: int, payer_code: str, effective: date,
                        note: str = "") -> MemberPayerPeriod:
    """Add a payer period inside the caller's transaction (the roster import uses it too)."""
    payer = session.execute(select(Payer).where(Payer.code == payer_code.strip().upper())).scalar_one_or_none()
    if payer is None:
        raise ValidationFailed(
            f"There is no payer with the code {payer_code.strip()[:20]!r}; an administrator adds it to the payer "
            "table under Billing settings.")
    clash = session.execute(select(MemberPayerPeriod).where(
        MemberPayerPeriod.member_id == member_id, MemberPayerPeriod.effective_date == effective)).scalar_one_or_none()
    if clash is not None:
        raise ValidationFailed(
            f"A payer already starts on {effective:%m/%d/%Y} for this member; remove that entry first if it was "
            "entered in error.")
    period = MemberPayerPeriod(member_id=member_id, payer_id=payer.id, effective_date=effective, note=note.strip())
    session.add(period)
    session.flush()
    return period


def add_member_payer(app: AppSession, member_id: int, payer_code: str, effective: date,
                     note: str = "") -> MemberPayerPeriodView:
    """From `effective` on, the member's months are billed to this payer (Medicaid plan or fee-for-service)."""
    with app.work(Permission.EDIT_DEMOGRAPHICS) as uow:
        if uow.session.get(Member, member_id) is None:
            raise NotFound("That member is not in the store.")
        period = record_member_payer(uow.session, member_id, payer_code, effective, note)
        payer = uow.session.get(Payer, period.payer_id)
        assert payer is not None
        uow.audit("member_payer_added", "member_payer_period", period.id, member_id=member_id,
                  detail=f"{payer.code} from {effective.isoformat()}")
        return MemberPayerPeriodView(period.id, payer.code, payer.name, period.effective_date, period.note)


def remove_member_payer(app: AppSession, period_id: int) -> None:
    """Remove a payer period entered in error."""
    with app.work(Permission.EDIT_DEMOGRAPHICS) as uow:
        period = uow.session.get(MemberPayerPeriod, period_id)
        if period is None:
            raise NotFound("That payer entry is no longer in the store.")
        member_id = period.member_id
        uow.session.delete(period)
        uow.audit("member_payer_removed", "member_payer_period", period_id, member_id=member_id)
