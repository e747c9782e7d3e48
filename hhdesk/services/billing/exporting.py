"""Exporting a month: the files written whole or not at all, and the billing run recorded with them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.clock import local_naive, utc_naive
from hhdesk.db.models import (
    BillingClaim,
    BillingRun,
    Member,
)
from hhdesk.db.turns import Turn, take_turn
from hhdesk.domain.billing_profile import BillingProfile, ClaimType
from hhdesk.domain.enums import (
    BillingReason,
)
from hhdesk.domain.permissions import Permission
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.errors import ValidationFailed
from hhdesk.exports.billing_csv import billing_csv_bytes
from hhdesk.exports.billing_data import (
    BillingRow,
    ClaimSettings,
    ExportError,
    MissingSettingsError,
    check_claim_settings,
)
from hhdesk.exports.billing_support import billing_support_bytes
from hhdesk.exports.x12 import MAX_CONTROL_NUMBER, ControlNumbers, claim_problems, write_837
from hhdesk.private_files import publish_staged, stage_private_file
from hhdesk.services import settings as settings_service
from hhdesk.services.billing.history import run_info, runs_of
from hhdesk.services.billing.labels import ExportFormat
from hhdesk.services.billing.preview import ProgressCallback, compute_preview
from hhdesk.services.billing.profile import (
    profile_from_settings,
    read_billing_settings,
    recommended_claim_format,
)
from hhdesk.services.billing.read_models import (
    AlreadyExported,
    BillingPreview,
    BillingRunInfo,
    ExportOutcome,
    PastFilingLimit,
    parse_format,
    parse_month,
)
from hhdesk.services.context import AppSession
from hhdesk.services.settings import Settings

# ---- exporting ----------------------------------------------------------------------------------------


def default_file_name(month: str | ServiceMonth, export_format: str | ExportFormat) -> str:
    chosen = parse_format(export_format)
    return f"billing-{parse_month(month)}-{chosen.value}{chosen.suffix}"


def _already_exported(month: ServiceMonth, export_format: ExportFormat,
                      earlier: list[BillingRunInfo]) -> AlreadyExported:
    last = earlier[0]
    when = last.created_local.strftime("%m/%d/%Y %H:%M")
    times = "once" if len(earlier) == 1 else f"{len(earlier)} times"
    return AlreadyExported(
        f"{month} was already exported as {export_format.value} {times} (last on {when} by "
        f"{last.created_by or 'someone'}). Exporting it again could bill the month twice: give a reason "
        "for exporting it again.", earlier)


def check_claim_format(profile: BillingProfile, export_format: ExportFormat) -> None:
    claim_type = export_format.claim_type
    if claim_type is None or claim_type is profile.claim.claim_type:
        return
    wanted = recommended_claim_format(profile)
    kind = "institutional" if profile.claim.claim_type is ClaimType.INSTITUTIONAL else "professional"
    raise ValidationFailed(
        f"The billing profile in use ({profile.title}) bills on the {kind} claim "
        f"({profile.claim.claim_type.value}), so choose the {wanted.value} export, not {export_format.value}. "
        "If the agency bills another way, an administrator changes the billing profile under Billing settings."
    )


def check_output(out: Path) -> None:
    if out.is_dir():
        raise ValidationFailed(f"{out} is a folder: give a file name to export to.")
    if not out.parent.is_dir():
        raise ValidationFailed(f"The folder {out.parent} does not exist: choose another place for the file.")
    if not os.access(out.parent, os.W_OK):
        raise ValidationFailed(f"hhdesk may not write in {out.parent}: choose a folder you can write to.")


def next_control_number(value: Any) -> int:
    last = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return 1 if last < 0 or last >= MAX_CONTROL_NUMBER else last + 1


def _write_temporary(out: Path, data: bytes) -> Path:
    """The file's bytes, written and flushed beside the target, ready for an atomic rename."""
    try:
        return stage_private_file(out, data)
    except OSError as exc:
        raise ValidationFailed(
            f"The file could not be written in {out.parent} ({exc.strerror or 'disk error'}); nothing was exported."
        ) from None


def claim_file_path(out: Path, payer_code: str) -> Path:
    """Where one payer's claim file goes: the chosen name with the payer's code, claims.x12 -> claims-FFS.x12."""
    return out.with_name(f"{out.stem}-{payer_code}{out.suffix or '.x12'}")


@dataclass
class PlannedFile:
    path: Path
    data: bytes
    payer_code: str
    member_months: int
    billable: int
    total: Decimal
    control: ControlNumbers | None = None
    claims: tuple[tuple[str, str, BillingRow], ...] = ()
    temporary: Path | None = None


def _late_months(month: ServiceMonth, warnings: list[str]) -> PastFilingLimit:
    return PastFilingLimit(
        f"Some claims of {month} are past their payer's filing limit: " + "; ".join(warnings)
        + ". The payer may deny them (CARC 29). To send them anyway, give the reason they are late "
        "(for example a retroactive eligibility decision, or a delay the payer caused).", warnings)


def _claim_files(result: BillingPreview, rows: list[BillingRow], profile: BillingProfile,
                 claim_settings: ClaimSettings, out: Path, current: Settings,
                 created_at: datetime) -> list[PlannedFile]:
    """One claim file per payer of the billable rows, with consecutive control numbers."""
    problems = claim_problems(rows, profile)
    if problems and result.not_billable.get(BillingReason.NO_PAYER) and not result.billable_count:
        problems.append(f"{result.not_billable[BillingReason.NO_PAYER]} member-month(s) have no payer recorded: "
                        "record each member's Medicaid plan or fee-for-service in the chart")
    if problems:
        message = "The claim file cannot be written: " + "; ".join(problems) + "."
        raise ValidationFailed(message, problems)
    by_payer: dict[str, list[BillingRow]] = {}
    for row in rows:
        if row.evaluation.billable:
            by_payer.setdefault(row.payer_code, []).append(row)
    interchange = next_control_number(current.interchange_control_number)
    group = next_control_number(current.group_control_number)
    planned: list[PlannedFile] = []
    for code in sorted(by_payer):
        payer = result.payers.get(code)
        if payer is None:  # cannot happen: the preview names only payers in the table
            raise ValidationFailed(f"The payer {code} is not in the payer table any more; preview the month again.")
        control = ControlNumbers(interchange, group)
        try:
            claim_file = write_837(by_payer[code], claim_settings.for_payer(payer), profile, control, created_at)
        except ExportError as exc:
            problems = list(exc.problems) if isinstance(exc, MissingSettingsError) else [str(exc)]
            raise ValidationFailed(str(exc), problems) from None
        planned.append(PlannedFile(
            claim_file_path(out, code), claim_file.data, code, sum(1 for row in rows if row.payer_code == code),
            claim_file.claim_count, claim_file.total_amount, control, claim_file.claims))
        interchange = next_control_number(interchange)
        group = next_control_number(group)
    return planned


def _record_claims(session: Session, run: BillingRun, planned: PlannedFile,
                   member_ids: dict[str, int]) -> None:
    for claim_id, transaction_set, row in planned.claims:
        session.add(BillingClaim(
            run_id=run.id, member_id=member_ids.get(row.medicaid_id), medicaid_id=row.medicaid_id,
            service_month=str(row.evaluation.service_month), claim_id=claim_id, transaction_set=transaction_set,
            frequency=row.claim_frequency, payer_code=planned.payer_code, rate_code=row.evaluation.rate_code or "",
            amount=f"{(row.evaluation.amount or Decimal('0')).quantize(Decimal('0.01'))}", status="sent",
        ))


def write_planned_files(uow: Any, app: AppSession, service_month: ServiceMonth, export_format: ExportFormat,
                        planned: list[PlannedFile], *, repeat_reason: str, late_reason: str, correction: bool,
                        member_ids: dict[str, int], originals: dict[str, int] | None = None) -> ExportOutcome:
    """Record a run per planned file (and its claims) and put the files in place, all or nothing.

    Called inside the caller's unit of work; the files are renamed into place as its last step, and removed
    again if the transaction does not commit.
    """
    runs: list[BillingRunInfo] = []
    renamed: list[Path] = []
    try:
        for item in planned:
            item.temporary = _write_temporary(item.path, item.data)
        last_control: ControlNumbers | None = None
        for item in planned:
            digest = hashlib.sha256(item.data).hexdigest()
            run = BillingRun(
                service_month=str(service_month), format=export_format.value, created_by_id=app.actor.user_id,
                file_name=str(item.path), file_sha256=digest, member_months=item.member_months,
                billable_count=item.billable, total_amount=f"{item.total.quantize(Decimal('0.01'))}",
                interchange_control_number=item.control.interchange if item.control else None,
                group_control_number=item.control.group if item.control else None,
                repeat_reason=repeat_reason, payer_code=item.payer_code, late_reason=late_reason,
                correction=correction,
            )
            uow.session.add(run)
            uow.session.flush()
            _record_claims(uow.session, run, item, member_ids)
            if originals:
                uow.session.flush()
                _link_originals(uow.session, run, originals, utc_naive(uow.clock.now()))
            last_control = item.control or last_control
            detail = (f"month {service_month}, format {export_format.value}, {item.member_months} member-months, "
                      f"{item.billable} billable, total {run.total_amount}, sha256 {digest}")
            if item.payer_code:
                detail += f", payer {item.payer_code}"
            if item.control is not None:
                detail += f", control numbers {item.control.interchange}/{item.control.group}"
            if repeat_reason:
                detail += f", exported again: {repeat_reason}"
            if late_reason:
                detail += f", past the filing limit: {late_reason}"
            if correction:
                detail += ", replacement and void claims"
            uow.audit("billing_export", "billing_run", run.id, detail=detail)
            runs.append(run_info(run, app.actor.username))
        if last_control is not None:
            settings_service.put(uow.session, "interchange_control_number", last_control.interchange)
            settings_service.put(uow.session, "group_control_number", last_control.group)
        uow.session.flush()
        for item in planned:
            assert item.temporary is not None
            try:
                publish_staged(item.temporary, item.path)
            except OSError as exc:
                raise ValidationFailed(
                    f"The file could not be saved as {item.path} ({exc.strerror or 'disk error'}); nothing was "
                    "exported.") from None
            renamed.append(item.path)
    except BaseException:
        for item in planned:
            if item.temporary is not None:
                item.temporary.unlink(missing_ok=True)
        for path in renamed:  # the record did not commit, so neither may the files
            path.unlink(missing_ok=True)
        raise
    return ExportOutcome(tuple(runs))


def _link_originals(session: Session, run: BillingRun, originals: dict[str, int], now: datetime) -> None:
    """Point each correction claim of the run at the claim it replaces or voids, and mark that one."""
    for claim in session.execute(select(BillingClaim).where(BillingClaim.run_id == run.id)).scalars():
        original_id = originals.get(claim.claim_id)
        if original_id is None:
            continue
        claim.original_claim_id = original_id
        original = session.get(BillingClaim, original_id)
        if original is not None:
            original.status = "replaced" if claim.frequency == "7" else "voided"
            original.status_detail = ("a replacement claim was sent" if claim.frequency == "7"
                                      else "a void of this claim was sent")
            original.status_at = now


def member_ids_of(session: Session, rows: Iterable[BillingRow]) -> dict[str, int]:
    wanted = {row.medicaid_id for row in rows if row.evaluation.billable}
    if not wanted:
        return {}
    return dict(session.execute(select(Member.medicaid_id, Member.id).where(Member.medicaid_id.in_(wanted))).all())


def export(app: AppSession, month: str | ServiceMonth, fmt: str | ExportFormat, out_path: str | Path,
           reason: str | None = None, progress: ProgressCallback | None = None, *,
           late_reason: str | None = None, today: date | None = None) -> ExportOutcome:
    """Write the month's file(s) in one format and record the export (a `BillingRun` per file, an audit event each).

    A claim format writes one file per payer (`claim_file_path`), each with its payer's receiver and payer
    identifiers and its own control numbers, and records every claim it holds. Refuses (ValidationFailed) a
    month already exported in this format unless `reason` says why (`AlreadyExported`); claims past their
    payer's filing limit on `today` unless `late_reason` says why (`PastFilingLimit`); a claim format other than
    the profile's; missing or malformed claim settings, naming each; rows a claim cannot carry. The files
    appear whole, together with their records, or not at all.
    """
    app.require(Permission.BILLING)
    service_month = parse_month(month)
    export_format = parse_format(fmt)
    out = Path(out_path).expanduser()
    repeat_reason = (reason or "").strip()
    late = (late_reason or "").strip()
    check_output(out)

    def step(done: int, text: str) -> None:
        if progress:
            progress(done, 5, text)

    step(0, "Checking the settings")
    with app.read(Permission.BILLING) as session:
        values, claim_settings = read_billing_settings(session)
        earlier = runs_of(session, service_month, export_format)
        if earlier and not repeat_reason:
            raise _already_exported(service_month, export_format, earlier)
        profile = profile_from_settings(values)
        if export_format.claim_type is not None:
            check_claim_format(profile, export_format)
            try:
                check_claim_settings(claim_settings)
            except MissingSettingsError as exc:
                raise ValidationFailed(
                    str(exc) + ". An administrator fills them in under Billing settings.", list(exc.problems)
                ) from None
        step(1, f"Reading the records of {service_month}")
        result = compute_preview(session, service_month, profile, today=today or app.clock.today())
    if export_format.claim_type is not None and result.late_rows and not late:
        raise _late_months(service_month, result.filing_warnings())
    step(3, "Writing the file")

    with app.work(Permission.BILLING) as uow:
        # Again, in turn with every other export: two clerks exporting the same month at once cannot both
        # pass, and the control numbers read below are the last ones any workstation used.
        take_turn(uow.session, Turn.BILLING_FILES)
        earlier = runs_of(uow.session, service_month, export_format)
        if earlier and not repeat_reason:
            raise _already_exported(service_month, export_format, earlier)
        rows = result.billing_rows
        if export_format.claim_type is not None:
            current = settings_service.read_all(uow.session)
            planned = _claim_files(result, rows, profile, claim_settings, out, current, local_naive(app.clock.now()))
        elif export_format is ExportFormat.CSV:
            planned = [PlannedFile(out, billing_csv_bytes(rows), "", len(rows), result.billable_count,
                                    result.total_amount)]
        else:
            planned = [PlannedFile(out, billing_support_bytes(rows), "",
                                    sum(1 for row in rows if row.evaluation.segment is not None),
                                    result.billable_count, result.total_amount)]
        step(4, "Saving the record of the export")
        outcome = write_planned_files(
            uow, app, service_month, export_format, planned, repeat_reason=repeat_reason if earlier else "",
            late_reason=late if export_format.claim_type is not None and result.late_rows else "",
            correction=False, member_ids=member_ids_of(uow.session, rows))
    step(5, "Done")
    return outcome
