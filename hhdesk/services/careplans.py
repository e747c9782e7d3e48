"""Person-centred care plans: versions, drafts, signing, review dates, comparing versions (docs/domain.md §6).

A member's plan is a series of versions. The first is created as a draft; a draft is edited and saved as a
whole tree (:func:`save_draft`); signing makes it the active version and the previous active one
superseded. "Start a new version from the current one" copies the active version into a new draft. Only a
draft can be changed: every write refuses a signed version, except recording when it was shared with the
PCP. Reading needs ``VIEW_CLINICAL``; writing ``EDIT_CLINICAL``.

Audit events carry the version number and counts ("3 needs, 4 goals, 6 interventions"), never the plan's
words.

Decisions where the issue is silent:

* **Saving a draft** updates the stored needs, goals and interventions in place when the edited tree still
  has them under the same parent (their ``id``), inserts the new ones and deletes the rest, in one
  transaction. Keeping the rows matters because a referral may point at a goal of the latest version.
* **Who is responsible** for an intervention is a staff user, a member of the care team, or words
  ("Member", "Sister"). The name shown is read from the user or the care team each time, so a renamed
  user reads right everywhere; the stored label is kept as the fallback when the link is gone.
* **Who may sign as care manager**: an enabled user whose role may edit clinical records.
* **Signing dates** cannot be in the future, nor before the signing date of the version being superseded.
* **A scanned copy** (PDF or image, up to 20 MB) is stored as an attachment of the member, inside the store.
* **Review alerts**: an active version whose review date has passed shows "Care plan review overdue" in the
  member's header (enrolled members); within 30 days of the date, an "information" alert says it is due.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    Attachment,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanNeed,
    CarePlanVersion,
    CareTeamMember,
    DirectoryEntry,
    User,
)
from hhdesk.domain import careplan as rules
from hhdesk.domain.careplan import (
    PlanContent,
    PlanGoal,
    PlanIntervention,
    PlanNeed,
    ReviewState,
    SignerRole,
)
from hhdesk.domain.careplan_diff import PlanDiff, diff_plans
from hhdesk.domain.enums import (
    CarePlanStatus,
    GoalStatus,
    InterventionStatus,
    MemberStatus,
    NeedDomain,
    Role,
    SignatureMethod,
)
from hhdesk.domain.permissions import MATRIX, Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services import alerts, settings
from hhdesk.services.alerts import Alert, AlertContext
from hhdesk.services.context import AppSession
from hhdesk.services.member_records import get_member
from hhdesk.services.record_versions import lock_for_edit, touch

NO_VERSION = "This care plan version is no longer in the store; refresh the chart."
MAX_SCAN_BYTES = 20 * 1024 * 1024
SCAN_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".tif": "image/tiff", ".tiff": "image/tiff"}
FREQUENCY_SUGGESTIONS = ("Once", "Daily", "Weekly", "Every two weeks", "Monthly", "Every three months",
                         "As needed", "At each visit")
STATUS_LABELS: dict[CarePlanStatus, str] = {
    CarePlanStatus.DRAFT: "Draft",
    CarePlanStatus.ACTIVE: "Active",
    CarePlanStatus.SUPERSEDED: "Superseded",
}


# ---- read models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedCopy:
    attachment_id: int
    filename: str
    mime_type: str


@dataclass(frozen=True)
class CarePlanVersionView:
    """One version of a member's plan, with its whole tree and its signatures."""

    id: int
    member_id: int
    version_no: int
    status: CarePlanStatus
    content: PlanContent
    member_signer_name: str = ""
    member_signer_role: SignerRole = SignerRole.MEMBER
    member_signed_on: date | None = None
    care_manager_signer_id: int | None = None
    care_manager_signer_name: str = ""
    care_manager_signed_on: date | None = None
    signature_method: SignatureMethod | None = None
    signed_copy: SignedCopy | None = None
    signed_on: date | None = None
    review_due_on: date | None = None
    shared_with_pcp_on: date | None = None
    created_by_name: str = ""
    created_at: datetime | None = None
    row_version: int = 0  # the stored version, for saving the draft over exactly this one (`save_draft`)

    @property
    def editable(self) -> bool:
        return self.status is CarePlanStatus.DRAFT

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def title(self) -> str:
        """'Version 3 (draft)'."""
        return f"Version {self.version_no} ({self.status_label.lower()})"

    def review_state(self, today: date) -> ReviewState:
        if self.status is not CarePlanStatus.ACTIVE:
            return ReviewState.NOT_SIGNED if self.status is CarePlanStatus.DRAFT else ReviewState.CURRENT
        return rules.review_state(self.review_due_on, today)


@dataclass(frozen=True)
class VersionSummary:
    """A line of the version list."""

    id: int
    version_no: int
    status: CarePlanStatus
    signed_on: date | None
    review_due_on: date | None
    created_at: datetime | None

    @property
    def label(self) -> str:
        text = f"Version {self.version_no}: {STATUS_LABELS[self.status].lower()}"
        if self.signed_on:
            text += f", signed {self.signed_on:%m/%d/%Y}"
        return text


@dataclass(frozen=True)
class ResponsibleChoice:
    """Someone an intervention may name as responsible: a staff user or a member of the care team."""

    kind: str  # "user" | "team"
    ref_id: int
    label: str
    detail: str = ""  # the role: "Care manager", "Housing case worker", ...

    def as_fields(self) -> dict[str, Any]:
        """The intervention fields that name this choice."""
        return {
            "responsible_user_id": self.ref_id if self.kind == "user" else None,
            "responsible_team_member_id": self.ref_id if self.kind == "team" else None,
            "responsible_label": self.label,
        }


@dataclass(frozen=True)
class SignerChoice:
    user_id: int
    username: str
    name: str


@dataclass(frozen=True)
class SignatureInput:
    """What the Sign dialog records (a scanned copy only with ``SignatureMethod.SCANNED``)."""

    member_signer_name: str
    member_signed_on: date | None
    care_manager_user_id: int | None
    care_manager_signed_on: date | None
    method: SignatureMethod | None
    member_signer_role: SignerRole = SignerRole.MEMBER
    scanned_filename: str = ""
    scanned_data: bytes | None = None


# ---- reading --------------------------------------------------------------------------------------


def _get_version(session: Session, version_id: int) -> CarePlanVersion:
    version = session.get(CarePlanVersion, version_id)
    if version is None:
        raise NotFound(NO_VERSION)
    return version


class _Names:
    """Names for the responsible people of one member's plans, read once per call."""

    def __init__(self, session: Session, member_id: int) -> None:
        self.users = {uid: (full or username) for uid, username, full in
                      session.execute(select(User.id, User.username, User.full_name))}
        self.team = {
            link_id: name
            for link_id, name in session.execute(
                select(CareTeamMember.id, DirectoryEntry.name)
                .join(DirectoryEntry, DirectoryEntry.id == CareTeamMember.directory_entry_id)
                .where(CareTeamMember.member_id == member_id)
            )
        }

    def responsible(self, row: CarePlanIntervention) -> str:
        if row.responsible_user_id is not None and row.responsible_user_id in self.users:
            return self.users[row.responsible_user_id]
        if row.responsible_team_member_id is not None and row.responsible_team_member_id in self.team:
            return self.team[row.responsible_team_member_id]
        return row.responsible_label


def _content(version: CarePlanVersion, names: _Names) -> PlanContent:
    return PlanContent(
        strengths=version.strengths,
        preferences=version.preferences,
        barriers=version.barriers,
        needs=tuple(
            PlanNeed(
                domain=NeedDomain(need.domain),
                description=need.description,
                id=need.id,
                goals=tuple(
                    PlanGoal(
                        text=goal.text,
                        target_date=goal.target_date,
                        status=GoalStatus(goal.status),
                        id=goal.id,
                        interventions=tuple(
                            PlanIntervention(
                                action=row.action,
                                responsible_user_id=row.responsible_user_id,
                                responsible_team_member_id=row.responsible_team_member_id,
                                responsible_label=names.responsible(row),
                                frequency=row.frequency,
                                status=InterventionStatus(row.status),
                                id=row.id,
                            )
                            for row in goal.interventions
                        ),
                    )
                    for goal in need.goals
                ),
            )
            for need in version.needs
        ),
    )


def _view(session: Session, version: CarePlanVersion, names: _Names | None = None) -> CarePlanVersionView:
    names = names or _Names(session, version.member_id)
    copy = None
    if version.signature_attachment_id is not None:
        row = session.execute(
            select(Attachment.id, Attachment.filename, Attachment.mime_type)
            .where(Attachment.id == version.signature_attachment_id)
        ).first()
        if row is not None:
            copy = SignedCopy(row[0], row[1], row[2])
    return CarePlanVersionView(
        id=version.id,
        member_id=version.member_id,
        version_no=version.version_no,
        status=CarePlanStatus(version.status),
        content=_content(version, names),
        member_signer_name=version.member_signer_name,
        member_signer_role=SignerRole(version.member_signer_role or SignerRole.MEMBER),
        member_signed_on=version.member_signed_on,
        care_manager_signer_id=version.care_manager_signer_id,
        care_manager_signer_name=names.users.get(version.care_manager_signer_id, "")
        if version.care_manager_signer_id is not None else "",
        care_manager_signed_on=version.care_manager_signed_on,
        signature_method=SignatureMethod(version.signature_method) if version.signature_method else None,
        signed_copy=copy,
        signed_on=version.signed_on,
        review_due_on=version.review_due_on,
        shared_with_pcp_on=version.shared_with_pcp_on,
        created_by_name=names.users.get(version.created_by_id, "") if version.created_by_id else "",
        created_at=version.created_at,
        row_version=version.row_version,
    )


def _versions(session: Session, member_id: int) -> list[CarePlanVersion]:
    return list(session.execute(
        select(CarePlanVersion).where(CarePlanVersion.member_id == member_id)
        .order_by(CarePlanVersion.version_no.desc())
    ).scalars())


def list_versions(app: AppSession, member_id: int) -> list[VersionSummary]:
    """The member's plan versions, newest first."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        return [VersionSummary(v.id, v.version_no, CarePlanStatus(v.status), v.signed_on, v.review_due_on,
                               v.created_at) for v in _versions(session, member_id)]


def member_plan_versions(app: AppSession, member_id: int) -> list[CarePlanVersionView]:
    """Every version of the member's plan with its whole tree, newest first."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        names = _Names(session, member_id)
        return [_view(session, v, names) for v in _versions(session, member_id)]


def get_version(app: AppSession, version_id: int) -> CarePlanVersionView:
    with app.read(Permission.VIEW_CLINICAL) as session:
        return _view(session, _get_version(session, version_id))


def version_to_open(app: AppSession, member_id: int) -> CarePlanVersionView | None:
    """What the chart's Care plan tab shows first: the draft being worked on, else the active version, else
    the newest one; None when the member has no plan yet."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        versions = _versions(session, member_id)
        if not versions:
            return None
        by_status = {CarePlanStatus(v.status): v for v in reversed(versions)}
        chosen = by_status.get(CarePlanStatus.DRAFT) or by_status.get(CarePlanStatus.ACTIVE) or versions[0]
        return _view(session, chosen)


def active_version(session: Session, member_id: int) -> CarePlanVersion | None:
    """The signed version in force (for other services: printing, alerts)."""
    return session.execute(
        select(CarePlanVersion).where(CarePlanVersion.member_id == member_id,
                                      CarePlanVersion.status == CarePlanStatus.ACTIVE.value)
        .order_by(CarePlanVersion.version_no.desc()).limit(1)
    ).scalar_one_or_none()


def view_of(session: Session, version: CarePlanVersion) -> CarePlanVersionView:
    """The read model of a version row, for other services that hold a session already (printing)."""
    return _view(session, version)


def compare(app: AppSession, older_version_id: int, newer_version_id: int) -> PlanDiff:
    """What changed from one version to another of the same member's plan, in words."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        older = _get_version(session, older_version_id)
        newer = _get_version(session, newer_version_id)
        if older.member_id != newer.member_id:
            raise ValidationFailed("Both versions must belong to the same member's plan.")
        names = _Names(session, older.member_id)
        return diff_plans(_content(older, names), _content(newer, names))


def responsible_choices(app: AppSession, member_id: int, today: date | None = None) -> list[ResponsibleChoice]:
    """Who an intervention may name: the member's current care team, then the agency's clinical staff."""
    today = today or app.clock.today()
    with app.read(Permission.VIEW_CLINICAL) as session:
        get_member(session, member_id)
        from hhdesk.services.directory import CARE_TEAM_ROLES

        team = [
            ResponsibleChoice("team", link.id, entry.name, CARE_TEAM_ROLES.get(link.role, link.role))
            for link, entry in session.execute(
                select(CareTeamMember, DirectoryEntry)
                .join(DirectoryEntry, DirectoryEntry.id == CareTeamMember.directory_entry_id)
                .where(CareTeamMember.member_id == member_id)
            )
            if link.end_date is None or link.end_date >= today
        ]
        staff = [
            ResponsibleChoice("user", user.id, user.full_name or user.username,
                              Role(user.role).value.replace("_", " ").capitalize())
            for user in session.execute(select(User).where(User.disabled.is_(False))).scalars()
            if Permission.EDIT_CLINICAL in MATRIX[Role(user.role)]
        ]
    team.sort(key=lambda c: c.label.casefold())
    staff.sort(key=lambda c: c.label.casefold())
    return team + staff


def signer_choices(app: AppSession) -> list[SignerChoice]:
    """Staff who may sign a plan as its care manager: enabled users whose role edits clinical records."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        rows = session.execute(select(User).where(User.disabled.is_(False))).scalars()
        choices = [SignerChoice(u.id, u.username, u.full_name or u.username) for u in rows
                   if Permission.EDIT_CLINICAL in MATRIX[Role(u.role)]]
    return sorted(choices, key=lambda c: c.name.casefold())


def signed_copy(app: AppSession, version_id: int) -> tuple[str, str, bytes]:
    """The scanned signed copy: (file name, MIME type, bytes); opening it is audited."""
    with app.work(Permission.VIEW_CLINICAL) as uow:
        version = _get_version(uow.session, version_id)
        attachment = (uow.session.get(Attachment, version.signature_attachment_id)
                      if version.signature_attachment_id is not None else None)
        if attachment is None:
            raise NotFound("No scanned copy is attached to this version.")
        uow.audit("attachment_opened", "attachment", attachment.id, version.member_id,
                  f"signed care plan version {version.version_no}")
        return attachment.filename, attachment.mime_type, attachment.data


# ---- writing --------------------------------------------------------------------------------------


def _require_draft(version: CarePlanVersion) -> None:
    if version.status != CarePlanStatus.DRAFT.value:
        raise ValidationFailed(
            f"Version {version.version_no} is signed, so it cannot be changed. To change the plan, start a "
            "new version from the current one."
        )


def _next_number(session: Session, member_id: int) -> int:
    highest = session.execute(
        select(func.max(CarePlanVersion.version_no)).where(CarePlanVersion.member_id == member_id)
    ).scalar_one()
    return (highest or 0) + 1


def create_first_draft(app: AppSession, member_id: int) -> CarePlanVersionView:
    """Start the member's first plan as an empty draft (version 1)."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        get_member(session, member_id)
        if _versions(session, member_id):
            raise ValidationFailed("This member already has a care plan. To change it, start a new version "
                                   "from the current one.")
        version = CarePlanVersion(member_id=member_id, version_no=1, status=CarePlanStatus.DRAFT.value,
                                  created_by_id=app.actor.user_id)
        session.add(version)
        session.flush()
        uow.audit("care_plan_created", "care_plan", version.id, member_id, "version 1, draft")
        return _view(session, version)


def start_new_version(app: AppSession, member_id: int) -> CarePlanVersionView:
    """Copy the active version into a new draft (signatures, review and sharing dates are not copied)."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        get_member(session, member_id)
        versions = _versions(session, member_id)
        draft = next((v for v in versions if v.status == CarePlanStatus.DRAFT.value), None)
        if draft is not None:
            raise ValidationFailed(f"Version {draft.version_no} is still a draft: finish and sign it, or "
                                   "discard it, before starting another version.")
        source = active_version(session, member_id)
        if source is None:
            raise ValidationFailed("There is no signed plan to start from. Create the member's first plan.")
        names = _Names(session, member_id)
        content = _content(source, names).without_ids()
        version = CarePlanVersion(member_id=member_id, version_no=_next_number(session, member_id),
                                  status=CarePlanStatus.DRAFT.value, created_by_id=app.actor.user_id)
        session.add(version)
        _write_tree(session, version, content)
        session.flush()
        uow.audit("care_plan_version_started", "care_plan", version.id, member_id,
                  f"version {version.version_no} from version {source.version_no}: {content.counts_text()}")
        return _view(session, version, names)


def save_draft(app: AppSession, version_id: int, content: PlanContent, *,
               seen_version: int | None = None) -> CarePlanVersionView:
    """Save the edited tree of a draft in one transaction; returns the version as stored (with new ids).

    ``seen_version``: the draft's `CarePlanVersionView.row_version` when the editor opened it; a draft someone
    else saved since is not overwritten (ChangedByOther names them).
    """
    problems = rules.content_problems(content)
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        version = lock_for_edit(session, CarePlanVersion, version_id, seen_version, "this care plan draft")
        if version is None:
            raise NotFound(NO_VERSION)
        _require_draft(version)
        _check_responsible(session, version.member_id, content)
        _write_tree(session, version, content)
        touch(version)  # the tree is other rows: the draft's own version moves with them
        session.flush()
        session.expire(version)
        uow.audit("care_plan_saved", "care_plan", version.id, version.member_id,
                  f"version {version.version_no}: {content.counts_text()}")
        return _view(session, version)


def discard_draft(app: AppSession, version_id: int) -> None:
    """Delete a draft that will not be signed (a signed version is never deleted)."""
    with app.work(Permission.EDIT_CLINICAL) as uow:
        version = _get_version(uow.session, version_id)
        _require_draft(version)
        uow.audit("care_plan_draft_discarded", "care_plan", version.id, version.member_id,
                  f"version {version.version_no}")
        uow.session.delete(version)


def _check_responsible(session: Session, member_id: int, content: PlanContent) -> None:
    user_ids = {i.responsible_user_id for n in content.needs for g in n.goals for i in g.interventions
                if i.responsible_user_id is not None}
    team_ids = {i.responsible_team_member_id for n in content.needs for g in n.goals for i in g.interventions
                if i.responsible_team_member_id is not None}
    if user_ids:
        found = set(session.execute(select(User.id).where(User.id.in_(user_ids))).scalars())
        if user_ids - found:
            raise ValidationFailed("A staff member named as responsible is no longer in hhdesk; choose another.")
    if team_ids:
        found = set(session.execute(select(CareTeamMember.id).where(
            CareTeamMember.id.in_(team_ids), CareTeamMember.member_id == member_id)).scalars())
        if team_ids - found:
            raise ValidationFailed("A care-team member named as responsible is not on this member's care team; "
                                   "choose another.")


def _write_tree(session: Session, version: CarePlanVersion, content: PlanContent) -> None:
    """Make the stored tree say what ``content`` says, keeping rows whose id sits under the same parent."""
    version.strengths = content.strengths.strip()
    version.preferences = content.preferences.strip()
    version.barriers = content.barriers.strip()
    old_needs = {row.id: row for row in version.needs} if version.id is not None else {}
    need_rows: list[CarePlanNeed] = []
    for n, need in enumerate(content.needs):
        need_row = old_needs.pop(need.id, None) if need.id is not None else None
        if need_row is None:
            need_row = CarePlanNeed(domain=need.domain.value, description="")
        need_row.position = n
        need_row.domain = NeedDomain(need.domain).value
        need_row.description = need.description.strip()
        old_goals = {row.id: row for row in need_row.goals} if need_row.id is not None else {}
        goal_rows: list[CarePlanGoal] = []
        for g, goal in enumerate(need.goals):
            goal_row = old_goals.pop(goal.id, None) if goal.id is not None else None
            if goal_row is None:
                goal_row = CarePlanGoal(text="")
            goal_row.position = g
            goal_row.text = goal.text.strip()
            goal_row.target_date = goal.target_date
            goal_row.status = GoalStatus(goal.status).value
            old_interventions = ({row.id: row for row in goal_row.interventions}
                                 if goal_row.id is not None else {})
            intervention_rows: list[CarePlanIntervention] = []
            for i, intervention in enumerate(goal.interventions):
                row = old_interventions.pop(intervention.id, None) if intervention.id is not None else None
                if row is None:
                    row = CarePlanIntervention(action="")
                row.position = i
                row.action = intervention.action.strip()
                row.responsible_user_id = intervention.responsible_user_id
                row.responsible_team_member_id = intervention.responsible_team_member_id
                row.responsible_label = intervention.responsible_label.strip()
                row.frequency = intervention.frequency.strip()
                row.status = InterventionStatus(intervention.status).value
                intervention_rows.append(row)
            goal_row.interventions = intervention_rows
            goal_rows.append(goal_row)
        need_row.goals = goal_rows
        need_rows.append(need_row)
    version.needs = need_rows


def sign(app: AppSession, version_id: int, signature: SignatureInput, today: date | None = None) -> CarePlanVersionView:
    """Record the signatures on a draft: it becomes the active version, the previous active one superseded.

    The signing date is the later of the two signatures; the review falls due ``care_plan_review_months``
    (an agency setting) after it.
    """
    today = today or app.clock.today()
    if signature.method is not None:
        signature = replace(signature, method=SignatureMethod(signature.method))
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        version = _get_version(session, version_id)
        _require_draft(version)
        names = _Names(session, version.member_id)
        content = _content(version, names)
        problems = rules.signing_problems(content)
        problems += rules.signature_problems(
            signature.member_signer_name, signature.member_signed_on, signature.care_manager_signed_on, today,
            method=signature.method, has_scanned_copy=bool(signature.scanned_data),
        )
        signer = session.get(User, signature.care_manager_user_id) if signature.care_manager_user_id else None
        if signer is None:
            problems.append("Care manager: choose who signed for the agency.")
        elif signer.disabled or Permission.EDIT_CLINICAL not in MATRIX[Role(signer.role)]:
            problems.append("Care manager: choose a care manager or supervisor whose account is in use.")
        mime_type = ""
        if signature.scanned_data is not None and signature.method is SignatureMethod.SCANNED:
            mime_type = _scan_type(signature.scanned_filename, signature.scanned_data, problems)
        if problems:
            raise ValidationFailed(problems[0], problems)
        assert signature.member_signed_on is not None and signature.care_manager_signed_on is not None
        assert signature.method is not None and signer is not None
        signed_on = rules.signing_date(signature.member_signed_on, signature.care_manager_signed_on)
        previous = active_version(session, version.member_id)
        if previous is not None and previous.signed_on is not None and signed_on < previous.signed_on:
            raise ValidationFailed(
                f"The signatures are dated before version {previous.version_no} was signed "
                f"({previous.signed_on:%m/%d/%Y}); check the dates."
            )
        months = settings.read_all(session).care_plan_review_months
        if signature.method is SignatureMethod.SCANNED and signature.scanned_data:
            attachment = Attachment(member_id=version.member_id,
                                    filename=_safe_filename(signature.scanned_filename, version.version_no),
                                    mime_type=mime_type, data=signature.scanned_data)
            session.add(attachment)
            session.flush()
            version.signature_attachment_id = attachment.id
        version.member_signer_name = signature.member_signer_name.strip()
        version.member_signer_role = SignerRole(signature.member_signer_role).value
        version.member_signed_on = signature.member_signed_on
        version.care_manager_signer_id = signer.id
        version.care_manager_signed_on = signature.care_manager_signed_on
        version.signature_method = signature.method.value
        version.signed_on = signed_on
        version.review_due_on = rules.review_due(signed_on, months)
        version.status = CarePlanStatus.ACTIVE.value
        if previous is not None:
            previous.status = CarePlanStatus.SUPERSEDED.value
            uow.audit("care_plan_superseded", "care_plan", previous.id, version.member_id,
                      f"version {previous.version_no} by version {version.version_no}")
        detail = f"version {version.version_no}, {signature.method.value}"
        if version.signature_attachment_id is not None:
            detail += ", scanned copy attached"
        uow.audit("care_plan_signed", "care_plan", version.id, version.member_id, detail)
        session.flush()
        return _view(session, version, names)


def _scan_type(filename: str, data: bytes, problems: list[str]) -> str:
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    mime_type = SCAN_TYPES.get(suffix) or (mimetypes.guess_type(filename)[0] or "")
    if mime_type not in SCAN_TYPES.values():
        problems.append("Scanned copy: choose a PDF or an image file (PNG, JPEG or TIFF).")
    if len(data) > MAX_SCAN_BYTES:
        problems.append("Scanned copy: the file is larger than 20 MB; scan at a lower resolution.")
    if not data:
        problems.append("Scanned copy: the file is empty.")
    return mime_type


def _safe_filename(filename: str, version_no: int) -> str:
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ".pdf"
    # The member's name may be in the scanner's file name; the stored name says only what the file is.
    return f"signed-care-plan-v{version_no}{suffix}"


def mark_shared_with_pcp(app: AppSession, version_id: int, shared_on: date,
                         today: date | None = None) -> CarePlanVersionView:
    """Record the date a signed version went to the member's primary care provider."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        version = _get_version(uow.session, version_id)
        if version.status == CarePlanStatus.DRAFT.value or version.signed_on is None:
            raise ValidationFailed("Sign the plan before recording that it was shared with the PCP.")
        if shared_on > today:
            raise ValidationFailed("Shared with the PCP: the date is in the future.")
        if shared_on < version.signed_on:
            raise ValidationFailed("Shared with the PCP: the date is before the plan was signed.")
        version.shared_with_pcp_on = shared_on
        uow.audit("care_plan_shared_with_pcp", "care_plan", version.id, version.member_id,
                  f"version {version.version_no}")
        return _view(uow.session, version)


# ---- the member header ----------------------------------------------------------------------------


def review_alerts(ctx: AlertContext) -> list[Alert]:
    """The member header's alert about the active plan's review date."""
    if ctx.status is not MemberStatus.ENROLLED:
        return []
    row = ctx.session.execute(
        select(CarePlanVersion.review_due_on).where(
            CarePlanVersion.member_id == ctx.member.id,
            CarePlanVersion.status == CarePlanStatus.ACTIVE.value,
        ).order_by(CarePlanVersion.version_no.desc()).limit(1)
    ).first()
    if row is None:
        return []
    due = row[0]
    state = rules.review_state(due, ctx.on)
    if state is ReviewState.OVERDUE:
        return [Alert("care_plan_review_overdue", f"Care plan review overdue (was due {due:%m/%d/%Y})")]
    if state is ReviewState.DUE_SOON:
        return [Alert("care_plan_review_due", f"Care plan review due {due:%m/%d/%Y}", "info")]
    return []


alerts.register("care_plan_review", review_alerts, place=30)


def overdue_reviews(session: Session, member_ids: Iterable[int], on: date) -> set[int]:
    """Which of these members have an active plan whose review date has passed (for lists)."""
    ids: Sequence[int] = list(member_ids)
    if not ids:
        return set()
    return set(session.execute(
        select(CarePlanVersion.member_id).where(
            CarePlanVersion.member_id.in_(ids),
            CarePlanVersion.status == CarePlanStatus.ACTIVE.value,
            CarePlanVersion.review_due_on < on,
        )
    ).scalars())
