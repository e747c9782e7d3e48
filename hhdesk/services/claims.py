"""After a claim file is sent: replacement and void claims, the payers' 999/277CA/835 files, and the work list.

Every claim the billing export writes is kept (`BillingClaim`) with the file it went in. The payers' answers
are matched to those claims: a 999 by the claim file's group control number and transaction set, a 277CA
and an 835 by the claim's patient control number (CLM01, the Medicaid ID and the month), the most recent
claim with that number first. An imported file is refused whole if pyx12 finds it invalid or if it was
imported before (same SHA-256). What does not match an exported claim is reported, never guessed at.

Replacement (frequency 7) and void (8) claims go to the payer of the original claim with the payer's claim
number of the original (from its 277CA or 835, or typed by the clerk from the payer's paper remittance).
See docs/billing.md, "Corrections" and "Acknowledgements and remittances".
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.clock import local_naive, utc_naive
from hhdesk.db.models import BillingClaim, BillingResponseFile, BillingRun, Member
from hhdesk.db.turns import Turn, take_turn
from hhdesk.domain import remittance_codes as codes
from hhdesk.domain.payers import filing_deadline
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_data import BillingRow, ExportError, MissingSettingsError
from hhdesk.exports.x12 import (
    FREQUENCY_REPLACEMENT,
    FREQUENCY_VOID,
    ControlNumbers,
    claim_identifier,
    write_837,
)
from hhdesk.exports.x12_responses import (
    KIND_277CA,
    KIND_835,
    KIND_999,
    ResponseFile,
    ResponseFileError,
    read_response,
)
from hhdesk.services import billing
from hhdesk.services import settings as settings_service
from hhdesk.services.billing import exporting as billing_files
from hhdesk.services.billing.profile import read_billing_settings
from hhdesk.services.context import AppSession

__all__ = ["ClaimCorrection", "ClaimView", "ImportResult", "claims_of_month", "correct_claims",
           "import_response", "reconciliation", "unpaid_claims"]

# Statuses a claim moves through; the work list shows those not (yet) paid.
OPEN_STATUSES = ("rejected", "denied", "reversed", "sent", "accepted")
STATUS_WORDS = {
    "sent": "Sent, no answer yet", "accepted": "Accepted, not paid yet", "rejected": "Rejected",
    "denied": "Denied", "paid": "Paid", "adjusted": "Paid in part (adjusted)", "reversed": "Payment reversed",
    "replaced": "Replaced by a later claim", "voided": "Voided",
}


@dataclass(frozen=True)
class ClaimView:
    id: int
    member_id: int | None
    medicaid_id: str
    member_name: str
    service_month: str
    claim_id: str
    payer_code: str
    frequency: str
    amount: Decimal
    paid_amount: Decimal | None
    status: str
    status_detail: str
    payer_claim_number: str
    sent_at: datetime  # UTC, naive
    file_name: str
    filing_deadline: date | None = None

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)


@dataclass(frozen=True)
class ClaimCorrection:
    """Replace (frequency 7) or void (8) the claim sent for a member-month."""

    medicaid_id: str
    kind: str  # "replace" | "void"
    payer_claim_number: str = ""  # the original's, when the store does not have it yet


@dataclass(frozen=True)
class ImportResult:
    kind: str
    matched: int
    unmatched: list[str]  # what in the file matched no exported claim (claim ids or sets), for the clerk
    counts: dict[str, int]  # claims by their new status
    paid_total: Decimal | None = None
    months: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        text = [f"{self.kind}: {self.matched} matched"]
        text += [f"{STATUS_WORDS.get(status, status)}: {count}" for status, count in sorted(self.counts.items())]
        if self.paid_total is not None:
            text.append(f"Paid in this remittance: ${self.paid_total:,.2f}")
        if self.unmatched:
            text.append(f"Not among the exported claims: {len(self.unmatched)} ({', '.join(self.unmatched[:5])}"
                        + (" ..." if len(self.unmatched) > 5 else "") + ")")
        return text


# -- reading the claims ------------------------------------------------------------------------------------


def _views(session: Session, query, payers: dict | None = None) -> list[ClaimView]:  # type: ignore[no-untyped-def]
    from hhdesk.services.payers import payers_in

    payers = payers if payers is not None else payers_in(session)
    views = []
    for claim, run, last, first in session.execute(query).all():
        payer = payers.get(claim.payer_code)
        deadline = (filing_deadline(ServiceMonth.parse(claim.service_month), payer.filing_limit_days)
                    if payer else None)
        views.append(ClaimView(
            claim.id, claim.member_id, claim.medicaid_id, f"{last}, {first}" if last else "", claim.service_month,
            claim.claim_id, claim.payer_code, claim.frequency, Decimal(claim.amount or "0"),
            Decimal(claim.paid_amount) if claim.paid_amount else None, claim.status, claim.status_detail,
            claim.payer_claim_number, run.created_at, run.file_name, deadline))
    return views


def _claim_query():  # type: ignore[no-untyped-def]
    return (select(BillingClaim, BillingRun, Member.last_name, Member.first_name)
            .join(BillingRun, BillingRun.id == BillingClaim.run_id)
            .outerjoin(Member, Member.id == BillingClaim.member_id))


def claims_of_month(app: AppSession, month: str | ServiceMonth) -> list[ClaimView]:
    """Every claim sent for the month, newest first, with what the payers said about it."""
    service_month = billing.parse_month(month)
    with app.read(Permission.BILLING) as session:
        return _views(session, _claim_query().where(BillingClaim.service_month == str(service_month))
                      .order_by(BillingClaim.id.desc()))


def unpaid_claims(app: AppSession) -> list[ClaimView]:
    """The clerk's work list: claims denied, rejected, reversed, or not answered or paid yet; denied first.

    Only a member-month's latest claim to a payer is listed (a replaced or voided one is settled by its
    successor).
    """
    with app.read(Permission.BILLING) as session:
        views = _views(session, _claim_query().where(BillingClaim.status.in_(OPEN_STATUSES))
                       .order_by(BillingClaim.service_month, BillingClaim.id))
    order = {"denied": 0, "rejected": 1, "reversed": 2, "accepted": 3, "sent": 4}
    return sorted(views, key=lambda view: (order.get(view.status, 9), view.service_month, view.member_name))


# -- corrections --------------------------------------------------------------------------------------------


def _latest_claim(session: Session, medicaid_id: str, month: ServiceMonth) -> BillingClaim | None:
    return session.execute(
        select(BillingClaim).where(BillingClaim.medicaid_id == medicaid_id,
                                   BillingClaim.service_month == str(month),
                                   BillingClaim.frequency != FREQUENCY_VOID,
                                   BillingClaim.status.not_in(("replaced", "voided")))
        .order_by(BillingClaim.id.desc()).limit(1)).scalar_one_or_none()


def correct_claims(app: AppSession, month: str | ServiceMonth, corrections: list[ClaimCorrection],
                   out_path: str | Path, *, today: date | None = None) -> billing.ExportOutcome:
    """Write replacement (7) and void (8) claims for member-months already sent, one file per payer.

    A replacement carries the month as the rules see it now (it must still be billable); a void repeats the
    original claim's rate code and amount. Each names the payer's claim number of the original (REF*F8).
    """
    app.require(Permission.BILLING)
    service_month = billing.parse_month(month)
    if not corrections:
        raise ValidationFailed("Choose at least one member-month to replace or void.")
    out = Path(out_path).expanduser()
    billing_files.check_output(out)
    result = billing.preview(app, service_month, today=today)
    rows = {item.medicaid_id: item.row for item in result.rows}
    with app.read(Permission.BILLING) as session:
        values, claim_settings = read_billing_settings(session)
        profile = billing.profile_from_settings(values)
        billing_files.check_claim_format(profile, billing.recommended_claim_format(profile))
        problems: list[str] = []
        corrected: list[tuple[BillingRow, int, str]] = []  # row, original claim id, payer code
        for number, correction in enumerate(corrections, start=1):
            kind = correction.kind.strip().lower()
            if kind not in ("replace", "void"):
                problems.append(f"line {number}: say replace or void")
                continue
            original = _latest_claim(session, correction.medicaid_id.strip(), service_month)
            if original is None:
                problems.append(f"line {number}: no claim was sent for this member in {service_month}")
                continue
            payer_number = correction.payer_claim_number.strip() or original.payer_claim_number
            if not payer_number:
                problems.append(f"line {number}: the payer's claim number of the original claim is not known yet; "
                                "import the payer's 277CA or 835, or type it from the remittance")
                continue
            row = rows.get(original.medicaid_id)
            if row is None:
                problems.append(f"line {number}: the member has no segment in {service_month} any more")
                continue
            if kind == "replace":
                if not row.evaluation.billable:
                    reason = row.evaluation.reason.value if row.evaluation.reason else ""
                    problems.append(f"line {number}: the month is no longer billable ({reason}); void the claim "
                                    "instead")
                    continue
                if row.payer_code != original.payer_code:
                    problems.append(f"line {number}: the payer changed from {original.payer_code} to "
                                    f"{row.payer_code}; void the claim and send an original to the new payer")
                    continue
                new_row = replace(row, claim_frequency=FREQUENCY_REPLACEMENT, payer_claim_number=payer_number)
            else:
                evaluation = replace(row.evaluation, billable=True, reason=None, rate_code=original.rate_code,
                                     amount=Decimal(original.amount))
                new_row = replace(row, evaluation=evaluation, claim_frequency=FREQUENCY_VOID,
                                  payer_claim_number=payer_number, payer_code=original.payer_code)
            corrected.append((new_row, original.id, original.payer_code))
        if problems:
            raise ValidationFailed("The corrections cannot be written: " + "; ".join(problems) + ".", problems)
    with app.work(Permission.BILLING) as uow:
        take_turn(uow.session, Turn.BILLING_FILES)  # the control numbers: the last any workstation used
        current = settings_service.read_all(uow.session)
        interchange = billing_files.next_control_number(current.interchange_control_number)
        group = billing_files.next_control_number(current.group_control_number)
        planned = []
        originals: dict[str, int] = {}
        for code in sorted({payer for _row, _id, payer in corrected}):
            payer = result.payers.get(code)
            if payer is None:
                raise ValidationFailed(f"The payer {code} is no longer in the payer table.")
            payer_rows = [row for row, _id, payer_code in corrected if payer_code == code]
            try:
                claim_file = write_837(payer_rows, claim_settings.for_payer(payer), profile,
                                       ControlNumbers(interchange, group), local_naive(app.clock.now()))
            except ExportError as exc:
                found = list(exc.problems) if isinstance(exc, MissingSettingsError) else [str(exc)]
                raise ValidationFailed(str(exc), found) from None
            planned.append(billing_files.PlannedFile(
                billing.claim_file_path(out, code), claim_file.data, code, len(payer_rows), claim_file.claim_count,
                claim_file.total_amount, ControlNumbers(interchange, group), claim_file.claims))
            interchange = billing_files.next_control_number(interchange)
            group = billing_files.next_control_number(group)
        for row, original_id, _code in corrected:
            originals[claim_identifier(row)] = original_id
        return billing.write_planned_files(
            uow, app, service_month, billing.recommended_claim_format(profile), planned, repeat_reason="",
            late_reason="", correction=True, member_ids=billing_files.member_ids_of(uow.session, [r for r, _i, _c in corrected]),
            originals=originals)


# -- imports ------------------------------------------------------------------------------------------------


def _adjustment_words(payment_adjustments, remarks) -> str:  # type: ignore[no-untyped-def]
    parts = [f"{a.group} {codes.carc_words(a.reason)} (${a.amount:,.2f})" for a in payment_adjustments]
    parts += [codes.rarc_words(remark) for remark in remarks]
    return "; ".join(parts)


def _claims_by_id(session: Session, claim_ids: set[str]) -> dict[str, list[BillingClaim]]:
    found: dict[str, list[BillingClaim]] = {}
    if not claim_ids:
        return found
    for claim in session.execute(select(BillingClaim).where(BillingClaim.claim_id.in_(claim_ids))
                                 .order_by(BillingClaim.id.desc())).scalars():
        found.setdefault(claim.claim_id, []).append(claim)
    return found


def _pick(claims: list[BillingClaim], payer_claim_number: str = "") -> BillingClaim:
    """The claim a response is about: the one with its payer claim number, else the most recent."""
    if payer_claim_number:
        for claim in claims:
            if claim.payer_claim_number == payer_claim_number:
                return claim
    return claims[0]


def _apply_999(session: Session, response: ResponseFile, counts: Counter[str], unmatched: list[str],
               now: datetime) -> int:
    matched = 0
    for ack in response.acknowledgements:
        try:
            group = int(ack.group_control_number)
        except ValueError:
            unmatched.append(f"group {ack.group_control_number}")
            continue
        runs = session.execute(select(BillingRun.id).where(BillingRun.group_control_number == group)).scalars().all()
        claims = session.execute(select(BillingClaim).where(BillingClaim.run_id.in_(runs),
                                                            BillingClaim.transaction_set == ack.transaction_set)
                                 ).scalars().all() if runs else []
        if not claims:
            unmatched.append(f"group {group} set {ack.transaction_set}")
            continue
        for claim in claims:
            matched += 1
            if ack.accepted:
                if claim.status == "sent":
                    claim.status = "accepted"
                    claim.status_detail = "999: " + codes.SET_ACKNOWLEDGEMENT_999.get(ack.code, ack.code)
            else:
                claim.status = "rejected"
                claim.status_detail = ("999: the claim file's transaction set was "
                                       + codes.SET_ACKNOWLEDGEMENT_999.get(ack.code, ack.code)
                                       + (f" ({'; '.join(ack.errors)})" if ack.errors else ""))
            claim.status_at = now
            counts[claim.status] += 1
    return matched


def _apply_277ca(session: Session, response: ResponseFile, counts: Counter[str], unmatched: list[str],
                 now: datetime) -> int:
    found = _claims_by_id(session, {claim.claim_id for claim in response.claims})
    matched = 0
    for ack in response.claims:
        if ack.claim_id not in found:
            unmatched.append(ack.claim_id)
            continue
        claim = _pick(found[ack.claim_id], ack.payer_claim_number)
        matched += 1
        categories = [category for category, _status in ack.statuses]
        words = ", ".join(f"{category} ({codes.STATUS_CATEGORY_277.get(category, 'see the payer')}), status {status}"
                          for category, status in ack.statuses)
        if any(category in codes.REJECTED_CATEGORIES_277 for category in categories):
            claim.status = "rejected"
        elif claim.status in ("sent", "accepted", "rejected"):
            claim.status = "accepted"
        claim.status_detail = "277CA " + words
        if ack.payer_claim_number:
            claim.payer_claim_number = ack.payer_claim_number
        claim.status_at = now
        counts[claim.status] += 1
    return matched


def _apply_835(session: Session, response: ResponseFile, counts: Counter[str], unmatched: list[str],
               now: datetime) -> int:
    found = _claims_by_id(session, {payment.claim_id for payment in response.payments})
    matched = 0
    for payment in response.payments:
        if payment.claim_id not in found:
            unmatched.append(payment.claim_id)
            continue
        claim = _pick(found[payment.claim_id], payment.payer_claim_number)
        matched += 1
        if payment.status_code == "22":
            status = "reversed"
        elif payment.status_code == "4" or payment.paid <= 0:
            status = "denied"
        elif payment.paid == payment.charge and not payment.adjustments:
            status = "paid"
        else:
            status = "adjusted"
        claim.status = status
        claim.paid_amount = f"{payment.paid.quantize(Decimal('0.01'))}"
        claim.status_detail = _adjustment_words(payment.adjustments, payment.remarks) or (
            "835: " + codes.CLAIM_STATUS_835.get(payment.status_code, payment.status_code))
        if payment.payer_claim_number:
            claim.payer_claim_number = payment.payer_claim_number
        claim.status_at = now
        counts[status] += 1
    return matched


def import_response(app: AppSession, path: str | Path) -> ImportResult:
    """Apply a payer's 999, 277CA or 835 to the exported claims: all of the file, or nothing of it."""
    source = Path(path).expanduser()
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"The file {source.name} could not be read ({exc.strerror or 'error'}).") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        response = read_response(data)
    except ResponseFileError as exc:
        raise ValidationFailed(str(exc)) from None
    counts: Counter[str] = Counter()
    unmatched: list[str] = []
    with app.work(Permission.BILLING) as uow:
        earlier = uow.session.execute(select(BillingResponseFile).where(
            BillingResponseFile.file_sha256 == digest)).scalar_one_or_none()
        if earlier is not None:
            raise ValidationFailed(
                f"This {earlier.kind} file was imported before (on {earlier.imported_at:%m/%d/%Y}); nothing was changed.")
        if response.kind == KIND_999:
            matched = _apply_999(uow.session, response, counts, unmatched, utc_naive(uow.clock.now()))
        elif response.kind == KIND_277CA:
            matched = _apply_277ca(uow.session, response, counts, unmatched, utc_naive(uow.clock.now()))
        else:
            matched = _apply_835(uow.session, response, counts, unmatched, utc_naive(uow.clock.now()))
        if not matched:
            raise ValidationFailed(
                f"Nothing in this {response.kind} file matches a claim exported from this store "
                f"({len(unmatched)} item(s) not found); was it meant for another agency or store? Nothing was changed.")
        paid_total = (sum((p.paid for p in response.payments), Decimal("0")) if response.kind == KIND_835 else None)
        result = ImportResult(response.kind, matched, unmatched, dict(counts), paid_total)
        record = BillingResponseFile(kind=response.kind, file_name=str(source), file_sha256=digest,
                                     imported_by_id=app.actor.user_id, summary="; ".join(result.lines()))
        uow.session.add(record)
        uow.session.flush()
        uow.audit("billing_response_imported", "billing_response_file", record.id,
                  detail=f"{response.kind}, {matched} claims matched, {len(unmatched)} not matched, sha256 {digest}")
    return result


def reconciliation(app: AppSession, month: str | ServiceMonth) -> dict[str, int]:
    """The month's exported member-months by where their latest claim stands (for the history and the CLI)."""
    views = claims_of_month(app, month)
    latest: dict[tuple[str, str], ClaimView] = {}
    for view in views:  # newest first
        latest.setdefault((view.medicaid_id, view.payer_code), view)
    return dict(Counter(view.status for view in latest.values()))

