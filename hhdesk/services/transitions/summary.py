"""The transition summary PDF: its parts filled from the store, and the rendered, audited document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    Agency,
    CarePlanVersion,
    Contact,
    DirectoryEntry,
    TransitionEpisode,
    User,
)
from hhdesk.documents.data import (
    CareManagerContact,
    ChecklistLine,
    ContactLine,
    GoalLine,
    InterventionLine,
    Letterhead,
    MemberSummary,
    PageSettings,
    Recipient,
    TransitionSummaryDoc,
)
from hhdesk.domain.enums import (
    CarePlanStatus,
    ContactMode,
    GoalStatus,
    InterventionStatus,
    WithWhom,
)
from hhdesk.domain.permissions import Permission
from hhdesk.services import document_parts
from hhdesk.services.context import AppSession
from hhdesk.services.labels import display_phone
from hhdesk.services.member_records import get_member
from hhdesk.services.transitions.basics import local_now
from hhdesk.services.transitions.queries import _episode, _episode_view


@dataclass(frozen=True)
class TransitionSummaryParts:
    """Everything the renderer takes, filled from the store."""

    summary: TransitionSummaryDoc
    member: MemberSummary
    letterhead: Letterhead
    page: PageSettings


def _goals(session: Session, member_id: int) -> tuple[GoalLine, ...]:
    plan = session.execute(
        select(CarePlanVersion).where(CarePlanVersion.member_id == member_id,
                                      CarePlanVersion.status == CarePlanStatus.ACTIVE.value)
        .order_by(CarePlanVersion.version_no.desc()).limit(1)
    ).scalars().first()
    if plan is None:
        return ()
    users = {u.id: u for u in session.execute(select(User)).scalars()}
    goals = []
    for need in plan.needs:
        for goal in need.goals:
            interventions = tuple(
                InterventionLine(
                    action=i.action,
                    responsible=i.responsible_label or (
                        (users[i.responsible_user_id].full_name or users[i.responsible_user_id].username)
                        if i.responsible_user_id in users else ""),
                    frequency=i.frequency,
                    status=InterventionStatus(i.status),
                )
                for i in goal.interventions
            )
            goals.append(GoalLine(goal.text, GoalStatus(goal.status), goal.target_date, interventions))
    return tuple(goals)


def transition_summary_parts(app: AppSession, episode_id: int, *, recipient_entry_id: int | None = None,
                             notes: str = "", today: date | None = None) -> TransitionSummaryParts:
    """Fill the transition-summary document from the store. The recipient is the directory entry chosen,
    else the member's PCP. Not audited by itself: :func:`render_transition_summary_pdf` is."""
    today = today or app.clock.today()
    with app.read(Permission.PRINT_DOCUMENTS) as session:
        app.require(Permission.VIEW_CLINICAL)
        return _summary_parts(session, app, episode_id, recipient_entry_id, notes, today)


def _summary_parts(session: Session, app: AppSession, episode_id: int, recipient_entry_id: int | None,
                   notes: str, today: date) -> TransitionSummaryParts:
    episode = _episode(session, episode_id)
    member = get_member(session, episode.member_id)
    view = _episode_view(session, episode, local_now(app.clock))
    recipient_entry = session.get(DirectoryEntry, recipient_entry_id or member.pcp_id or -1)
    if recipient_entry is not None:
        recipient = Recipient(
            name=recipient_entry.name,
            attention=recipient_entry.organisation if recipient_entry.organisation != recipient_entry.name else "",
            address_lines=document_parts.address_lines(recipient_entry.address_line1, recipient_entry.address_line2,
                                                 recipient_entry.city, recipient_entry.state, recipient_entry.zip),
            phone=display_phone(recipient_entry.phone),
            fax=display_phone(recipient_entry.fax),
        )
    else:
        recipient = Recipient(name="Primary care provider (not recorded)")
    manager = session.get(User, member.care_manager_id) if member.care_manager_id else None
    manager = manager or session.get(User, app.actor.user_id)
    agency = session.execute(select(Agency)).scalars().first()
    care_manager = CareManagerContact(
        name=(manager.full_name or manager.username) if manager else app.actor.full_name,
        phone=display_phone((manager.phone if manager else "") or (agency.phone if agency else "")),
        fax=display_phone(agency.fax) if agency else "",
        email=manager.email if manager else "",
    )
    checklist = tuple(
        ChecklistLine(
            item=item.label,
            status=item.status,
            due_at=item.due_at,
            done_on=item.done_at.date() if item.done_at else None,
            done_by=item.done_by_name,
            note=item.not_applicable_reason,
        )
        for item in view.items
    )
    contacts: tuple[ContactLine, ...] = ()
    if episode.discharged_at is not None:
        rows = session.execute(
            select(Contact, User).outerjoin(User, User.id == Contact.staff_id)
            .where(Contact.member_id == member.id, Contact.contact_date >= episode.discharged_at.date())
            .order_by(Contact.contact_date, Contact.id)
        ).all()
        contacts = tuple(
            ContactLine(row.contact_date, ContactMode(row.mode), WithWhom(row.with_whom),
                        (staff.full_name or staff.username) if staff else "", row.note)
            for row, staff in rows
        )
    summary = TransitionSummaryDoc(
        setting=view.setting,
        facility=view.facility,
        recipient=recipient,
        care_manager=care_manager,
        admitted_on=view.admitted_on,
        discharged_on=view.discharged_on,
        destination=view.discharge_destination,
        notified_at=view.notified_at,
        notified_how=view.notified_how,
        is_readmission=view.is_readmission,
        checklist=checklist,
        contacts_since_discharge=contacts,
        care_plan_goals=_goals(session, member.id),
        prepared_on=today,
        notes=notes.strip() or episode.note,
    )
    # The same letterhead, member block and page rules as the care-plan documents.
    return TransitionSummaryParts(summary, document_parts.member_summary(session, member, today),
                                  document_parts.letterhead(session), document_parts.page_settings(session))


def render_transition_summary_pdf(app: AppSession, episode_id: int, *, recipient_entry_id: int | None = None,
                                  notes: str = "", today: date | None = None) -> bytes:
    """The transition summary as PDF bytes; audited as ``print`` on the member."""
    from hhdesk.documents.transition_summary import render_transition_summary

    today = today or app.clock.today()
    app.require(Permission.VIEW_CLINICAL)
    with app.work(Permission.PRINT_DOCUMENTS) as uow:
        parts = _summary_parts(uow.session, app, episode_id, recipient_entry_id, notes, today)
        member_id = uow.session.get(TransitionEpisode, episode_id).member_id
        # Rendered inside the unit of work: a failure leaves no "print" event for a page never made.
        pdf = render_transition_summary(parts.summary, parts.member, parts.letterhead, parts.page)
        uow.audit("print", "transition_episode", episode_id, member_id, "transition summary")
    return pdf
