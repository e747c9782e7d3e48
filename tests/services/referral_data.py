"""A small world for referral tests (services, CLI, window): a member, a care manager, agencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hhdesk.db.models import Consent
from hhdesk.domain.enums import ConsentKind, DirectoryKind
from hhdesk.services import directory, members, users
from hhdesk.services.context import AppSession
from hhdesk.services.members import MemberDetails


@dataclass(frozen=True)
class ReferralWorld:
    member_id: int
    other_member_id: int
    housing_id: int
    food_id: int
    legal_person_id: int


def seed(app: AppSession, *, consent_on: date | None = date(2026, 1, 5)) -> ReferralWorld:
    """As the administrator: two members (the first with a Health Home consent on ``consent_on``), the
    care manager ``caremanager`` given a name and phone, and three directory entries."""
    users.update_user(app, "caremanager", full_name="Zoë Ångström", phone="8455550110",
                      email="zoe@example.org")
    created = members.create_member(app, MemberDetails(
        medicaid_id="AB12345C", last_name="Núñez-Peña", first_name="José", dob=date(1961, 3, 14),
        language="Spanish", interpreter_needed=True, phone="(845) 555-0199", address_line1="48 Cañón Street",
        city="Poughkeepsie", state="NY", zip="12603",
    ), care_manager="caremanager")
    other = members.create_member(app, MemberDetails(
        medicaid_id="CD67890E", last_name="Okafor", first_name="Ada", dob=date(1980, 7, 2),
    ))
    assert created.member_id is not None and other.member_id is not None
    if consent_on is not None:
        add_consent_form(app, created.member_id, ConsentKind.CONSENT, "DOH-5055", consent_on)
    housing = directory.create_entry(app, directory.DirectoryEntryInput(
        name="Dutchess Housing Coalition", phone="(845) 555-0300", fax="(845) 555-0301",
        address_line1="10 Market Street", city="Poughkeepsie", state="NY", zip="12601",
        categories=("housing", "benefits"),
    ))
    food = directory.create_entry(app, directory.DirectoryEntryInput(
        name="Hudson Valley Food Bank", phone="(845) 555-0400", categories=("food",),
    ))
    legal = directory.create_entry(app, directory.DirectoryEntryInput(
        name="Maria Lopez", kind=DirectoryKind.PERSON, organisation="Legal Aid of the Hudson Valley",
        categories=("legal",),
    ))
    return ReferralWorld(created.member_id, other.member_id, housing.id, food.id, legal.id)


def add_consent_form(app: AppSession, member_id: int, kind: ConsentKind, form: str, signed_on: date) -> None:
    """A consent-form row as the enrolment service would record it (written directly: test set-up only)."""
    with app.store.write_session() as session:
        session.add(Consent(member_id=member_id, kind=kind.value, form_type=form, signed_on=signed_on))
