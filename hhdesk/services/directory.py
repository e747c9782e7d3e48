"""The directory of providers and community agencies, and each member's care team (docs/domain.md §7).

Directory entries are not member data, but changes to them are audited all the same (who changed a
fax number matters when a referral goes astray). Care-team links are member data: audited with the
member's id.

A care-team link with the role ``pcp`` keeps the member's PCP (the chart header) in step: adding one
when the member has no PCP makes it the PCP; ending the link of the current PCP clears it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hhdesk.db.models import CareTeamMember, DirectoryEntry, Member, Referral, TransitionEpisode
from hhdesk.domain.enums import DirectoryKind
from hhdesk.domain.identifiers import fold_text, is_valid_npi
from hhdesk.domain.permissions import Permission
from hhdesk.errors import NotFound, ValidationFailed
from hhdesk.services.context import AppSession
from hhdesk.services.member_records import get_member
from hhdesk.services.record_versions import lock_for_edit

DIRECTORY_CATEGORIES: dict[str, str] = {
    "pcp": "Primary care",
    "medical_specialty": "Medical specialty",
    "behavioural_health": "Behavioural health",
    "substance_use": "Substance use treatment",
    "pharmacy": "Pharmacy",
    "hospital": "Hospital",
    "mco": "Managed care plan",
    "housing": "Housing",
    "food": "Food",
    "transportation": "Transportation",
    "benefits": "Benefits",
    "employment": "Employment",
    "legal": "Legal",
    "family_support": "Family and caregiver support",
    "other": "Other",
}
"""Service categories (the referral categories plus the kinds of provider a care team needs)."""

CARE_TEAM_ROLES: dict[str, str] = {
    "pcp": "Primary care provider (PCP)",
    "specialist": "Specialist",
    "psychiatrist": "Psychiatrist",
    "therapist": "Therapist",
    "bh_provider": "Behavioural-health provider",
    "sud_counsellor": "Substance use counsellor",
    "pharmacist": "Pharmacist",
    "mco_care_manager": "MCO care manager",
    "housing_case_worker": "Housing case worker",
    "peer_specialist": "Peer specialist",
    "family_caregiver": "Family caregiver",
    "other": "Other",
}
"""Suggested roles; a role typed by the user is kept as typed."""

PCP_ROLE = "pcp"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")


@dataclass(frozen=True)
class DirectoryEntryInput:
    """What the directory form edits."""

    name: str
    kind: DirectoryKind = DirectoryKind.ORGANISATION
    organisation: str = ""
    specialty: str = ""
    npi: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    categories: tuple[str, ...] = ()
    notes: str = ""


_INPUT_FIELDS = tuple(f.name for f in fields(DirectoryEntryInput))


def entry_label(name: str, organisation: str) -> str:
    """How a directory entry is named in lists and documents: 'Dr Ana Ruiz, Eastside Clinic'."""
    if organisation and organisation != name:
        return f"{name}, {organisation}"
    return name


@dataclass(frozen=True)
class DirectoryEntryInfo:
    id: int
    entry: DirectoryEntryInput
    active: bool
    version: int  # when read: a change passes it back as ``seen_version``

    @property
    def label(self) -> str:
        return entry_label(self.entry.name, self.entry.organisation)

    @property
    def categories_label(self) -> str:
        return ", ".join(DIRECTORY_CATEGORIES.get(c, c) for c in self.entry.categories)


@dataclass(frozen=True)
class CareTeamLink:
    id: int
    member_id: int
    entry_id: int
    entry_label: str  # "name, organisation"
    entry_name: str
    organisation: str
    specialty: str
    phone: str
    fax: str
    role: str
    consent_to_share: bool
    start_date: date | None
    end_date: date | None
    is_pcp: bool  # this entry is the member's PCP on the profile

    @property
    def active(self) -> bool:
        return self.end_date is None

    @property
    def role_label(self) -> str:
        return CARE_TEAM_ROLES.get(self.role, self.role)


# ---- directory ----------------------------------------------------------------------------------


def _clean(entry: DirectoryEntryInput) -> DirectoryEntryInput:
    problems: list[str] = []
    values = {f: getattr(entry, f) for f in _INPUT_FIELDS}
    for f, v in values.items():
        if isinstance(v, str):
            values[f] = v.strip()
    if not values["name"]:
        problems.append("Name is required.")
    try:
        values["kind"] = DirectoryKind(entry.kind)
    except ValueError:
        problems.append("Kind is a person or an organisation.")
    npi = re.sub(r"[\s-]", "", values["npi"])
    if npi and not is_valid_npi(npi):
        problems.append("NPI: 10 digits with a valid check digit; check it against the provider's letterhead.")
    values["npi"] = npi
    values["state"] = values["state"].upper()
    if values["state"] and not re.fullmatch(r"[A-Z]{2}", values["state"]):
        problems.append("State: use the two-letter code, e.g. NY.")
    if values["zip"] and not _ZIP.fullmatch(values["zip"]):
        problems.append("ZIP code: 5 digits, or ZIP+4.")
    if values["email"] and not _EMAIL.fullmatch(values["email"]):
        problems.append("Email address does not look like name@example.org.")
    categories = tuple(dict.fromkeys(c.strip() for c in entry.categories if c.strip()))
    if any(c not in DIRECTORY_CATEGORIES for c in categories):
        problems.append("One of the service categories is not in the list.")
    values["categories"] = categories
    for f, limit in (("name", 200), ("organisation", 200), ("specialty", 120)):
        if len(values[f]) > limit:
            problems.append(f"{f.capitalize()} is longer than {limit} characters.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    return DirectoryEntryInput(**values)


def _info(row: DirectoryEntry) -> DirectoryEntryInfo:
    values = {f: getattr(row, f) for f in _INPUT_FIELDS if f not in ("kind", "categories")}
    entry = DirectoryEntryInput(kind=DirectoryKind(row.kind),
                                categories=tuple(c for c in row.categories.split(";") if c), **values)
    return DirectoryEntryInfo(row.id, entry, row.active, row.row_version)


def _check_npi_free(session: Session, npi: str, exclude_id: int | None = None) -> None:
    if not npi:
        return
    stmt = select(DirectoryEntry.id).where(DirectoryEntry.npi == npi)
    if exclude_id is not None:
        stmt = stmt.where(DirectoryEntry.id != exclude_id)
    if session.execute(stmt.limit(1)).first() is not None:
        raise ValidationFailed("Another directory entry already has this NPI; search for it by NPI.")


def _apply(row: DirectoryEntry, entry: DirectoryEntryInput) -> list[str]:
    changed = []
    for f in _INPUT_FIELDS:
        value = getattr(entry, f)
        if f == "kind":
            value = value.value
        elif f == "categories":
            value = ";".join(value)
        if getattr(row, f) != value:
            setattr(row, f, value)
            changed.append(f)
    return changed


def create_entry(app: AppSession, entry: DirectoryEntryInput) -> DirectoryEntryInfo:
    cleaned = _clean(entry)
    with app.work(Permission.MANAGE_DIRECTORY) as uow:
        _check_npi_free(uow.session, cleaned.npi)
        row = DirectoryEntry(kind=cleaned.kind.value, name=cleaned.name)
        changed = _apply(row, cleaned)
        uow.session.add(row)
        uow.session.flush()
        uow.audit("directory_entry_added", "directory_entry", row.id, None, "fields: " + ", ".join(changed))
        return _info(row)


def update_entry(app: AppSession, entry_id: int, entry: DirectoryEntryInput, *,
                 seen_version: int | None = None) -> DirectoryEntryInfo:
    """Change an entry. ``seen_version``: the `DirectoryEntryInfo.version` the form opened; an entry someone
    else saved since is not overwritten (ChangedByOther names them)."""
    cleaned = _clean(entry)
    with app.work(Permission.MANAGE_DIRECTORY) as uow:
        row = _entry_to_change(uow.session, entry_id, seen_version)
        _check_npi_free(uow.session, cleaned.npi, entry_id)
        changed = _apply(row, cleaned)
        if changed:
            uow.session.flush()  # the answer carries the version this save made
            uow.audit("directory_entry_changed", "directory_entry", row.id, None, "fields: " + ", ".join(changed))
        return _info(row)


def set_entry_active(app: AppSession, entry_id: int, active: bool, *,
                     seen_version: int | None = None) -> DirectoryEntryInfo:
    """Retire an entry (it stays on the care teams and referrals that name it) or bring it back.
    ``seen_version`` as for :func:`update_entry`."""
    with app.work(Permission.MANAGE_DIRECTORY) as uow:
        row = _entry_to_change(uow.session, entry_id, seen_version, from_form=False)
        if row.active != active:
            row.active = active
            uow.session.flush()
            uow.audit("directory_entry_changed", "directory_entry", row.id, None, "fields: active")
        return _info(row)


def remove_entry(app: AppSession, entry_id: int, *, seen_version: int | None = None) -> str:
    """Delete an entry nobody refers to; one named on a care team, referral or transition is retired
    instead, so that those records keep their meaning. Returns 'deleted' or 'retired'.
    ``seen_version`` as for :func:`update_entry`."""
    with app.work(Permission.MANAGE_DIRECTORY) as uow:
        session = uow.session
        row = _entry_to_change(session, entry_id, seen_version, from_form=False)
        used = any(
            session.execute(select(model.id).where(column == entry_id).limit(1)).first() is not None
            for model, column in ((CareTeamMember, CareTeamMember.directory_entry_id),
                                  (Referral, Referral.directory_entry_id),
                                  (TransitionEpisode, TransitionEpisode.facility_id),
                                  (Member, Member.pcp_id))
        )
        if used:
            row.active = False
            uow.audit("directory_entry_changed", "directory_entry", row.id, None, "fields: active")
            return "retired"
        uow.audit("directory_entry_removed", "directory_entry", row.id, None)
        session.delete(row)
        return "deleted"


NO_ENTRY = "This directory entry is no longer in the directory; refresh the list."


def _entry(session: Session, entry_id: int) -> DirectoryEntry:
    row = session.get(DirectoryEntry, entry_id)
    if row is None:
        raise NotFound(NO_ENTRY)
    return row


def _entry_to_change(session: Session, entry_id: int, seen_version: int | None, *,
                     from_form: bool = True) -> DirectoryEntry:
    row = lock_for_edit(session, DirectoryEntry, entry_id, seen_version, "this directory entry",
                        from_form=from_form)
    if row is None:
        raise NotFound(NO_ENTRY)
    return row


def get_entry(app: AppSession, entry_id: int) -> DirectoryEntryInfo:
    with app.read(Permission.VIEW_MEMBERS) as session:
        return _info(_entry(session, entry_id))


def search_entries(app: AppSession, text: str = "", category: str | None = None, *,
                   include_inactive: bool = False, limit: int = 200) -> list[DirectoryEntryInfo]:
    """Entries whose name, organisation or specialty contain every typed word (or the NPI starts with
    the digits typed), in a category if given; by name."""
    stmt = select(DirectoryEntry)
    if not include_inactive:
        stmt = stmt.where(DirectoryEntry.active.is_(True))
    if category:
        stmt = stmt.where(or_(DirectoryEntry.categories == category,
                              DirectoryEntry.categories.like(f"{category};%"),
                              DirectoryEntry.categories.like(f"%;{category}"),
                              DirectoryEntry.categories.like(f"%;{category};%")))
    text = text.strip()
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() and len(digits) >= 3:
        stmt = stmt.where(DirectoryEntry.npi.like(f"{digits}%"))
        words: list[str] = []
    else:
        words = fold_text(text).split()
        # SQLite's LIKE is case-insensitive for ASCII only; accents are folded in Python below. A
        # directory holds hundreds of entries, not hundreds of thousands.
    with app.read(Permission.VIEW_MEMBERS) as session:
        rows = session.execute(stmt.order_by(func.lower(DirectoryEntry.name))).scalars()
        found = []
        for row in rows:
            haystack = fold_text(f"{row.name} {row.organisation} {row.specialty} {row.city}")
            if all(word in haystack for word in words):
                found.append(_info(row))
                if len(found) >= limit:
                    break
        return found


# ---- care team ----------------------------------------------------------------------------------


def _link(row: CareTeamMember, entry: DirectoryEntry, pcp_id: int | None) -> CareTeamLink:
    label = entry.name if not entry.organisation or entry.organisation == entry.name else (
        f"{entry.name}, {entry.organisation}")
    organisation = entry.organisation if entry.organisation != entry.name else ""
    return CareTeamLink(row.id, row.member_id, entry.id, label, entry.name, organisation, entry.specialty,
                        entry.phone, entry.fax, row.role, row.consent_to_share, row.start_date, row.end_date,
                        entry.id == pcp_id)


def list_care_team(app: AppSession, member_id: int, *, include_ended: bool = False) -> list[CareTeamLink]:
    """The member's care team: current links first, by role; ended ones after, when asked for."""
    with app.read(Permission.VIEW_CLINICAL) as session:
        member = get_member(session, member_id)
        rows = session.execute(
            select(CareTeamMember, DirectoryEntry)
            .join(DirectoryEntry, DirectoryEntry.id == CareTeamMember.directory_entry_id)
            .where(CareTeamMember.member_id == member_id)
        ).all()
        links = [_link(link, entry, member.pcp_id) for link, entry in rows]
    if not include_ended:
        links = [link for link in links if link.active]
    role_order = list(CARE_TEAM_ROLES)
    return sorted(links, key=lambda x: (not x.active, role_order.index(x.role) if x.role in role_order
                                        else len(role_order), x.entry_label.casefold()))


def _clean_role(role: str) -> str:
    role = role.strip()
    if not role:
        raise ValidationFailed("Choose the role this person or organisation plays for the member.")
    for key, label in CARE_TEAM_ROLES.items():
        if role.casefold() in (key, label.casefold()):
            return key
    if len(role) > 60:
        raise ValidationFailed("The role is longer than 60 characters.")
    return role


def add_to_care_team(app: AppSession, member_id: int, entry_id: int, role: str, consent_to_share: bool,
                     start_date: date | None = None) -> CareTeamLink:
    """Link a directory entry to the member's care team with a role and the member's sharing consent."""
    role = _clean_role(role)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        member = get_member(session, member_id)
        entry = _entry(session, entry_id)
        if not entry.active:
            raise ValidationFailed("This directory entry is retired; bring it back in the directory first.")
        same = session.execute(select(CareTeamMember).where(
            CareTeamMember.member_id == member_id, CareTeamMember.directory_entry_id == entry_id,
            CareTeamMember.role == role, CareTeamMember.end_date.is_(None))).first()
        if same is not None:
            raise ValidationFailed("This entry is already on the care team in that role.")
        row = CareTeamMember(member_id=member_id, directory_entry_id=entry_id, role=role,
                             consent_to_share=consent_to_share, start_date=start_date or app.clock.today())
        session.add(row)
        session.flush()
        uow.audit("care_team_added", "care_team", row.id, member_id, "fields: directory_entry, role, consent_to_share")
        if role == PCP_ROLE and member.pcp_id is None:
            member.pcp_id = entry_id
            uow.audit("member_updated", "member", member.id, member.id, "fields: pcp_id")
        return _link(row, entry, member.pcp_id)


def update_care_team_link(app: AppSession, link_id: int, *, role: str | None = None,
                          consent_to_share: bool | None = None) -> CareTeamLink:
    with app.work(Permission.EDIT_CLINICAL) as uow:
        row = _care_team_row(uow.session, link_id)
        changed = []
        if role is not None and _clean_role(role) != row.role:
            row.role = _clean_role(role)
            changed.append("role")
        if consent_to_share is not None and consent_to_share != row.consent_to_share:
            row.consent_to_share = consent_to_share
            changed.append("consent_to_share")
        if changed:
            uow.audit("care_team_changed", "care_team", row.id, row.member_id, "fields: " + ", ".join(changed))
        member = get_member(uow.session, row.member_id)
        return _link(row, _entry(uow.session, row.directory_entry_id), member.pcp_id)


def make_pcp(app: AppSession, link_id: int) -> CareTeamLink:
    """Make this care-team entry the member's PCP on the profile and the chart header."""
    with app.work(Permission.EDIT_DEMOGRAPHICS) as uow:
        row = _care_team_row(uow.session, link_id)
        member = get_member(uow.session, row.member_id)
        if member.pcp_id != row.directory_entry_id:
            member.pcp_id = row.directory_entry_id
            uow.audit("member_updated", "member", member.id, member.id, "fields: pcp_id")
        return _link(row, _entry(uow.session, row.directory_entry_id), member.pcp_id)


def end_care_team_link(app: AppSession, link_id: int, end_date: date | None = None) -> CareTeamLink:
    """End a link (the history stays). Ending the member's PCP's link clears the PCP."""
    end_date = end_date or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        row = _care_team_row(uow.session, link_id)
        if row.end_date is not None:
            raise ValidationFailed("This care-team link has already ended.")
        if row.start_date is not None and end_date < row.start_date:
            raise ValidationFailed("The end date is before the date this link started.")
        row.end_date = end_date
        uow.audit("care_team_ended", "care_team", row.id, row.member_id, "fields: end_date")
        member = get_member(uow.session, row.member_id)
        if member.pcp_id == row.directory_entry_id:
            still_linked = uow.session.execute(select(CareTeamMember.id).where(
                CareTeamMember.member_id == member.id, CareTeamMember.directory_entry_id == member.pcp_id,
                CareTeamMember.end_date.is_(None))).first()
            if still_linked is None:
                member.pcp_id = None
                uow.audit("member_updated", "member", member.id, member.id, "fields: pcp_id")
        return _link(row, _entry(uow.session, row.directory_entry_id), member.pcp_id)


def _care_team_row(session: Session, link_id: int) -> CareTeamMember:
    row = session.get(CareTeamMember, link_id)
    if row is None:
        raise NotFound("This care-team link is no longer on file; refresh the chart.")
    return row
