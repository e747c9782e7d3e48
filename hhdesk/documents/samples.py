"""Fictional sample documents, for tests, the benchmark and the screenshots in docs/.

Everyone here is made up. The names carry accents and Vietnamese letters on purpose, and one goal is very
long, so that whatever renders these shows whether fonts and wrapping hold.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, datetime

from hhdesk.documents.data import (
    CareManagerContact,
    CarePlanDoc,
    CareTeamLine,
    ChecklistLine,
    ContactLine,
    GoalLine,
    InterventionLine,
    Letterhead,
    MemberSummary,
    NeedLine,
    PacketDoc,
    Recipient,
    ReferralLetterDoc,
    ReferralLine,
    Signature,
    TransitionLine,
    TransitionSummaryDoc,
)
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistItemStatus,
    ContactMode,
    GoalStatus,
    InterventionStatus,
    MemberStatus,
    NeedDomain,
    ReferralCategory,
    ReferralMethod,
    ReferralStatus,
    SignatureMethod,
    TransitionSetting,
    WithWhom,
)

LONG_GOAL = (
    "I want to find a safe apartment on the ground floor, close to the bus line and to my sister in the "
    "Bronx, that I can afford on my SSI check, so that I can stop moving between shelters, keep my insulin "
    "in a refrigerator that works, cook my own meals the way my mother taught me, see Dr. Østergaard every "
    "month without missing appointments because I lost my paperwork again, and have a quiet place where my "
    "grandchildren can visit me on Sundays. " * 3
).strip()


def sample_logo_png(width: int = 120, height: int = 60) -> bytes:
    """A small two-colour PNG logo, made in code so no image file is needed."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            inside = (x - height / 2) ** 2 + (y - height / 2) ** 2 < (height / 2.4) ** 2
            row += bytes((31, 78, 121)) if inside or (x > height and 22 < y < 38) else bytes((255, 255, 255))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    out.write(chunk(b"IDAT", raw))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


def sample_letterhead(with_logo: bool = True) -> Letterhead:
    return Letterhead(
        agency_name="Hudson Valley Health Home Partners",
        address_lines=("125 Main Street, Suite 400", "Poughkeepsie, NY 12601"),
        phone="(845) 555-0100",
        fax="(845) 555-0101",
        npi="1234567893",
        medicaid_provider_id="01234567",
        logo_png=sample_logo_png() if with_logo else None,
    )


def sample_member() -> MemberSummary:
    return MemberSummary(
        name="José Núñez-Peña",
        preferred_name="Pepe",
        date_of_birth=date(1961, 3, 14),
        medicaid_id="AB12345C",
        sex="Male",
        language="Spanish",
        interpreter_needed=True,
        address_lines=("48 Cañón Street, Apt 2B", "Poughkeepsie, NY 12603"),
        phone="(845) 555-0199",
        tier_label="Health Home Plus",
        status=MemberStatus.ENROLLED,
        pcp_name="Dr. Nguyễn Thị Minh Khai",
        pcp_phone="(845) 555-0142",
        pcp_fax="(845) 555-0143",
        care_manager_name="Zoë Ångström",
        care_manager_phone="(845) 555-0110",
        care_manager_email="zoe.angstrom@hvhhp.example.org",
        plan="Fidelis Care (HARP)",
        conditions=(
            ("E11.9", "Type 2 diabetes mellitus without complications"),
            ("F33.1", "Major depressive disorder, recurrent, moderate"),
            ("I10", "Essential (primary) hypertension"),
        ),
    )


def sample_care_plan() -> CarePlanDoc:
    return CarePlanDoc(
        version=3,
        status=CarePlanStatus.ACTIVE,
        strengths="Close to his sister and grandchildren. Cooks well. Keeps a notebook of appointments.",
        preferences="Spanish-speaking staff when possible; morning appointments; phone calls, not letters.",
        barriers="No stable housing since March. Shares a phone with his sister. Afraid of needles.",
        needs=(
            NeedLine(
                domain=NeedDomain.HOUSING,
                description="Living in a shelter; needs a ground-floor apartment he can afford.",
                goals=(
                    GoalLine(
                        text=LONG_GOAL,
                        status=GoalStatus.IN_PROGRESS,
                        target_date=date(2027, 3, 31),
                        interventions=(
                            InterventionLine(
                                "Apply for supportive housing (NYC 15/15 and county list)",
                                "Zoë Ångström",
                                "Once",
                                InterventionStatus.DONE,
                            ),
                            InterventionLine(
                                "Go with José to the housing interview and bring the documents",
                                "María Fernández (peer specialist)",
                                "As scheduled",
                                InterventionStatus.ACTIVE,
                            ),
                        ),
                    ),
                ),
            ),
            NeedLine(
                domain=NeedDomain.PHYSICAL_HEALTH,
                description="A1c 9.1 in September; missed two PCP visits.",
                goals=(
                    GoalLine(
                        text="I want my sugar under control so I don't lose my feet like my father did.",
                        status=GoalStatus.IN_PROGRESS,
                        target_date=date(2027, 1, 15),
                        interventions=(
                            InterventionLine("Remind of PCP visits by phone two days before", "Zoë Ångström",
                                             "Monthly", InterventionStatus.ACTIVE),
                            InterventionLine("Diabetes self-management class in Spanish", "Dr. Nguyễn Thị Minh Khai",
                                             "Weekly for 6 weeks", InterventionStatus.PLANNED),
                        ),
                    ),
                ),
            ),
            NeedLine(
                domain=NeedDomain.BEHAVIOURAL_HEALTH,
                description="",
                goals=(
                    GoalLine(
                        text="Sentirme menos triste y dormir mejor.",
                        status=GoalStatus.NOT_STARTED,
                        target_date=None,
                    ),
                ),
            ),
        ),
        member_signature=Signature("José Núñez-Peña", date(2026, 9, 2), SignatureMethod.PAPER, "Member"),
        care_manager_signature=Signature("Zoë Ångström", date(2026, 9, 2), SignatureMethod.ELECTRONIC,
                                         "Care manager"),
        effective_on=date(2026, 9, 2),
        review_due=date(2027, 3, 2),
        prepared_on=date(2026, 9, 1),
    )


def sample_packet() -> PacketDoc:
    return PacketDoc(
        member=sample_member(),
        care_plan=sample_care_plan(),
        care_team=(
            CareTeamLine("Dr. Nguyễn Thị Minh Khai", "PCP", "Mid-Hudson Family Health", "(845) 555-0142",
                         "(845) 555-0143", True),
            CareTeamLine("Dr. Søren Kierkegaard-Ruiz", "Psychiatrist", "Hudson River Behavioral Health",
                         "(845) 555-0150", "(845) 555-0151", True),
            CareTeamLine("María Fernández", "Peer specialist", "Hudson Valley Health Home Partners",
                         "(845) 555-0112", "", True),
            CareTeamLine("Ana Núñez", "Family caregiver (sister)", "", "(845) 555-0177", "", False),
        ),
        open_referrals=(
            ReferralLine(ReferralCategory.HOUSING, "Hudson Valley Housing Coalition",
                         "Homeless since March; needs ground-floor unit", date(2026, 10, 1), ReferralMethod.FAX,
                         ReferralStatus.ACCEPTED, date(2026, 10, 15)),
            ReferralLine(ReferralCategory.FOOD, "Dutchess Outreach Food Pantry", "Food insecurity",
                         date(2026, 10, 20), ReferralMethod.PHONE, ReferralStatus.SENT, date(2026, 11, 3)),
        ),
        recent_transitions=(
            TransitionLine(TransitionSetting.INPATIENT_MEDICAL, "Vassar Brothers Medical Center",
                           date(2026, 8, 10), date(2026, 8, 14), "Shelter (Poughkeepsie)", False, 8, 10),
            TransitionLine(TransitionSetting.EMERGENCY_DEPARTMENT, "MidHudson Regional Hospital",
                           date(2026, 9, 1), date(2026, 9, 1), "Sister's home", True, 3, 10),
        ),
        prepared_on=date(2026, 11, 23),
        prepared_by="Zoë Ångström",
    )


def sample_referral_letter(include_fax_cover: bool = True) -> ReferralLetterDoc:
    return ReferralLetterDoc(
        recipient=Recipient(
            name="Hudson Valley Housing Coalition",
            attention="Intake coordinator",
            address_lines=("200 Academy Street", "Poughkeepsie, NY 12601"),
            phone="(845) 555-0300",
            fax="(845) 555-0301",
        ),
        category=ReferralCategory.HOUSING,
        reason="Mr. Núñez-Peña has been homeless since March and stays in a congregate shelter.",
        need=(
            "A ground-floor apartment (he has diabetic neuropathy and cannot manage stairs) within his SSI "
            "budget, near a bus line. He needs a refrigerator for insulin."
        ),
        request=(
            "Please screen him for your supportive housing program and let us know the interview date. "
            "His care manager can attend and bring his documents."
        ),
        sent_on=date(2026, 10, 1),
        care_manager=CareManagerContact(
            name="Zoë Ångström",
            phone="(845) 555-0110",
            fax="(845) 555-0101",
            email="zoe.angstrom@hvhhp.example.org",
        ),
        method=ReferralMethod.FAX,
        reference="R-2026-0142",
        reply_by=date(2026, 10, 15),
        consent_signed_on=date(2026, 9, 2),
        include_fax_cover=include_fax_cover,
    )


def sample_transition_summary() -> TransitionSummaryDoc:
    return TransitionSummaryDoc(
        setting=TransitionSetting.INPATIENT_MEDICAL,
        facility="Vassar Brothers Medical Center",
        recipient=Recipient(
            name="Dr. Nguyễn Thị Minh Khai",
            attention="Mid-Hudson Family Health",
            address_lines=("29 N Hamilton Street", "Poughkeepsie, NY 12601"),
            phone="(845) 555-0142",
            fax="(845) 555-0143",
        ),
        care_manager=CareManagerContact("Zoë Ångström", "(845) 555-0110", "(845) 555-0101",
                                        "zoe.angstrom@hvhhp.example.org"),
        admitted_on=date(2026, 8, 10),
        discharged_on=date(2026, 8, 14),
        destination="Shelter (Poughkeepsie)",
        notified_at=datetime(2026, 8, 11, 9, 30),
        notified_how="Phone call from the hospital social worker",
        is_readmission=False,
        checklist=(
            ChecklistLine("Care manager informed / episode opened", ChecklistItemStatus.DONE,
                          datetime(2026, 8, 12, 9, 30), date(2026, 8, 11), "Zoë Ångström"),
            ChecklistLine("Care plan shared with the inpatient team", ChecklistItemStatus.DONE, None,
                          date(2026, 8, 12), "Zoë Ångström"),
            ChecklistLine("Member contacted within 48 h of discharge", ChecklistItemStatus.DONE,
                          datetime(2026, 8, 16, 0, 0), date(2026, 8, 15), "María Fernández"),
            ChecklistLine("Medication reconciliation done", ChecklistItemStatus.OPEN,
                          datetime(2026, 8, 21, 0, 0)),
            ChecklistLine("Behavioural-health follow-up within 7 days", ChecklistItemStatus.NOT_APPLICABLE,
                          None, note="Medical stay; psychiatric follow-up not required"),
        ),
        contacts_since_discharge=(
            ContactLine(date(2026, 8, 15), ContactMode.PHONE, WithWhom.MEMBER, "María Fernández",
                        "Back at the shelter; has discharge papers; needs a ride to the PCP on 8/19."),
            ContactLine(date(2026, 8, 18), ContactMode.IN_PERSON, WithWhom.MEMBER, "Zoë Ångström",
                        "Reviewed discharge medicines: <b>metformin</b> & insulin glargine 20 units."),
        ),
        care_plan_goals=sample_care_plan().needs[1].goals + sample_care_plan().needs[0].goals,
        prepared_on=date(2026, 8, 18),
        notes="Follow-up visit with the PCP booked for 08/19/2026 at 9:00; transport arranged.",
    )
