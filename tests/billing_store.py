"""A synthetic, demo-like store for billing tests and the billing benchmark, written with Core bulk inserts.

`fill_billing_store(store, members=..., contacts_per_member=..., months=...)` adds care managers, members
(outreach, enrolled, disenrolled, newly enrolled), segments, consents (some missing or withdrawn), signed care
plans (some missing), tiers (some changing), conditions with ICD-10-CM codes and contacts spread over the
months up to `end_month`, then fills the billing settings with test identifiers (`BILLING_TEST_SETTINGS`).
All of it is fictional; the NPI is the customary test NPI and the IDs are made up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from hhdesk.clock import AgencyClock
from hhdesk.db.models import (
    CarePlanVersion,
    Condition,
    Consent,
    Contact,
    EnrolmentSegment,
    Member,
    MemberPayerPeriod,
    Payer,
    TierPeriod,
    User,
)
from hhdesk.db.store import Store
from hhdesk.domain.identifiers import name_key
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import settings
from hhdesk.services.context import AppSession

BILLING_TEST_SETTINGS: dict[str, Any] = {
    "billing_profile": "ny_adult",
    "billing_region": "upstate",
    "outreach_rate_code": "1386",
    "outreach_amount": "135.00",
    "billing_provider_name": "Riverside Health Home",
    "billing_provider_npi": "1234567893",
    "billing_provider_taxonomy": "251B00000X",
    "billing_provider_tax_id": "12-3456789",
    "billing_provider_address": "412 River Street",
    "billing_provider_city": "Troy",
    "billing_provider_state": "NY",
    "billing_provider_zip": "12180-1234",
    "submitter_id": "RIVERSIDE01",
    "submitter_name": "Riverside Health Home",
    "submitter_contact_phone": "(518) 555-0140",
    "attending_last_name": "Okafor",
    "attending_first_name": "Grace",
    "claim_test_file": True,
}
# The payer table of the test stores: fee-for-service and one managed-care plan (test identifiers).
TEST_PAYERS: tuple[dict[str, Any], ...] = (
    {"code": "FFS", "name": "NYS Medicaid", "payer_id": "141797357", "receiver_id": "NYSDOH",
     "receiver_name": "NYS Medicaid", "filing_limit_days": 90, "fee_for_service": True, "active": True},
    {"code": "PLAN1", "name": "Hudson Valley Plan", "payer_id": "HVP0001", "receiver_id": "HVPCLEAR",
     "receiver_name": "Hudson Valley Clearinghouse", "filing_limit_days": 120, "fee_for_service": False,
     "active": True},
)


def ensure_test_payers(session: Any) -> dict[str, int]:
    """The test payer table in the store (added once); returns {code: payer id}."""
    have = dict(session.execute(select(Payer.code, Payer.id)).all())
    for row in TEST_PAYERS:
        if row["code"] not in have:
            payer = Payer(**row)
            session.add(payer)
            session.flush()
            have[payer.code] = payer.id
    return have

LAST_NAMES = ("Núñez", "O'Brien", "Smith", "Trần", "Johnson", "Wiśniewski", "Garcia", "Peña", "Lee", "Brown",
              "Ørsted", "Williams", "Nguyen", "Davis", "Rodriguez", "Martinez", "Clark", "Lewis", "Walker", "Hall")
FIRST_NAMES = ("José", "Maria", "Zoë", "James", "Minh", "Aisha", "Robert", "Linda", "Søren", "Ana", "David",
               "Grace", "Luis", "Mei", "John", "Fatima", "Kevin", "Rosa", "Samuel", "Nora")
CITIES = (("Troy", "12180"), ("Albany", "12207"), ("Schenectady", "12305"), ("Cohoes", "12047"))
DIAGNOSES = (("F32.9", "mental_health"), ("E11.9", "diabetes"), ("I10", "heart_disease"),
             ("J45.909", "asthma"), ("F20.9", "smi"), ("F10.20", "substance_use"), ("B20", "hiv_aids"),
             ("E66.9", "overweight"))
SERVICE_SETS = ("CM", "CM;CC", "CC", "CM;TC", "CC;FS", "CM;CC;RS", "CM;IT", "FS")
MODES = (("in_person", 30), ("phone", 40), ("video", 8), ("collateral", 10), ("mail", 5), ("attempt", 7))


def last_full_month(today: date | None = None) -> ServiceMonth:
    return ServiceMonth.of(today or AgencyClock().today()).previous()


@dataclass(frozen=True)
class BuiltStore:
    members: int
    contacts: int
    end_month: ServiceMonth


def fill_billing_store(store: Store, *, members: int = 60, contacts_per_member: int = 12, months: int = 12,
                       end_month: ServiceMonth | None = None, seed: int = 7,
                       settings_values: dict[str, Any] | None = None) -> BuiltStore:
    """Add `members` members with about `contacts_per_member` contacts each over `months` months to `end_month`."""
    rng = random.Random(seed)
    end = end_month or last_full_month()
    first_month = end.shift(-(months - 1))
    span_start, span_end = first_month.first_day, end.last_day
    span_days = (span_end - span_start).days + 1
    mode_names = [mode for mode, _ in MODES]
    mode_weights = [weight for _, weight in MODES]

    with store.write_session() as session:
        existing = session.execute(select(Member.id)).first() is not None
        offset = 100_000 if existing else 0
        cm_rows = [{"username": f"cm.bill{n}", "full_name": f"Care Manager {n}", "role": "care_manager"}
                   for n in range(1, 6)]
        known = set(session.execute(select(User.username)).scalars())
        cm_rows = [row for row in cm_rows if row["username"] not in known]
        if cm_rows:
            session.execute(insert(User.__table__), cm_rows)
        cm_ids = list(session.execute(select(User.id).where(User.username.like("cm.bill%"))).scalars())

        member_rows, segments, consents, plans, tiers, conditions, contacts = [], [], [], [], [], [], []
        first_id = (session.execute(select(Member.id).order_by(Member.id.desc())).scalar() or 0) + 1
        for n in range(members):
            member_id = first_id + n
            last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
            city, zip_code = rng.choice(CITIES)
            member_rows.append({
                "id": member_id, "medicaid_id": f"{chr(65 + n % 26)}{chr(65 + (n // 26) % 26)}"
                f"{(offset + n) % 100000:05d}{chr(65 + (n // 676) % 26)}",
                "last_name": last, "first_name": first, "preferred_name": "",
                "name_key": name_key(f"{last} {first}"),
                "dob": date(1950 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 28)),
                "sex": rng.choice("FFMMX"), "address_line1": f"{rng.randrange(1, 999)} Elm Street",
                "city": city, "state": "NY", "zip": zip_code,
                "care_manager_id": rng.choice(cm_ids) if rng.random() < 0.95 else None,
            })
            kind = rng.random()
            if kind < 0.15:  # outreach only, started within the span
                start = span_start + timedelta(days=rng.randrange(max(span_days - 20, 1)))
                segments.append((member_id, "outreach", start, None))
                enrolled_on = None
            else:
                start = span_start - timedelta(days=rng.randrange(30, 400))
                if kind < 0.92:
                    enrolled_on = start + timedelta(days=rng.randrange(20, 90))
                else:  # enrolled in the last months: inside the care-plan grace period
                    start = span_end - timedelta(days=rng.randrange(60, 120))
                    enrolled_on = start + timedelta(days=rng.randrange(10, 30))
                segments.append((member_id, "outreach", start, enrolled_on - timedelta(days=1)))
                ended = span_end - timedelta(days=rng.randrange(40, 200)) if kind < 0.25 else None
                if ended is not None and ended <= enrolled_on:
                    ended = None
                segments.append((member_id, "enrolled", enrolled_on, ended))
            if enrolled_on is not None:
                tier = rng.choices(("standard", "high_risk", "hh_plus"), (60, 25, 15))[0]
                tiers.append({"member_id": member_id, "tier": tier, "effective_date": enrolled_on})
                if rng.random() < 0.1:
                    change = span_start + timedelta(days=rng.randrange(span_days))
                    if change > enrolled_on:
                        tiers.append({"member_id": member_id, "tier": rng.choice(("standard", "hh_plus")),
                                      "effective_date": change})
                if rng.random() < 0.95:
                    consents.append({"member_id": member_id, "kind": "consent", "form_type": "DOH-5055",
                                     "signed_on": enrolled_on})
                    if rng.random() < 0.02:
                        consents.append({"member_id": member_id, "kind": "withdrawal", "form_type": "DOH-5058",
                                         "signed_on": enrolled_on + timedelta(days=rng.randrange(30, 300))})
                if rng.random() < 0.94:
                    plans.append({"member_id": member_id, "version_no": 1, "status": "active",
                                  "signed_on": enrolled_on + timedelta(days=rng.randrange(5, 60))})
            for position, (code, category) in enumerate(rng.sample(DIAGNOSES, rng.randrange(1, 4))):
                conditions.append({"member_id": member_id, "icd10": code, "description": code,
                                   "category": category if position == 0 else None,
                                   "noted_on": span_start - timedelta(days=400)})
            for _ in range(contacts_per_member):
                day = span_start + timedelta(days=rng.randrange(span_days))
                mode = rng.choices(mode_names, mode_weights)[0]
                services = "" if mode in ("attempt", "mail") and rng.random() < 0.7 else rng.choice(SERVICE_SETS)
                contacts.append({"member_id": member_id, "contact_date": day, "mode": mode, "with_whom": "member",
                                 "minutes": 20, "staff_id": rng.choice(cm_ids), "core_services": services,
                                 "note": ""})
        session.execute(insert(Member.__table__), member_rows)
        payer_ids = ensure_test_payers(session)
        # every third member in the managed-care plan, the others fee-for-service, from before the first month
        session.execute(insert(MemberPayerPeriod.__table__), [
            {"member_id": row["id"], "payer_id": payer_ids["PLAN1" if row["id"] % 3 == 0 else "FFS"],
             "effective_date": span_start - timedelta(days=400), "note": ""} for row in member_rows])
        session.execute(insert(EnrolmentSegment.__table__), [
            {"member_id": m, "kind": k, "start_date": s, "end_date": e,
             "end_reason": ("enrolled" if k == "outreach" and e else ("moved" if e else None))}
            for m, k, s, e in segments])
        for table, rows in ((TierPeriod.__table__, tiers), (Consent.__table__, consents),
                            (CarePlanVersion.__table__, plans), (Condition.__table__, conditions)):
            if rows:
                session.execute(insert(table), rows)
        contacts.sort(key=lambda row: row["contact_date"])  # as they accumulate in a real store
        for start in range(0, len(contacts), 50_000):
            session.execute(insert(Contact.__table__), contacts[start:start + 50_000])
        for key, value in (settings_values if settings_values is not None else BILLING_TEST_SETTINGS).items():
            settings.put(session, key, value)
    return BuiltStore(members=members, contacts=len(contacts), end_month=end)


def add_member(app: AppSession | Store, medicaid_id: str, last_name: str, *,
               segments: list[tuple[str, str, str | None]], consents: list[tuple[str, str]] = (),
               plans: list[str] = (), tiers: list[tuple[str, str]] = (), contacts: list[tuple[str, str, str]] = (),
               diagnoses: list[tuple[str, str | None]] = (("I10", "heart_disease"),), first_name: str = "Test",
               payers: list[tuple[str, str]] = (("FFS", "2000-01-01"),)) -> int:
    """One member with the given records (dates as YYYY-MM-DD), written straight to the store."""
    day = date.fromisoformat
    store = app.store if isinstance(app, AppSession) else app
    with store.write_session() as session:
        member = Member(medicaid_id=medicaid_id, last_name=last_name, first_name=first_name,
                        name_key=name_key(f"{last_name} {first_name}"), dob=day("1970-01-01"), sex="F")
        session.add(member)
        session.flush()
        for kind, start, end in segments:
            session.add(EnrolmentSegment(member_id=member.id, kind=kind, start_date=day(start),
                                         end_date=day(end) if end else None))
        for kind, signed in consents:
            session.add(Consent(member_id=member.id, kind=kind, form_type="DOH-5055", signed_on=day(signed)))
        for number, signed in enumerate(plans, start=1):
            session.add(CarePlanVersion(member_id=member.id, version_no=number, status="active",
                                        signed_on=day(signed)))
        for tier, effective in tiers:
            session.add(TierPeriod(member_id=member.id, tier=tier, effective_date=day(effective)))
        for dated, mode, services, *with_whom in contacts:  # with_whom: optional 4th item (default member)
            session.add(Contact(member_id=member.id, contact_date=day(dated), mode=mode, core_services=services,
                                with_whom=with_whom[0] if with_whom else "member"))
        for code, category in diagnoses:
            session.add(Condition(member_id=member.id, icd10=code, description=code, category=category))
        payer_ids = ensure_test_payers(session)
        for code, effective in payers:
            session.add(MemberPayerPeriod(member_id=member.id, payer_id=payer_ids[code], effective_date=day(effective)))
        return member.id
