"""Printing the care plan and the care-plan packet: read models from the store, PDFs, batches.

The documents layer (:mod:`hhdesk.documents`) turns plain values into PDF bytes; this module fills those
values from the store and audits each print. Every print is an audit event ``print`` on the member, whose
detail says what was printed ("care plan version 3", "care-plan packet, version 3"), never its content.

A document is built in a read transaction and rendered outside it, and the audit event is written after
the PDF exists, so that a batch of 200 packets never holds the store's write lock while ReportLab works and
a failed render leaves no "print" event for a page never made.

Decisions where the issue is silent:

* **Which version prints.** The version asked for (the window prints the version on screen, so a draft can
  be printed for signing on paper); otherwise the active version, else the newest draft, else none ("No care
  plan on file").
* **The member's name** prints as "First Last" (the packet goes to the member as well as to the PCP); the
  PDF's title metadata is the document's kind only (the documents layer sees to that).
* **Care team**: the current links (not ended before today). **Open referrals**: sent or accepted.
  **Recent transitions**: admitted or discharged in the last 12 months, newest first; the checklist count
  leaves out items marked not applicable.
* **A care manager's whole caseload** means their members enrolled today, by name.
* **Batch file names** are ``packet-<last>-<first>-<Medicaid ID>.pdf`` in plain ASCII, so that the folder
  sorts by name and each file is found at a glance; the folder is the user's choice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    CarePlanVersion,
    CareTeamMember,
    ChecklistItem,
    DirectoryEntry,
    Member,
    Referral,
    TransitionEpisode,
    User,
)
from hhdesk.documents.data import (
    CarePlanDoc,
    CareTeamLine,
    GoalLine,
    InterventionLine,
    Letterhead,
    MemberSummary,
    NeedLine,
    PacketDoc,
    PageSettings,
    ReferralLine,
    Signature,
    TransitionLine,
)
from hhdesk.domain import file_names
from hhdesk.domain.careplan import SignerRole
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistItemStatus,
    MemberStatus,
    ReferralCategory,
    ReferralMethod,
    ReferralStatus,
    TransitionSetting,
)
from hhdesk.domain.file_names import FileNameFacts
from hhdesk.domain.permissions import Permission
from hhdesk.domain.referral_rules import OPEN_STATUSES
from hhdesk.errors import NotFound, StorageProblem, ValidationFailed
from hhdesk.private_files import FOLDER_MODE, write_private_file_atomically
from hhdesk.services import settings
from hhdesk.services.careplans import CarePlanVersionView, view_of
from hhdesk.services.context import AppSession
from hhdesk.services.directory import entry_label
from hhdesk.services.document_parts import letterhead, member_summary, page_settings
from hhdesk.services.labels import display_phone
from hhdesk.services.member_records import get_member

RECENT_TRANSITION_DAYS = 365

ProgressCallback = Callable[[int, int, str], None]
CancelCheck = Callable[[], bool]


@dataclass(frozen=True)
class CarePlanParts:
    """What render_care_plan takes, filled from the store."""

    plan: CarePlanDoc
    member: MemberSummary
    letterhead: Letterhead
    page: PageSettings
    version_id: int
    version_no: int


@dataclass(frozen=True)
class PacketParts:
    """What render_packet takes, filled from the store; ``version_no`` is None without a plan."""

    packet: PacketDoc
    letterhead: Letterhead
    page: PageSettings
    member_id: int
    medicaid_id: str
    file_stem: str
    version_no: int | None


@dataclass(frozen=True)
class BatchResult:
    """What a batch print did: how many packets, into which files, and whether it was stopped early."""

    printed: int
    total: int
    files: tuple[Path, ...]
    cancelled: bool = False


# ---- from the store to the documents' values ------------------------------------------------------


def _entry_name(entry: DirectoryEntry) -> str:
    return entry_label(entry.name, entry.organisation)


def care_plan_doc(view: CarePlanVersionView, prepared_on: date) -> CarePlanDoc:
    """A plan version as the documents print it."""
    content = view.content
    member_signature = None
    if view.member_signed_on is not None:
        member_signature = Signature(
            name=view.member_signer_name, signed_on=view.member_signed_on, method=view.signature_method,
            capacity="Guardian" if view.member_signer_role is SignerRole.GUARDIAN else "Member",
        )
    manager_signature = None
    if view.care_manager_signed_on is not None:
        manager_signature = Signature(name=view.care_manager_signer_name, signed_on=view.care_manager_signed_on,
                                      method=view.signature_method, capacity="Care manager")
    return CarePlanDoc(
        version=view.version_no,
        status=view.status,
        strengths=content.strengths,
        preferences=content.preferences,
        barriers=content.barriers,
        needs=tuple(
            NeedLine(
                domain=need.domain,
                description=need.description,
                goals=tuple(
                    GoalLine(
                        text=goal.text,
                        status=goal.status,
                        target_date=goal.target_date,
                        interventions=tuple(
                            InterventionLine(action=i.action, responsible=i.responsible_label,
                                             frequency=i.frequency, status=i.status)
                            for i in goal.interventions
                        ),
                    )
                    for goal in need.goals
                ),
            )
            for need in content.needs
        ),
        member_signature=member_signature,
        care_manager_signature=manager_signature,
        effective_on=view.signed_on,
        review_due=view.review_due_on,
        prepared_on=prepared_on,
    )


def _version_to_print(session: Session, member_id: int, version_id: int | None) -> CarePlanVersion | None:
    if version_id is not None:
        version = session.get(CarePlanVersion, version_id)
        if version is None or version.member_id != member_id:
            raise NotFound("This care plan version is no longer in the store; refresh the chart.")
        return version
    versions = list(session.execute(
        select(CarePlanVersion).where(CarePlanVersion.member_id == member_id)
        .order_by(CarePlanVersion.version_no.desc())
    ).scalars())
    for wanted in (CarePlanStatus.ACTIVE, CarePlanStatus.DRAFT):
        for version in versions:
            if version.status == wanted.value:
                return version
    return None


def care_team_lines(session: Session, member_id: int, on: date) -> tuple[CareTeamLine, ...]:
    from hhdesk.services.directory import CARE_TEAM_ROLES

    rows = session.execute(
        select(CareTeamMember, DirectoryEntry)
        .join(DirectoryEntry, DirectoryEntry.id == CareTeamMember.directory_entry_id)
        .where(CareTeamMember.member_id == member_id,
               or_(CareTeamMember.end_date.is_(None), CareTeamMember.end_date >= on))
    ).all()
    order = list(CARE_TEAM_ROLES)
    rows.sort(key=lambda r: (order.index(r[0].role) if r[0].role in order else len(order), r[1].name.casefold()))
    return tuple(
        CareTeamLine(
            name=entry.name,
            role=CARE_TEAM_ROLES.get(link.role, link.role),
            organisation=entry.organisation if entry.organisation != entry.name else "",
            phone=display_phone(entry.phone),
            fax=display_phone(entry.fax),
            consent_to_share=link.consent_to_share,
        )
        for link, entry in rows
    )


def open_referral_lines(session: Session, member_id: int) -> tuple[ReferralLine, ...]:
    rows = session.execute(
        select(Referral, DirectoryEntry)
        .join(DirectoryEntry, DirectoryEntry.id == Referral.directory_entry_id)
        .where(Referral.member_id == member_id, Referral.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(Referral.sent_on.desc(), Referral.id.desc())
    ).all()
    return tuple(
        ReferralLine(
            category=ReferralCategory(referral.category),
            agency_name=_entry_name(entry),
            reason=referral.reason,
            sent_on=referral.sent_on,
            method=ReferralMethod(referral.sent_how) if referral.sent_how else None,
            status=ReferralStatus(referral.status),
            follow_up_on=referral.follow_up_on,
        )
        for referral, entry in rows
    )


def recent_transition_lines(session: Session, member_id: int, on: date) -> tuple[TransitionLine, ...]:
    since = on - timedelta(days=RECENT_TRANSITION_DAYS)
    episodes = list(session.execute(
        select(TransitionEpisode).where(
            TransitionEpisode.member_id == member_id,
            or_(TransitionEpisode.admitted_on >= since, TransitionEpisode.discharged_on >= since),
        ).order_by(TransitionEpisode.admitted_on.desc(), TransitionEpisode.id.desc())
    ).scalars())
    counts: dict[int, tuple[int, int]] = {}
    if episodes:
        for episode_id, status in session.execute(
            select(ChecklistItem.episode_id, ChecklistItem.status)
            .where(ChecklistItem.episode_id.in_([e.id for e in episodes]))
        ):
            done, total = counts.get(episode_id, (0, 0))
            if status == ChecklistItemStatus.NOT_APPLICABLE.value:
                continue
            counts[episode_id] = (done + (status == ChecklistItemStatus.DONE.value), total + 1)
    facilities = {e.id: e for e in session.execute(select(DirectoryEntry).where(
        DirectoryEntry.id.in_([ep.facility_id for ep in episodes if ep.facility_id is not None]))).scalars()}
    lines = []
    for episode in episodes:
        facility = facilities.get(episode.facility_id) if episode.facility_id is not None else None
        done, total = counts.get(episode.id, (0, 0))
        lines.append(TransitionLine(
            setting=TransitionSetting(episode.setting),
            facility=_entry_name(facility) if facility else episode.facility_name,
            admitted_on=episode.admitted_on,
            discharged_on=episode.discharged_on,
            destination=episode.discharge_destination,
            is_readmission=episode.is_readmission,
            checklist_done=done,
            checklist_total=total,
        ))
    return tuple(lines)


def file_stem(session: Session, member: Member, document: str, today: date) -> str:
    """The agency's file name pattern for this member's document (no name or Medicaid ID by default)."""
    pattern = settings.read_all(session).print_file_name
    return file_names.file_stem(pattern, FileNameFacts(
        document=document, member_number=member.id, day=today, medicaid_id=member.medicaid_id,
        last_name=member.last_name, first_name=member.first_name,
    ))


def suggested_file_name(app: AppSession, member_id: int, document: str, today: date | None = None) -> str:
    """What the window offers as the name when a member's PDF is saved (the agency's pattern, then .pdf)."""
    with app.read(None) as session:
        return file_stem(session, get_member(session, member_id), document, today or app.clock.today()) + ".pdf"


def _care_plan_parts(session: Session, member_id: int, version_id: int | None, today: date) -> CarePlanParts:
    member = get_member(session, member_id)
    version = _version_to_print(session, member_id, version_id)
    if version is None:
        raise ValidationFailed("This member has no care plan yet, so there is nothing to print. Create the "
                               "plan in the chart's Care plan tab first.")
    return CarePlanParts(care_plan_doc(view_of(session, version), today), member_summary(session, member, today),
                         letterhead(session), page_settings(session), version.id, version.version_no)


def _packet_parts(session: Session, member_id: int, version_id: int | None, today: date, prepared_by: str,
                  head: tuple[Letterhead, PageSettings] | None = None) -> PacketParts:
    member = get_member(session, member_id)
    version = _version_to_print(session, member_id, version_id)
    plan = care_plan_doc(view_of(session, version), today) if version is not None else None
    packet = PacketDoc(
        member=member_summary(session, member, today),
        care_plan=plan,
        care_team=care_team_lines(session, member_id, today),
        open_referrals=open_referral_lines(session, member_id),
        recent_transitions=recent_transition_lines(session, member_id, today),
        prepared_on=today,
        prepared_by=prepared_by,
    )
    head = head or (letterhead(session), page_settings(session))
    return PacketParts(packet, head[0], head[1], member.id, member.medicaid_id,
                       file_stem(session, member, "packet", today),
                       version.version_no if version is not None else None)


def _prepared_by(app: AppSession) -> str:
    return app.actor.full_name or app.actor.username


def _require_printing(app: AppSession) -> None:
    app.require(Permission.VIEW_CLINICAL)
    app.require(Permission.PRINT_DOCUMENTS)


def care_plan_parts(app: AppSession, member_id: int, *, version_id: int | None = None,
                    today: date | None = None) -> CarePlanParts:
    """The care plan's values without printing (no audit event): for a test or a preview of values."""
    _require_printing(app)
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _care_plan_parts(session, member_id, version_id, today or app.clock.today())


def packet_parts(app: AppSession, member_id: int, *, version_id: int | None = None,
                 today: date | None = None) -> PacketParts:
    """The packet's values without printing (no audit event)."""
    _require_printing(app)
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _packet_parts(session, member_id, version_id, today or app.clock.today(), _prepared_by(app))


# ---- printing -------------------------------------------------------------------------------------


def _print_detail(what: str, version_no: int | None, password: str | None) -> str:
    detail = what + (f", version {version_no}" if version_no is not None else ", no care plan on file")
    return detail + (", password-protected" if password else "")


def care_plan_pdf(app: AppSession, member_id: int, password: str | None = None, *,
                  version_id: int | None = None, today: date | None = None) -> bytes:
    """The care plan as PDF bytes (optionally password-protected); audited as ``print``."""
    from hhdesk.documents.careplan import render_care_plan

    parts = care_plan_parts(app, member_id, version_id=version_id, today=today)
    pdf = render_care_plan(parts.plan, parts.member, parts.letterhead, parts.page, password=password or None)
    with app.work(Permission.PRINT_DOCUMENTS) as uow:
        uow.audit("print", "care_plan", parts.version_id, member_id,
                  _print_detail("care plan", parts.version_no, password))
    return pdf


def packet_pdf(app: AppSession, member_id: int, password: str | None = None, *,
               version_id: int | None = None, today: date | None = None) -> bytes:
    """The care-plan packet as PDF bytes (optionally password-protected); audited as ``print``."""
    from hhdesk.documents.packet import render_packet

    parts = packet_parts(app, member_id, version_id=version_id, today=today)
    pdf = render_packet(parts.packet, parts.letterhead, parts.page, password=password or None)
    with app.work(Permission.PRINT_DOCUMENTS) as uow:
        uow.audit("print", "packet", member_id, member_id,
                  _print_detail("care-plan packet", parts.version_no, password))
    return pdf


def caseload_for_packets(app: AppSession, care_manager: str, today: date | None = None) -> list[int]:
    """The members a care manager's batch prints: assigned to them and enrolled today, by name."""
    from hhdesk.services import caseload

    with app.read(Permission.VIEW_MEMBERS) as session:
        if session.execute(select(User.id).where(User.username == care_manager)).first() is None:
            raise NotFound(f"There is no user named {care_manager}.")
    rows = caseload.search(app, caseload.CaseloadQuery(care_manager=care_manager, status=MemberStatus.ENROLLED,
                                                       limit=1_000_000, today=today))
    return [row.member_id for row in rows]


def print_packets(app: AppSession, *, member_ids: Sequence[int] | None = None, care_manager: str | None = None,
                  out_dir: Path | None = None, combined_file: Path | None = None, password: str | None = None,
                  progress: ProgressCallback | None = None, cancelled: CancelCheck | None = None,
                  today: date | None = None) -> BatchResult:
    """Packets for a list of members, or a care manager's whole caseload, into a folder (one PDF each) or one
    combined PDF. ``progress(done, total, text)`` is called as it goes; when ``cancelled()`` turns true, it
    stops between packets: files already written stay (each is complete), a combined file is not written.
    """
    _require_printing(app)
    if (out_dir is None) == (combined_file is None):
        raise ValidationFailed("Choose either a folder for one file per member, or one combined file.")
    if member_ids is None:
        if not care_manager:
            raise ValidationFailed("Choose the members to print, or a care manager's caseload.")
        member_ids = caseload_for_packets(app, care_manager, today)
    member_ids = list(dict.fromkeys(member_ids))
    if not member_ids:
        raise ValidationFailed("There are no members to print packets for.")
    today = today or app.clock.today()
    report = progress or (lambda _done, _total, _text: None)
    stop = cancelled or (lambda: False)
    total = len(member_ids)
    if out_dir is not None:
        _writable_folder(out_dir)
    elif combined_file is not None:
        _writable_folder(combined_file.parent)

    from hhdesk.documents.packet import render_packet, render_packets

    prepared_by = _prepared_by(app)
    with app.read(Permission.VIEW_CLINICAL) as session:
        head = (letterhead(session), page_settings(session))
    files: list[Path] = []
    collected: list[PacketParts] = []
    report(0, total, f"Preparing {total} packet{'s' if total != 1 else ''}")
    for done, member_id in enumerate(member_ids, start=1):
        if stop():
            return BatchResult(len(files), total, tuple(files), cancelled=True)
        with app.read(Permission.VIEW_CLINICAL) as session:
            parts = _packet_parts(session, member_id, None, today, prepared_by, head)
        if out_dir is not None:
            pdf = render_packet(parts.packet, parts.letterhead, parts.page, password=password or None)
            with app.work(Permission.PRINT_DOCUMENTS) as uow:
                uow.audit("print", "packet", member_id, member_id,
                          _print_detail("care-plan packet (batch)", parts.version_no, password))
            path = out_dir / f"{parts.file_stem}.pdf"
            _write(path, pdf)
            files.append(path)
        else:
            collected.append(parts)
        report(done, total, f"Packet {done} of {total}")
    if combined_file is not None:
        if stop():
            return BatchResult(0, total, (), cancelled=True)
        report(total, total, "Putting the packets into one file")
        pdf = render_packets([p.packet for p in collected], head[0], head[1], password=password or None)
        with app.work(Permission.PRINT_DOCUMENTS) as uow:
            for parts in collected:
                uow.audit("print", "packet", parts.member_id, parts.member_id,
                          _print_detail(f"care-plan packet (combined file of {total})", parts.version_no,
                                        password))
        _write(combined_file, pdf)
        files.append(combined_file)
    return BatchResult(total, total, tuple(files))


def _writable_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    except OSError:
        raise StorageProblem("The folder for the packets could not be created; choose another folder.") from None
    if not os.access(folder, os.W_OK):
        raise StorageProblem("hhdesk may not write in the chosen folder; choose another one.")


_BATCH_WRITE_FAILED = ("A packet could not be written (is the disk full, or the file open in another program?). "
                       "The packets written before it are complete.")


def _write(path: Path, data: bytes, failure: str = _BATCH_WRITE_FAILED) -> None:
    """Write the whole file or nothing: a half-written PDF would print as a broken page."""
    try:
        write_private_file_atomically(path, data)
    except OSError:
        raise StorageProblem(failure) from None


def save_pdf(path: Path, data: bytes) -> None:
    """Save a PDF the user chose to keep (the window's Save as…), whole or not at all."""
    _write(path, data, "The PDF could not be saved there (is the disk full, or the file open in another "
                       "program?); choose another place.")
