"""A member with a care team, and plan content to edit, for the care plan and printing tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hhdesk.domain.careplan import PlanContent, PlanGoal, PlanIntervention, PlanNeed
from hhdesk.domain.enums import DirectoryKind, GoalStatus, InterventionStatus, NeedDomain, SignatureMethod
from hhdesk.services import careplans, directory, members, users
from hhdesk.services.careplans import SignatureInput
from hhdesk.services.context import AppSession
from hhdesk.services.members import MemberDetails

GOALS = (
    "Quiero tener mi propio apartamento antes del invierno",
    "I want my sugar under control so I can keep my feet",
    "Stay sober one day at a time and go to meetings on Tuesdays",
    "Get my SNAP benefits back",
)


@dataclass(frozen=True)
class PlanWorld:
    member_id: int
    care_manager_id: int
    team_link_id: int


def seed(app: AppSession) -> PlanWorld:
    """As the administrator: José Núñez-Peña, given to the care manager, with a PCP and a housing worker."""
    users.update_user(app, "caremanager", full_name="Zoë Ångström", phone="8455550110")
    created = members.create_member(app, MemberDetails(
        medicaid_id="AB12345C", last_name="Núñez-Peña", first_name="José", dob=date(1961, 3, 14),
        language="Spanish", interpreter_needed=True, phone="(845) 555-0199",
    ), care_manager="caremanager")
    assert created.member_id is not None
    pcp = directory.create_entry(app, directory.DirectoryEntryInput(
        name="Dr. Ana Ortiz", kind=DirectoryKind.PERSON, organisation="Hudson Family Medicine",
        phone="(845) 555-0200", fax="(845) 555-0201", categories=("pcp",)))
    housing = directory.create_entry(app, directory.DirectoryEntryInput(
        name="Dutchess Housing Coalition", phone="(845) 555-0300", fax="(845) 555-0301",
        categories=("housing",)))
    directory.add_to_care_team(app, created.member_id, pcp.id, "pcp", True)
    link = directory.add_to_care_team(app, created.member_id, housing.id, "housing_case_worker", True)
    manager = next(u for u in users.list_users(app) if u.username == "caremanager")
    return PlanWorld(created.member_id, manager.id, link.id)


def three_needs(world: PlanWorld) -> PlanContent:
    return PlanContent(
        strengths="Close to his sister; cooks for himself",
        preferences="Spanish; calls after 10 in the morning",
        barriers="No phone minutes at the end of the month",
        needs=(
            PlanNeed(NeedDomain.HOUSING, "Sleeping at his sister's", (
                PlanGoal(GOALS[0], date(2026, 12, 1), GoalStatus.IN_PROGRESS, (
                    PlanIntervention("Apply for Section 8 together", responsible_team_member_id=world.team_link_id,
                                     responsible_label="Dutchess Housing Coalition", frequency="Weekly",
                                     status=InterventionStatus.ACTIVE),
                )),
            )),
            PlanNeed(NeedDomain.PHYSICAL_HEALTH, "Type 2 diabetes, A1c 9.8", (
                PlanGoal(GOALS[1], date(2026, 9, 30), GoalStatus.NOT_STARTED, (
                    PlanIntervention("Go with him to the endocrinologist", responsible_user_id=world.care_manager_id,
                                     responsible_label="Zoë Ångström", frequency="Monthly"),
                    PlanIntervention("Check glucose every morning", responsible_label="Member", frequency="Daily"),
                )),
            )),
            PlanNeed(NeedDomain.SUBSTANCE_USE, "", (
                PlanGoal(GOALS[2], None, GoalStatus.IN_PROGRESS, (
                    PlanIntervention("Remind him of the Tuesday meeting", responsible_user_id=world.care_manager_id,
                                     frequency="Weekly"),
                )),
            )),
        ),
    )


def signature(world: PlanWorld, on: date, *, method: SignatureMethod = SignatureMethod.PAPER,
              scanned: bytes | None = None) -> SignatureInput:
    return SignatureInput(member_signer_name="José Núñez-Peña", member_signed_on=on,
                          care_manager_user_id=world.care_manager_id, care_manager_signed_on=on, method=method,
                          scanned_filename="scan.pdf" if scanned else "", scanned_data=scanned)


def signed_plan(app: AppSession, world: PlanWorld, on: date) -> careplans.CarePlanVersionView:
    draft = careplans.create_first_draft(app, world.member_id)
    careplans.save_draft(app, draft.id, three_needs(world))
    return careplans.sign(app, draft.id, signature(world, on), today=on)
