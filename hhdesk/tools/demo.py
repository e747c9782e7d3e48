"""A demo store full of synthetic, realistic data: for trying hhdesk, for screenshots and for benchmarks.

``build_demo_store`` creates an encrypted store for "Riverside Health Home" (Troy, NY) with an admin
``demo`` / ``demo-password`` and seven staff accounts, then fills every table: members with accented names
(José Núñez is always one of them), conditions with ICD-10-CM codes, enrolment segments, consents, tiers, a
directory and care teams, versioned care plans, months of contacts, transition episodes with checklists,
referrals with their status history, billing runs and the billing settings a claim file needs.

Staff accounts (all share the password ``riverside-staff-pw``, see ``DEMO_STAFF_PASSWORD``):
``mperez`` (María Pérez), ``dwilliams``, ``echen`` and ``kmensah`` (care managers), ``rgoldberg``
(supervisor), ``tkowalski`` (billing) and ``adesai`` (read only).

The same seed and the same ``today`` give the same store: one ``random.Random(seed)`` drives every choice,
and dates are laid out relative to ``today`` (the caller's; the real date if not given) so that the last
months are always full of data. A few gaps are planted on purpose so that every screen has something to
show: enrolled members without a consent (billing says ``no_consent``), members past the 90-day grace
period without a signed care plan (``no_care_plan``), overdue checklist items, open episodes, readmissions,
referrals without an answer.

Otherwise the demo behaves like a caseload that is looked after, so a newcomer sees the product working:
every referral that was sent has the member's consent to share with that agency on the care team (as
recording a referral with consent does), so its letter prints; open referrals wait for a follow-up date that
the care manager keeps moving on, and old ones were closed; enrolled members' care plans were reviewed on
time, except for a handful of reviews and follow-ups a few days to weeks late.

Accounts go through the key slots and ``services.users``; the bulk data is written with SQLAlchemy Core
``insert()`` executemany in two transactions (every member with all their rows, generated and written
1,000 members at a time so that memory stays flat; then billing runs, settings and the audit event), with
primary keys assigned here so that children can point at their parents without a round trip. The demo admin's password breaks the password rule (it
contains the username), so the demo creates the store with ``Store.create`` directly, as
``users.create_store`` would, instead of through it.
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import itertools
import json
import random
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hhdesk.clock import Clock, local_naive
from hhdesk.db.models import (
    AotOrder,
    Attachment,
    BillingClaim,
    BillingResponseFile,
    BillingRun,
    CarePlanGoal,
    CarePlanIntervention,
    CarePlanNeed,
    CarePlanVersion,
    CareTeamMember,
    ChecklistItem,
    Condition,
    Consent,
    Contact,
    DirectoryEntry,
    EnrolmentSegment,
    Member,
    MemberPayerPeriod,
    OutreachElsewhere,
    Payer,
    Referral,
    ReferralStatusChange,
    TierPeriod,
    TransitionEpisode,
    User,
)
from hhdesk.db.postgres import ServerAddress
from hhdesk.db.store import Store
from hhdesk.domain.billing_rules import BillingEvaluator, MemberBillingFacts
from hhdesk.domain.checklists import (
    CARE_PLAN_REVIEWED_KEY,
    EPISODE_OPENED_KEY,
    MEMBER_CONTACTED_KEY,
    ChecklistTemplate,
    build_checklist,
    conditions_from_chronic_categories,
    is_readmission,
    template_from_json,
)
from hhdesk.domain.conditions import category_for_icd10
from hhdesk.domain.contact_rules import core_services_allowed
from hhdesk.domain.enums import (
    CarePlanStatus,
    ChecklistAnchor,
    ChecklistItemStatus,
    ChronicCategory,
    ConsentKind,
    ContactMode,
    CoreService,
    EndReason,
    GoalStatus,
    InterventionStatus,
    NeedDomain,
    ReferralCategory,
    ReferralMethod,
    ReferralStatus,
    Role,
    SegmentType,
    SignatureMethod,
    Tier,
    TransitionSetting,
    WithWhom,
)
from hhdesk.domain.identifiers import fold_text, is_valid_npi, name_key
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.resources_path import resource_path
from hhdesk.services import audit, server_import, settings, users
from hhdesk.services.contacts import encode_services
from hhdesk.services.member_records import age_on
from hhdesk.services.referrals import CATEGORY_LABELS as REFERRAL_CATEGORY_LABELS
from hhdesk.services.referrals import CONSENT_ROLE_PREFIX as REFERRAL_ROLE_PREFIX
from hhdesk.services.server_import import ImportReport
from hhdesk.services.settings import AgencyInfo
from hhdesk.tools import demo_vocabulary as vocab

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-password"
DEMO_STAFF_PASSWORD = "riverside-staff-pw"
OUTREACH_RATE_CODE = "1386"  # demo values: each agency enters the outreach code and amount it was given
OUTREACH_AMOUNT = "135.00"
_MEMBER_WITHOUT_PAYER = 4  # planted: no Medicaid plan or fee-for-service on record, so billing says no_payer
# The demo's payer table: (code, plan name as in the vocabulary, name on the claim, payer ID, receiver ID,
# filing limit in days, fee-for-service). Identifiers are test identifiers, not real ones.
DEMO_PAYERS: tuple[tuple[str, str, str, str, str, int, bool], ...] = (
    ("FFS", "Medicaid fee-for-service", "New York State Medicaid (test)", "NYMEDTEST", "EMEDNYTEST", 90, True),
    ("CDPHP", "CDPHP Medicaid", "CDPHP Medicaid (test)", "CDPHPTEST", "CDPHPTEST", 90, False),
    ("FIDELIS", "Fidelis Care", "Fidelis Care (test)", "FIDELISTEST", "FIDELISTEST", 120, False),
    ("MVP", "MVP Health Care", "MVP Health Care (test)", "MVPTEST", "MVPTEST", 90, False),
    ("UHCCP", "UnitedHealthcare Community Plan", "UnitedHealthcare Community Plan (test)", "UHCTEST",
     "UHCTEST", 180, False),
)

# A looked-after caseload: the share of reviews and referral follow-ups that are running late today.
LATE_REVIEW_SHARE = 0.05
LATE_FOLLOW_UP_SHARE = 0.08

# Members are generated and written this many at a time, so memory stays flat however large the store.
_MEMBER_CHUNK = 1_000
# Older appropriateness codes and the criterion of NY DOH's list that covers each (as the NY program profile
# reads them): the demo stores DOH's codes.
_DOH_APPROPRIATENESS = {
    "no_provider_for_condition": "cannot_navigate_system",
    "no_visit_past_year": "cannot_navigate_system",
    "inpatient_discharge_6_months": "risk_of_adverse_events",
    "frequent_emergency_visits": "risk_of_adverse_events",
    "homeless_or_unstable_housing": "inadequate_support",
}

Progress = Callable[[str], None]


def build_demo_store(
    path: Path,
    members: int = 200,
    seed: int = 7,
    *,
    contacts_per_member: int | None = None,
    months: int = 12,
    progress: Progress | None = None,
    referrals_per_member: int | None = None,
    today: date | None = None,
) -> None:
    """Create a new store at ``path`` and fill it with synthetic data (see the module docstring).

    ``contacts_per_member`` fixes each member's number of contacts over the ``months`` before today (the
    benchmark uses 50 over 24 months); by default active members get about four to six a month.
    ``referrals_per_member`` fixes the number of referrals each member has (the benchmark uses 3); by default
    members have none to three. ``today`` is the day the data leads up to (the real date if not given; tests
    pin it). Raises StoreExists if something is already at ``path``.
    """
    if members < 1:
        raise ValueError("members must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    report = progress or (lambda _text: None)
    report("Creating the encrypted store and the staff accounts")
    _create_store(path)
    app = users.login(path, DEMO_USER, DEMO_PASSWORD)
    try:
        for staff in vocab.STAFF:
            users.add_user(app, staff.username, staff.role, DEMO_STAFF_PASSWORD, staff.full_name,
                           phone=staff.phone, email=f"{staff.username}@{vocab.AGENCY_EMAIL_DOMAIN}")
        _fill(app.store, members, seed, contacts_per_member, months, referrals_per_member, report,
              _demo_now(today, app.clock))
        users.logout(app)
    except BaseException:
        app.close()
        raise
    report("Done")


def build_demo_agency(address: ServerAddress, setup_user: str, setup_password: str, *, members: int = 200,
                      seed: int = 7, today: date | None = None) -> ImportReport:
    """Fill an empty database on an agency's server with the same demo: built as a store file in a private
    temporary folder, then moved up as `hhdesk server import` does; every demo account keeps its published
    password on the server. The temporary file is removed."""
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-demo-"))
    try:
        path = folder / "demo.hhdesk"
        build_demo_store(path, members=members, seed=seed, today=today)
        return server_import.import_store(
            path, DEMO_USER, DEMO_PASSWORD, address, setup_user, setup_password,
            known_passwords={staff.username: DEMO_STAFF_PASSWORD for staff in vocab.STAFF})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _create_store(path: Path) -> None:
    """The demo agency and its admin, whose published password breaks the usual rule."""
    line1, line2, city, state, zip_code = vocab.AGENCY_ADDRESS
    agency = AgencyInfo(
        name=vocab.AGENCY_NAME, address_line1=line1, address_line2=line2, city=city, state=state, zip=zip_code,
        phone=vocab.AGENCY_PHONE, fax=vocab.AGENCY_FAX, npi=vocab.AGENCY_NPI,
        medicaid_provider_id=vocab.AGENCY_MEDICAID_PROVIDER_ID,
    )
    users.create_store(path, agency, DEMO_USER, DEMO_PASSWORD, "Demo Administrator",
                       admin_email=f"{DEMO_USER}@{vocab.AGENCY_EMAIL_DOMAIN}", detail="demo store",
                       enforce_password_rule=False)


def _demo_now(today: date | None, clock: Clock) -> datetime:
    """The moment the demo data leads up to: the end of a working day on ``today``, but never later than the
    real clock, so that nothing in the store is dated in the future."""
    real = local_naive(clock.now()).replace(microsecond=0)
    if today is None:
        return real
    end_of_day = datetime.combine(today, time(17, 0))
    return min(end_of_day, real) if today == real.date() else end_of_day


def _fill(store: Store, members: int, seed: int, contacts_per_member: int | None, months: int,
          referrals_per_member: int | None, report: Progress, now: datetime) -> None:
    with store.read_session() as session:
        staff = _Staff.load(session)
    data = _DemoData(random.Random(seed), now, months, staff, members, contacts_per_member, referrals_per_member)

    report(f"Writing {members} members with their records")
    with store.write_session() as session:
        for model, rows in data.batches():
            _insert(session, model, rows)
            if model is Contact:
                report(f"Members written: {data.members_done} of {members}")

    report("Writing billing runs, settings and the audit event")
    with store.write_session() as session:
        _insert(session, BillingRun, data.billing_runs())
        _insert(session, BillingClaim, data.billing_claims())
        _insert(session, BillingResponseFile, data.response_files())
        for key, value in data.settings().items():
            if key in settings.OPTIONS:  # a setting an older or newer hhdesk lacks is left out
                settings.put(session, key, value)
        detail = ", ".join(f"{name} {count}" for name, count in data.counts.items() if count)
        audit.append(session, DEMO_USER, "demo_data_created", "store", detail=f"seed {seed}; {detail}")


def _insert(session: Session, model: type, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


# ---- helpers ---------------------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    year, month_zero = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month_zero + 1)[1]
    return date(year, month_zero + 1, min(day.day, last))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def _npi(rng: random.Random) -> str:
    """A random 10-digit NPI-shaped number with a valid check digit (a test number, not a real provider)."""
    base = f"1{rng.randrange(10**8):08d}"
    return next(base + str(d) for d in range(10) if is_valid_npi(base + str(d)))


def _services_text(services: Sequence[CoreService | str]) -> str:
    return encode_services(CoreService(s) for s in services)


def _tiny_png(rng: random.Random, width: int = 64, height: int = 24) -> bytes:
    """A small greyscale 'scan' of a signature line: a few hundred bytes of valid PNG."""
    rows = []
    wave = [height // 2 + int(5 * (rng.random() - 0.5) + 3 * ((x % 12) - 6) / 6) for x in range(width)]
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            ink = abs(y - wave[x]) <= 1 and 6 < x < width - 6
            line = y == height - 4 and 3 < x < width - 3
            row.append(30 if ink or line else 235 + rng.randrange(12))
        rows.append(bytes(row))

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


class _Weighted:
    """Fast repeated weighted choice (precomputed cumulative weights)."""

    def __init__(self, pairs: Sequence[tuple[Any, int | float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cumulative = list(itertools.accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def _load_templates() -> dict[TransitionSetting, ChecklistTemplate]:
    return {
        setting: template_from_json(resource_path(f"checklists/{setting.value}.json").read_text(encoding="utf-8"))
        for setting in TransitionSetting
    }


@dataclass(frozen=True)
class _Staff:
    admin_id: int
    care_managers: tuple[tuple[int, str], ...]  # (user id, full name)
    supervisor_id: int
    billing_id: int

    @classmethod
    def load(cls, session: Session) -> _Staff:
        rows = session.execute(select(User.id, User.username, User.full_name, User.role)).all()
        by_role: dict[str, list[tuple[int, str]]] = {}
        for user_id, username, full_name, role in sorted(rows, key=lambda r: r[0]):
            by_role.setdefault(role, []).append((user_id, full_name or username))
        return cls(
            admin_id=by_role[Role.ADMIN.value][0][0],
            care_managers=tuple(by_role[Role.CARE_MANAGER.value]),
            supervisor_id=by_role[Role.SUPERVISOR.value][0][0],
            billing_id=by_role[Role.BILLING.value][0][0],
        )


class _Ids:
    """Primary keys handed out here, so that child rows can be built before anything is written."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value


# ---- what a member is like, decided before rows are made ---------------------------------------------------

_PATTERNS = ("enrolled", "outreach_open", "outreach_ended", "disenrolled", "reenrolled", "referred")


@dataclass
class _Person:
    """The working record of one synthetic member while their rows are generated."""

    id: int
    first: str
    last: str
    sex: str
    dob: date
    group: str
    cm_id: int
    cm_name: str
    pattern: str
    row: dict[str, Any]  # the members row, still open to changes until it is written
    # (kind, start, end or None, end reason or None), in date order, never overlapping.
    segments: list[tuple[str, date, date | None, str | None]] = field(default_factory=list)
    tiers: list[tuple[str, date]] = field(default_factory=list)
    categories: list[ChronicCategory] = field(default_factory=list)
    team: dict[str, int] = field(default_factory=dict)  # care-team role -> care_team.id
    team_labels: dict[str, str] = field(default_factory=dict)  # care-team role -> directory name
    team_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # directory entry id -> care_team row
    goals: dict[NeedDomain, int] = field(default_factory=dict)  # goals of the latest version by domain
    needs: list[NeedDomain] = field(default_factory=list)
    consents: list[tuple[str, date]] = field(default_factory=list)
    plans_signed: list[date] = field(default_factory=list)
    extra_contacts: list[dict[str, Any]] = field(default_factory=list)
    billing_contacts: list[tuple[date, str, frozenset[str], str, bool]] = field(default_factory=list)
    aot_orders: list[tuple[date, date | None]] = field(default_factory=list)
    outreach_elsewhere: list[str] = field(default_factory=list)
    hh_plus_population: str = ""
    no_consent: bool = False
    no_plan: bool = False
    withdrawal: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    def age_on(self, day: date) -> int:
        return age_on(self.dob, day)

    def enrolled_segments(self) -> list[tuple[str, date, date | None, str | None]]:
        return [s for s in self.segments if s[0] == SegmentType.ENROLLED.value]

    def segment_on(self, day: date) -> str | None:
        for kind, start, end, _reason in self.segments:
            if start <= day and (end is None or day <= end):
                return kind
        return None

    def tier_on(self, day: date) -> str | None:
        current = None
        for tier, effective in self.tiers:
            if effective <= day:
                current = tier
        return current


class _DemoData:
    """Generates every row of the demo store from one random generator, in a fixed order."""

    def __init__(self, rng: random.Random, now: datetime, months: int, staff: _Staff, member_count: int,
                 contacts_per_member: int | None, referrals_per_member: int | None) -> None:
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.window_start = _add_months(self.today.replace(day=1), -months)
        self.staff = staff
        self.member_count = member_count
        self.contacts_per_member = contacts_per_member
        self.referrals_per_member = referrals_per_member
        self.ids = _Ids()
        self.templates = _load_templates()
        self.members_done = 0
        self.counts: dict[str, int] = {}
        self.rows: dict[type, list[dict[str, Any]]] = {
            model: [] for model in (
                DirectoryEntry, Member, Attachment, Condition, Consent, EnrolmentSegment, TierPeriod,
                AotOrder, OutreachElsewhere, CareTeamMember, CarePlanVersion, CarePlanNeed, CarePlanGoal, CarePlanIntervention,
                TransitionEpisode, ChecklistItem, Referral, ReferralStatusChange, Contact, Payer,
                MemberPayerPeriod,
            )
        }
        self.directory_by_group: dict[str, list[tuple[int, vocab.DirectorySeed]]] = {}
        self.directory_by_category: dict[str, list[int]] = {}
        self.png = _tiny_png(rng)
        self._billing_months = [ServiceMonth.of(self.today).shift(-3), ServiceMonth.of(self.today).shift(-2)]
        self._billing_history_start = self._billing_months[0].shift(-13).first_day
        self._mode_weights = {
            SegmentType.ENROLLED.value: _Weighted([("phone", 40), ("in_person", 25), ("video", 8),
                                                   ("collateral", 15), ("attempt", 8), ("mail", 4)]),
            SegmentType.OUTREACH.value: _Weighted([("attempt", 35), ("phone", 30), ("mail", 15),
                                                   ("in_person", 12), ("collateral", 5), ("video", 3)]),
        }
        self._service_sets = _Weighted([
            (("CM",), 16), (("CC",), 14), (("CM", "CC"), 18), (("CC", "FS"), 8), (("CM", "RS"), 7),
            (("CC", "IT"), 6), (("CM", "CC", "FS"), 7), (("RS",), 5), (("FS",), 5), (("CM", "TC"), 3),
            (("IT",), 3), (("CC", "RS"), 5), (("CM", "CC", "IT"), 3),
        ])
        self._chronic = _Weighted([((code, text), weight) for code, text, weight in vocab.CHRONIC_CODES])
        self._groups = _Weighted([(group, group.weight) for group in vocab.NAME_GROUPS])
        self._cities = _Weighted([(city, weight) for city, _zips, weight in vocab.CITY_ZIPS])
        self._plans = _Weighted(list(vocab.PLANS))
        self._sexes = _Weighted(list(vocab.SEX_WEIGHTS))
        self._social = _Weighted(list(vocab.SOCIAL_DOMAINS))
        self._referral_categories = _Weighted(list(vocab.REFERRAL_CATEGORY_WEIGHTS))
        self._medicaid_ids: set[str] = set()
        self._member_months = [0] * len(self._billing_months)
        self._billable = [0] * len(self._billing_months)
        self._totals = [Decimal("0.00")] * len(self._billing_months)
        self._claims: list[dict[str, Any]] = []
        self._run_count = 0
        self._payer_codes = {plan: code for code, plan, *_rest in DEMO_PAYERS}
        self._payer_ids = {code: number for number, (code, *_rest) in enumerate(DEMO_PAYERS, start=1)}
        from hhdesk.exports.profiles import load_profile

        overrides = {"outreach_rate_code": OUTREACH_RATE_CODE}
        if "outreach_amount" in settings.OPTIONS:
            overrides["outreach_amount"] = OUTREACH_AMOUNT
        self._billing_profile = load_profile("ny_adult", region="upstate", overrides=overrides)
        self._service_set_cache: dict[str, frozenset[str]] = {}
        # Gaps planted on purpose; the first member who can have one always does (see _consents, _care_plans).
        self._planted = {"withdrawal": 0, "no_consent": 0, "no_plan": 0, "open_episode": 0, "aot": 0,
                         "elsewhere": 0}

    # ---- public ------------------------------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[type, list[dict[str, Any]]]]:
        """Every row but billing runs and settings, as (model, rows), parents before children.

        Members come in chunks, each followed by its contacts, so that only one chunk is held at a time.
        """
        self._directory()
        self._payers()
        yield from self._take_rows()
        patterns = self._assign_patterns()
        chunk: list[_Person] = []
        for index in range(self.member_count):
            person = self._member(index, patterns[index])
            self._segments(person)
            self._conditions(person)
            self._consents(person)
            self._tiers(person)
            self._billing_facts(person)
            self._payer_period(person)
            self._care_team(person)
            self._care_plans(person)
            if self._active_spans(person) and (self.rng.random() < 0.2 or person.id == 1):
                self._transitions(person)
            self._referrals(person)
            chunk.append(person)
            if len(chunk) == _MEMBER_CHUNK or index == self.member_count - 1:
                for member in chunk:
                    self.rows[Contact].extend(self._contacts(member))
                    self._count_billing(member)
                self.members_done += len(chunk)
                chunk = []
                yield from self._take_rows()

    def _take_rows(self) -> Iterator[tuple[type, list[dict[str, Any]]]]:
        for model, rows in self.rows.items():
            if rows:
                self.counts[model.__tablename__] = self.counts.get(model.__tablename__, 0) + len(rows)
                self.rows[model] = []
                yield model, rows

    def _count_billing(self, person: _Person) -> None:
        """Evaluate the months of the billing runs for one member, then drop the facts it needed."""
        facts = MemberBillingFacts(
            segments=[(kind, start, end) for kind, start, end, _ in person.segments],
            consents=person.consents, care_plans_signed=person.plans_signed,
            tiers=person.tiers, contacts=person.billing_contacts,
            hh_plus_population=person.hh_plus_population or None, aot_orders=person.aot_orders,
            outreach_billed_elsewhere=frozenset(person.outreach_elsewhere),
        )
        evaluator = BillingEvaluator(facts, self._billing_profile)
        payer = "" if person.id == _MEMBER_WITHOUT_PAYER else self._payer_codes.get(str(person.row["plan_id"]), "")
        for index, month in enumerate(self._billing_months):
            evaluation = evaluator.evaluate(month)
            if evaluation.segment is None:
                continue
            self._member_months[index] += 1
            if evaluation.billable and payer:
                self._billable[index] += 1
                self._totals[index] += evaluation.amount or Decimal("0.00")
                medicaid_id = str(person.row["medicaid_id"])
                self._claims.append({
                    "month_index": index, "payer_code": payer, "member_id": person.id, "medicaid_id": medicaid_id,
                    "service_month": str(month), "claim_id": f"{medicaid_id}{month.year:04d}{month.month:02d}",
                    "rate_code": evaluation.rate_code or "", "amount": f"{evaluation.amount or Decimal('0'):.2f}",
                })
        person.billing_contacts = []

    def _payers(self) -> None:
        for number, (code, _plan, name, payer_id, receiver_id, limit, ffs) in enumerate(DEMO_PAYERS, start=1):
            self.rows[Payer].append({
                "id": number, "code": code, "name": name, "payer_id": payer_id, "receiver_id": receiver_id,
                "receiver_name": name, "filing_limit_days": limit, "fee_for_service": ffs, "active": True,
            })

    def _payer_period(self, person: _Person) -> None:
        """The member's plan (or fee-for-service) from the first day of the month their first segment began."""
        code = self._payer_codes.get(str(person.row["plan_id"]))
        if code is None or not person.segments or person.id == _MEMBER_WITHOUT_PAYER:
            return  # that one member shows the clerk a month without a payer (no_payer)
        start = person.segments[0][1].replace(day=1)
        self.rows[MemberPayerPeriod].append({
            "member_id": person.id, "payer_id": self._payer_ids[code], "effective_date": start,
            "note": "From the Medicaid eligibility check at referral.",
            "created_at": _at(start, 9),
        })

    def billing_runs(self) -> list[dict[str, Any]]:
        """Claim exports already made for two past months, one file per payer, as the billing service makes them."""
        runs = []
        number = 0
        for index, month in enumerate(self._billing_months):
            made = _at(month.last_day + timedelta(days=6), 10, 15)
            month_claims = [claim for claim in self._claims if claim["month_index"] == index]
            for code in sorted({claim["payer_code"] for claim in month_claims}):
                number += 1
                claims = [claim for claim in month_claims if claim["payer_code"] == code]
                total = sum((Decimal(claim["amount"]) for claim in claims), Decimal("0.00"))
                text = f"{month} {code} {len(claims)} {total}"
                runs.append({
                    # format and file name as services.billing.export records them
                    "id": number, "service_month": str(month), "format": "837i", "created_at": made,
                    "created_by_id": self.staff.billing_id,
                    "file_name": f"billing-{month}-837i-{code}.x12",
                    "file_sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "member_months": len(claims), "billable_count": len(claims),
                    "total_amount": f"{total:.2f}", "interchange_control_number": number,
                    "group_control_number": number, "repeat_reason": "", "payer_code": code, "late_reason": "",
                    "correction": False,
                })
                for claim in claims:
                    claim["run_id"] = number
        self._run_count = number
        return runs

    def billing_claims(self) -> list[dict[str, Any]]:
        """The claims of the demo's runs: the older month remitted (two denied), the newer accepted (one rejected)."""
        rows = []
        older = [claim for claim in self._claims if claim["month_index"] == 0 and "run_id" in claim]
        newer = [claim for claim in self._claims if claim["month_index"] == 1 and "run_id" in claim]
        denied = {id(claim) for claim in older[:2]}
        rejected = {id(claim) for claim in newer[:1]}
        for claim in older + newer:
            number = "2026" + claim["claim_id"][-10:].rjust(10, "0")
            row = {key: claim[key] for key in ("run_id", "member_id", "medicaid_id", "service_month", "claim_id",
                                               "payer_code", "rate_code", "amount")}
            row.update({"transaction_set": "0001", "frequency": "1", "original_claim_id": None,
                        "payer_claim_number": number, "status": "accepted", "status_detail": "",
                        "paid_amount": "", "status_at": _at(self.today - timedelta(days=20), 8)})
            if id(claim) in denied:
                row.update({"status": "denied", "paid_amount": "0.00", "status_detail":
                            "CO CARC 16: the claim lacks information or has submission or billing errors; "
                            "RARC MA130: the claim has incomplete or invalid information and no appeal rights are "
                            "given; submit a new claim with the complete and correct information"})
            elif id(claim) in rejected:
                row.update({"status": "rejected", "payer_claim_number": "",
                            "status_detail": "277CA A7 (rejected for invalid information), status 164"})
            elif claim["month_index"] == 0:
                row.update({"status": "paid", "paid_amount": claim["amount"]})
            rows.append(row)
        return rows

    def response_files(self) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "file_name": name, "file_sha256": hashlib.sha256(name.encode()).hexdigest(),
             "imported_at": _at(self.today - timedelta(days=20), 8), "imported_by_id": self.staff.billing_id,
             "summary": summary}
            for kind, name, summary in (
                ("277CA", f"277ca-{self._billing_months[1]}.x12", "claims acknowledged by the payers"),
                ("835", f"835-{self._billing_months[0]}.x12", "remittance for the older month"),
            )
        ]

    def settings(self) -> dict[str, Any]:
        line1, _line2, city, state, _zip = vocab.AGENCY_ADDRESS
        return {
            "billing_region": "upstate",
            "outreach_rate_code": OUTREACH_RATE_CODE,
            "outreach_amount": OUTREACH_AMOUNT,
            "claim_test_file": True,  # the demo's identifiers are test identifiers
            "billing_provider_name": vocab.AGENCY_NAME,
            "billing_provider_npi": vocab.AGENCY_NPI,
            "billing_provider_taxonomy": vocab.AGENCY_TAXONOMY,
            "billing_provider_tax_id": vocab.AGENCY_EIN,
            "billing_provider_address": line1,
            "billing_provider_city": city,
            "billing_provider_state": state,
            "billing_provider_zip": vocab.AGENCY_ZIP4,
            "submitter_id": "RIVHH0001",
            "submitter_name": vocab.AGENCY_NAME,
            "submitter_contact_phone": "5185550140",
            "attending_last_name": "Okafor",
            "attending_first_name": "Grace",
            "interchange_control_number": self._run_count,
            "group_control_number": self._run_count,
        }

    # ---- directory ---------------------------------------------------------------------------------------

    def _directory(self) -> None:
        rng = self.rng
        for seed in vocab.DIRECTORY:
            entry_id = self.ids.take("directory")
            zip_code = rng.choice(vocab.CITY_ZIP[seed.city])
            slug = "".join(ch for ch in fold_text(seed.organisation or seed.name) if ch.isalnum())[:24]
            self.rows[DirectoryEntry].append({
                "id": entry_id, "kind": seed.kind, "name": seed.name, "organisation": seed.organisation,
                "specialty": seed.specialty, "npi": _npi(rng) if seed.has_npi else "",
                "phone": f"(518) 555-01{rng.randrange(100):02d}", "fax": f"(518) 555-01{rng.randrange(100):02d}",
                "email": f"referrals@{slug}.example", "address_line1": f"{rng.randint(10, 990)} {rng.choice(vocab.STREETS)}",
                "address_line2": rng.choice(("", "", "Suite 100", "2nd floor")), "city": seed.city, "state": "NY",
                "zip": zip_code, "categories": seed.categories, "notes": "", "active": True,
            })
            self.directory_by_group.setdefault(seed.group, []).append((entry_id, seed))
            for category in seed.categories.split(";"):
                self.directory_by_category.setdefault(category, []).append(entry_id)

    # ---- members -----------------------------------------------------------------------------------------

    def _assign_patterns(self) -> list[str]:
        """Each member's enrolment story; quotas (not chance) so that even a small store has each case."""
        n = self.member_count
        named = min(n, len(vocab.NAMED_MEMBERS))
        rest = n - named
        quota = {
            "outreach_open": round(rest * 0.08), "outreach_ended": round(rest * 0.04),
            "disenrolled": round(rest * 0.08), "reenrolled": max(2, round(rest * 0.01)) if rest >= 20 else 0,
            "referred": round(rest * 0.015),
        }
        if rest >= 20:
            quota = {key: max(1, value) for key, value in quota.items()}
        labels = [label for label, count in quota.items() for _ in range(count)][:rest]
        labels += ["enrolled"] * (rest - len(labels))
        self.rng.shuffle(labels)
        return ["enrolled"] * named + labels

    def _member(self, index: int, pattern: str) -> _Person:
        rng = self.rng
        language = ""
        if index < len(vocab.NAMED_MEMBERS):
            first, last, sex, group_key, language = vocab.NAMED_MEMBERS[index]
            group = vocab.NAME_GROUP_BY_KEY[group_key]
        else:
            group = self._groups.pick(rng)
            sex = self._sexes.pick(rng)
            while True:
                female = sex == "F" or (sex == "X" and rng.random() < 0.5)
                first = rng.choice(group.female if female else group.male)
                last = rng.choice(group.last) + (group.female_last_suffix if female else "")
                if (first, last) not in ((named[0], named[1]) for named in vocab.NAMED_MEMBERS):
                    break
        dob = date.fromordinal(rng.randint(date(1940, 1, 1).toordinal(), date(2006, 12, 31).toordinal()))
        cm_id, cm_name = self.staff.care_managers[index % len(self.staff.care_managers)]
        person = _Person(index + 1, first, last, sex, dob, group.key, cm_id, cm_name, pattern, row={})
        preferred = vocab.PREFERRED_NAMES.get(first, "") if rng.random() < 0.4 else ""
        language = language or _Weighted(list(group.languages)).pick(rng)
        interpreter = language != "English" and rng.random() < 0.75
        city = self._cities.pick(rng)
        plan = self._plans.pick(rng)
        appropriateness = sorted(rng.sample(
            ["risk_of_adverse_events", "no_provider_for_condition", "no_visit_past_year",
             "inpatient_discharge_6_months", "frequent_emergency_visits", "cannot_navigate_system",
             "treatment_non_adherence", "inadequate_support", "homeless_or_unstable_housing"], rng.randint(1, 3)))
        # the sample above keeps the generator's sequence; the codes stored are DOH's (docs/billing.md)
        appropriateness = sorted({_DOH_APPROPRIATENESS.get(code, code) for code in appropriateness})
        emergency = f"{rng.choice(group.female + group.male)} {last}"
        email = ""
        if rng.random() < 0.35:
            handle = name_key(f"{first} {last}").replace(" ", ".")
            email = f"{handle}{rng.randrange(10, 99)}@mail.example"
        created = _at(self.today - timedelta(days=rng.randint(0, 30)), 9 + rng.randrange(8))  # see _segments
        person.row.update({
            "id": person.id, "medicaid_id": self._medicaid_id(), "last_name": last, "first_name": first,
            "preferred_name": preferred, "name_key": name_key(f"{last} {first} {preferred}"), "dob": dob,
            "sex": sex, "gender_identity": rng.choice(vocab.GENDER_IDENTITIES) if rng.random() < 0.02 else "",
            "language": language, "interpreter_needed": interpreter,
            "address_line1": f"{rng.randint(1, 899)} {rng.choice(vocab.STREETS)}",
            "address_line2": f"Apt {rng.randint(1, 6)}{rng.choice('ABCD')}" if rng.random() < 0.45 else "",
            "city": city, "state": "NY", "zip": rng.choice(vocab.CITY_ZIP[city]),
            "phone": f"(518) 555-01{rng.randrange(100):02d}",
            "phone_alt": f"(518) 555-01{rng.randrange(100):02d}" if rng.random() < 0.3 else "",
            "email": email, "emergency_contact_name": emergency,
            "emergency_contact_phone": f"(518) 555-01{rng.randrange(100):02d}", "plan_id": plan,
            "pcp_id": None, "care_manager_id": cm_id, "appropriateness_json": json.dumps(appropriateness),
            "appropriateness_checked_on": created.date(), "hh_plus_population": "",
            "created_at": created, "updated_at": created,
        })
        self.rows[Member].append(person.row)
        return person

    def _medicaid_id(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            value = (self.rng.choice(letters) + self.rng.choice(letters) + f"{self.rng.randrange(100000):05d}"
                     + self.rng.choice(letters))
            if value not in self._medicaid_ids:
                self._medicaid_ids.add(value)
                return value

    def _segments(self, person: _Person) -> None:
        rng, today = self.rng, self.today
        enrolled, outreach = SegmentType.ENROLLED.value, SegmentType.OUTREACH.value
        pattern = person.pattern
        segments = person.segments
        if pattern == "referred":
            return
        if pattern == "outreach_open":
            segments.append((outreach, today - timedelta(days=rng.randint(5, 150)), None, None))
        elif pattern == "outreach_ended":
            start = today - timedelta(days=rng.randint(150, 700))
            reason = rng.choice((EndReason.DECLINED, EndReason.UNABLE_TO_LOCATE)).value
            segments.append((outreach, start, start + timedelta(days=rng.randint(30, 110)), reason))
        else:
            if pattern == "enrolled":
                # a steady caseload: most members joined before the data window, some each month since
                ago = rng.randint(365, 1800) if rng.random() < 0.78 else rng.randint(15, 364)
            else:
                ago = rng.randint(400, 1500)
            enrol = today - timedelta(days=ago)
            outreach_start = enrol - timedelta(days=rng.randint(14, 100))
            segments.append((outreach, outreach_start, enrol - timedelta(days=1), EndReason.ENROLLED.value))
            if pattern == "enrolled":
                segments.append((enrolled, enrol, None, None))
            elif pattern == "disenrolled":
                end = today - timedelta(days=rng.randint(10, 330))
                reasons = (EndReason.MOVED, EndReason.GOALS_MET, EndReason.LOST_MEDICAID, EndReason.DECEASED,
                           EndReason.INCARCERATED, EndReason.TRANSFERRED, EndReason.DECLINED,
                           EndReason.CONSENT_WITHDRAWN)
                reason = rng.choice(reasons).value
                if not self._planted["withdrawal"]:
                    reason = EndReason.CONSENT_WITHDRAWN.value  # every store shows one withdrawal
                person.withdrawal = reason == EndReason.CONSENT_WITHDRAWN.value
                self._planted["withdrawal"] += person.withdrawal
                segments.append((enrolled, enrol, max(end, enrol + timedelta(days=60)), reason))
            else:  # re-enrolled: lost Medicaid for a while, came back
                lost = enrol + timedelta(days=rng.randint(120, max(121, ago - 200)))
                back = lost + timedelta(days=rng.randint(35, 120))
                segments.append((enrolled, enrol, lost, EndReason.LOST_MEDICAID.value))
                segments.append((enrolled, back, None, None))
        if segments:
            created = _at(segments[0][1] - timedelta(days=rng.randint(0, 10)), 9 + rng.randrange(8))
            person.row.update(created_at=created, updated_at=created)
        for kind, start, end, reason in segments:
            self.rows[EnrolmentSegment].append({
                "member_id": person.id, "kind": kind, "start_date": start, "end_date": end, "end_reason": reason,
                "override_reason": "", "created_at": _at(start, 10),
            })

    def _conditions(self, person: _Person) -> None:
        rng = self.rng
        first_day = person.segments[0][1] if person.segments else self.today
        chosen: list[tuple[str, str]] = []
        roll = rng.random()
        if roll < 0.30:
            chosen.append(rng.choice(vocab.SMI_CODES))
        elif roll < 0.38:
            chosen.append(vocab.HIV_CODE)
        # Two or more chronic conditions in different categories, so that every member is eligible (two
        # categories are never substance use alone, which NY does not accept); one code per category.
        wanted = 2 + (rng.random() < 0.45) + (rng.random() < 0.15)
        categories = {category_for_icd10(code) for code, _ in chosen}
        while len(chosen) < wanted:
            code, text = self._chronic.pick(rng)
            category = category_for_icd10(code)
            # One code per category, and never two severities of one diagnosis (F33.1 beside F33.2), which
            # eligibility rightly counts once.
            if category in categories or any(code[:3] == other[:3] for other, _ in chosen):
                continue
            chosen.append((code, text))
            categories.add(category)
        if rng.random() < 0.12:
            chosen.append(rng.choice(vocab.OTHER_CODES))
        for code, description in chosen:
            category = category_for_icd10(code)
            if category is not None:
                person.categories.append(category)
            self._condition_row(person, code, description, category.value if category else None, False, first_day)
        if rng.random() < 0.08:
            code, description, category_value = rng.choice(vocab.AT_RISK)
            self._condition_row(person, code, description, category_value, True, first_day)

    def _condition_row(self, person: _Person, code: str, description: str, category: str | None, at_risk: bool,
                       first_day: date) -> None:
        noted = first_day - timedelta(days=self.rng.randint(0, 900))
        self.rows[Condition].append({
            "member_id": person.id, "icd10": code, "description": description, "category": category,
            "at_risk": at_risk, "noted_on": noted, "resolved_on": None,
        })

    def _attachment(self, person: _Person, filename: str, day: date) -> int:
        attachment_id = self.ids.take("attachment")
        self.rows[Attachment].append({
            "id": attachment_id, "member_id": person.id, "filename": filename, "mime_type": "image/png",
            "data": self.png, "created_at": _at(day, 15),
        })
        return attachment_id

    def _consents(self, person: _Person) -> None:
        rng = self.rng
        enrolled = person.enrolled_segments()
        if enrolled and person.pattern == "enrolled" and person.id > len(vocab.NAMED_MEMBERS):
            # about 3% of enrolled members have no consent on file yet (billing: no_consent)
            person.no_consent = rng.random() < 0.03 or not self._planted["no_consent"]
            self._planted["no_consent"] += person.no_consent
        for index, (_kind, start, end, reason) in enumerate(enrolled):
            if person.no_consent:
                break
            signed = max(start - timedelta(days=rng.randint(0, 10)), person.segments[0][1])
            minor = person.age_on(signed) < 18
            attachment_id = None
            if rng.random() < 0.05 or (person.id == 1 and index == 0):
                attachment_id = self._attachment(person, "consent-scan.png", signed)
            guardian = person.row["emergency_contact_name"]
            self._consent_row(person, ConsentKind.CONSENT, "DOH-5200" if minor else "DOH-5055", signed,
                              guardian if minor else person.full_name, attachment_id,
                              "Signed by the parent or guardian." if minor else "Signed at the enrolment visit.")
            if reason == EndReason.CONSENT_WITHDRAWN.value and end is not None:
                self._consent_row(person, ConsentKind.WITHDRAWAL, "DOH-5058", end, person.full_name, None,
                                  "Member asked to stop sharing information and leave the Health Home.")
        if person.pattern == "outreach_ended" and person.segments[0][3] == EndReason.DECLINED.value \
                and rng.random() < 0.5:
            end = person.segments[0][2] or self.today
            self._consent_row(person, ConsentKind.OPT_OUT, "DOH-5059", end, person.full_name, None,
                              "Declined Health Home services.")

    def _consent_row(self, person: _Person, kind: ConsentKind, form: str, signed: date, signed_by: str,
                     attachment_id: int | None, note: str) -> None:
        person.consents.append((kind.value, signed))
        self.rows[Consent].append({
            "member_id": person.id, "kind": kind.value, "form_type": form, "signed_on": signed,
            "signed_by": signed_by, "note": note, "attachment_id": attachment_id, "recorded_by_id": person.cm_id,
            "created_at": _at(signed, 16),
        })

    def _tiers(self, person: _Person) -> None:
        rng = self.rng
        tiers = _Weighted([(Tier.STANDARD.value, 60), (Tier.HIGH_RISK.value, 28), (Tier.HH_PLUS.value, 12)])
        for _kind, start, end, _reason in person.enrolled_segments():
            tier = tiers.pick(rng)
            person.tiers.append((tier, start))
            last = end or self.today
            change_from = max(start + timedelta(days=60), self.window_start)
            if rng.random() < 0.15 and change_from < last - timedelta(days=20):
                day = change_from + timedelta(days=rng.randrange((last - change_from).days - 10))
                other = rng.choice([t for t in (Tier.STANDARD.value, Tier.HIGH_RISK.value, Tier.HH_PLUS.value)
                                    if t != tier])
                person.tiers.append((other, day))
        for tier, effective in person.tiers:
            self.rows[TierPeriod].append({
                "member_id": person.id, "tier": tier, "effective_date": effective,
                "note": "Reassessed at the care-plan review." if effective != person.tiers[0][1] else "",
            })

    def _billing_facts(self, person: _Person) -> None:
        """HH+ population, an AOT order now and then, and outreach months another Health Home billed.

        Chosen from the member's number, not the generator, so that adding them left every other demo value
        as it was.
        """
        hh_plus = [start for tier, start in person.tiers if tier == Tier.HH_PLUS.value]
        if hh_plus:
            population = "hiv" if ChronicCategory.HIV_AIDS in person.categories else "smi"
            person.hh_plus_population = population
            person.row["hh_plus_population"] = population
            if not self._planted["aot"] or person.id % 4 == 1:  # the first HH+ member always has one
                self._planted["aot"] += 1
                start = hh_plus[0]
                person.aot_orders.append((start, None))
                self.rows[AotOrder].append({"member_id": person.id, "start_date": start, "end_date": None,
                                            "note": "Assisted outpatient treatment order (county court)",
                                            "created_at": _at(start, 11)})
        outreach = [start for kind, start, _end, _reason in person.segments if kind == SegmentType.OUTREACH.value]
        if outreach and (not self._planted["elsewhere"] or person.id % 7 == 3):
            self._planted["elsewhere"] += 1
            month = ServiceMonth.of(outreach[0]).shift(-2)
            person.outreach_elsewhere.append(str(month))
            self.rows[OutreachElsewhere].append({
                "member_id": person.id, "service_month": str(month), "agency": vocab.OTHER_HEALTH_HOME,
                "source": "import", "created_at": _at(outreach[0], 10)})

    def _care_team(self, person: _Person) -> None:
        rng = self.rng
        cats = set(person.categories)
        wanted: list[str] = ["pcp"]
        optional: list[str] = []
        if ChronicCategory.SMI in cats or (ChronicCategory.MENTAL_HEALTH in cats and rng.random() < 0.4):
            optional.append("psychiatrist")
        if cats & {ChronicCategory.MENTAL_HEALTH, ChronicCategory.SMI} and rng.random() < 0.7:
            optional.append("therapist")
        if ChronicCategory.SUBSTANCE_USE in cats:
            optional.append("sud")
        if ChronicCategory.HIV_AIDS in cats:
            optional.append("infectious")
        if rng.random() < 0.6:
            optional.append("pharmacy")
        plan = person.row["plan_id"]
        if f"mco:{plan}" in self.directory_by_group and rng.random() < 0.5:
            optional.append(f"mco:{plan}")
        if ChronicCategory.HEART_DISEASE in cats and rng.random() < 0.3:
            optional.append("cardiology")
        if ChronicCategory.DIABETES in cats and rng.random() < 0.3:
            optional.append("endocrinology")
        if ChronicCategory.ASTHMA in cats and rng.random() < 0.2:
            optional.append("pulmonology")
        if rng.random() < 0.2:
            optional.append("community")
        wanted += optional[: rng.randint(1, 4)]
        start = person.segments[0][1] if person.segments else self.today
        for group in wanted:
            candidates = self.directory_by_group[group]
            if group == "community":
                candidates = [entry for entry in candidates if entry[1].role]
            entry_id, seed = rng.choice(candidates)
            role = seed.role
            if role in person.team:
                continue
            team_id = self.ids.take("care_team")
            person.team[role] = team_id
            person.team_labels[role] = seed.name
            if group == "pcp":
                person.row["pcp_id"] = entry_id
            row = {
                "id": team_id, "member_id": person.id, "directory_entry_id": entry_id, "role": role,
                # Most members agree to share with everyone on the team; fewer with a substance-use program.
                "consent_to_share": rng.random() < (0.5 if group == "sud" else 0.92),
                "start_date": start, "end_date": None,
            }
            self.rows[CareTeamMember].append(row)
            person.team_rows.setdefault(entry_id, row)

    # ---- care plans --------------------------------------------------------------------------------------

    def _care_plans(self, person: _Person) -> None:
        rng, today = self.rng, self.today
        enrolled = person.enrolled_segments()
        if not enrolled:
            return
        first_start = enrolled[0][1]
        current_start = enrolled[-1][1]
        horizon = enrolled[-1][2] or today  # plans stop when the member leaves
        domains = self._plan_domains(person)
        person.needs = domains
        if (person.pattern == "enrolled" and (today - current_start).days > 100 and not person.no_consent
                and person.id > len(vocab.NAMED_MEMBERS)):
            # about 3% of long-enrolled members have no signed plan (billing: no_care_plan)
            person.no_plan = rng.random() < 0.03 or not self._planted["no_plan"]
            self._planted["no_plan"] += person.no_plan
        if person.no_plan or (today - current_start).days < 21:
            # still (or again) working on it: an unsigned draft (billing shows no_care_plan after 90 days)
            if rng.random() < 0.7 or (today - current_start).days < 21:
                self._plan_version(person, 1, CarePlanStatus.DRAFT, None, domains, current_start)
            return
        # The first plan is signed soon after enrolment; long-enrolled members mostly have a newer version,
        # signed at a review in the last months, which supersedes it.
        signatures = [min(first_start + timedelta(days=rng.randint(7, 45)), horizon)]
        if (horizon - signatures[0]).days > 270 and rng.random() < 0.85:
            signatures.append(horizon - timedelta(days=rng.randint(20, 200)))
        if len(enrolled) > 1 and signatures[-1] < current_start:
            signatures.append(min(current_start + timedelta(days=rng.randint(7, 30)), today))
        if enrolled[-1][2] is None:
            # Still enrolled: the plan was reviewed about every six months, a few reviews are running late.
            while (due := _add_months(signatures[-1], 6)) <= today:
                if (today - due).days < 45 and rng.random() < LATE_REVIEW_SHARE:
                    break
                signatures.append(min(due - timedelta(days=rng.randint(0, 20)), today))
        for number, signed in enumerate(signatures, start=1):
            status = CarePlanStatus.ACTIVE if number == len(signatures) else CarePlanStatus.SUPERSEDED
            self._plan_version(person, number, status, signed, domains, first_start)
            person.plans_signed.append(signed)

    def _plan_domains(self, person: _Person) -> list[NeedDomain]:
        rng = self.rng
        cats = set(person.categories)
        domains: list[NeedDomain] = []
        if cats & {ChronicCategory.SMI, ChronicCategory.MENTAL_HEALTH}:
            domains.append(NeedDomain.BEHAVIOURAL_HEALTH)
        if cats & {ChronicCategory.DIABETES, ChronicCategory.HEART_DISEASE, ChronicCategory.ASTHMA,
                   ChronicCategory.HIV_AIDS, ChronicCategory.OVERWEIGHT}:
            domains.append(NeedDomain.PHYSICAL_HEALTH)
        if ChronicCategory.SUBSTANCE_USE in cats:
            domains.append(NeedDomain.SUBSTANCE_USE)
        for _ in range(rng.randint(1, 2)):
            social = self._social.pick(rng)
            if social not in domains:
                domains.append(social)
        return domains[:4]

    def _plan_version(self, person: _Person, number: int, status: CarePlanStatus, signed: date | None,
                      domains: list[NeedDomain], enrolled_on: date) -> None:
        rng = self.rng
        version_id = self.ids.take("care_plan_version")
        method = _Weighted([(SignatureMethod.PAPER, 50), (SignatureMethod.ELECTRONIC, 35),
                            (SignatureMethod.SCANNED, 15)]).pick(rng)
        member_signed = cm_signed = review_due = shared = None
        attachment_id = None
        signer_name, signer_role = "", "member"
        if signed is not None:
            member_signed = signed - timedelta(days=rng.choice((0, 0, 0, 1, 2)))
            cm_signed = signed
            review_due = _add_months(signed, 6)
            shared = signed + timedelta(days=rng.randint(0, 10)) if rng.random() < 0.85 else None
            if shared is not None and shared > self.today:
                shared = self.today
            minor = person.age_on(member_signed) < 18
            signer_name = person.row["emergency_contact_name"] if minor else person.full_name
            signer_role = "guardian" if minor else "member"
            if method == SignatureMethod.SCANNED:
                attachment_id = self._attachment(person, "care-plan-signature-page.png", signed)
        created = signed - timedelta(days=rng.randint(1, 14)) if signed else max(enrolled_on, self.today - timedelta(days=20))
        self.rows[CarePlanVersion].append({
            "id": version_id, "member_id": person.id, "version_no": number, "status": status.value,
            "strengths": rng.choice(vocab.STRENGTHS), "preferences": rng.choice(vocab.PREFERENCES),
            "barriers": rng.choice(vocab.BARRIERS), "member_signer_name": signer_name,
            "member_signer_role": signer_role, "member_signed_on": member_signed,
            "care_manager_signer_id": person.cm_id if signed else None, "care_manager_signed_on": cm_signed,
            "signature_method": method.value if signed else "", "signature_attachment_id": attachment_id,
            "signed_on": signed, "review_due_on": review_due, "shared_with_pcp_on": shared,
            "created_by_id": person.cm_id, "created_at": _at(created, 11),
        })
        base = signed or created
        latest = status != CarePlanStatus.SUPERSEDED
        if latest:
            person.goals = {}
        for position, domain in enumerate(domains):
            descriptions, goals, interventions = vocab.NEEDS[domain]
            need_id = self.ids.take("care_plan_need")
            self.rows[CarePlanNeed].append({
                "id": need_id, "version_id": version_id, "position": position, "domain": domain.value,
                "description": rng.choice(descriptions),
            })
            for goal_position, goal_text in enumerate(rng.sample(goals, min(len(goals), rng.randint(1, 2)))):
                goal_id = self.ids.take("care_plan_goal")
                if latest and domain not in person.goals:
                    person.goals[domain] = goal_id
                if status == CarePlanStatus.SUPERSEDED:
                    goal_status = rng.choice((GoalStatus.MET, GoalStatus.IN_PROGRESS, GoalStatus.NOT_MET))
                elif status == CarePlanStatus.DRAFT:
                    goal_status = GoalStatus.NOT_STARTED
                else:
                    goal_status = rng.choice((GoalStatus.IN_PROGRESS, GoalStatus.IN_PROGRESS,
                                              GoalStatus.NOT_STARTED, GoalStatus.MET))
                self.rows[CarePlanGoal].append({
                    "id": goal_id, "need_id": need_id, "position": goal_position, "text": goal_text,
                    "target_date": base + timedelta(days=rng.choice((60, 90, 120, 180))),
                    "status": goal_status.value,
                })
                for action_position, (action, who, frequency) in enumerate(
                        rng.sample(interventions, min(len(interventions), rng.randint(1, 3)))):
                    self._intervention(person, goal_id, action_position, action, who, frequency, goal_status)

    def _intervention(self, person: _Person, goal_id: int, position: int, action: str, who: str, frequency: str,
                      goal_status: GoalStatus) -> None:
        user_id = team_id = None
        if who == "cm":
            user_id, label = person.cm_id, person.cm_name
        elif who == "member":
            label = "Member"
        elif who == "family":
            label = self.rng.choice(vocab.FAMILY_LABELS)
        else:
            role = who.removeprefix("team:")
            team_id = person.team.get(role)
            label = person.team_labels.get(role) or vocab.ROLE_LABELS.get(role, role)
        status = {
            GoalStatus.MET: InterventionStatus.DONE, GoalStatus.NOT_MET: InterventionStatus.STOPPED,
            GoalStatus.NOT_STARTED: InterventionStatus.PLANNED,
        }.get(goal_status, InterventionStatus.ACTIVE)
        self.rows[CarePlanIntervention].append({
            "goal_id": goal_id, "position": position, "action": action, "responsible_user_id": user_id,
            "responsible_team_member_id": team_id, "responsible_label": label, "frequency": frequency,
            "status": status.value,
        })

    # ---- transitions -------------------------------------------------------------------------------------

    def _transitions(self, person: _Person) -> None:
        rng, today = self.rng, self.today
        cats = set(person.categories)
        weights = {
            TransitionSetting.EMERGENCY_DEPARTMENT: 35, TransitionSetting.INPATIENT_MEDICAL: 25,
            TransitionSetting.INPATIENT_PSYCHIATRIC: 20 if cats & {ChronicCategory.SMI, ChronicCategory.MENTAL_HEALTH} else 3,
            TransitionSetting.DETOX_REHAB: 20 if ChronicCategory.SUBSTANCE_USE in cats else 2,
            TransitionSetting.SKILLED_NURSING: 8 if person.age_on(today) >= 60 else 2,
        }
        setting = _Weighted(list(weights.items())).pick(rng)
        start, end = rng.choice(self._active_spans(person))
        if (end - start).days > 10 and end == today and (rng.random() < 0.1 or self._planted["open_episode"] < 2):
            setting = rng.choice((setting, TransitionSetting.INPATIENT_MEDICAL, TransitionSetting.INPATIENT_PSYCHIATRIC))
            admitted = today - timedelta(days=rng.randint(0, 3))  # still in hospital
            self._planted["open_episode"] += 1
        else:
            admitted = start + timedelta(days=rng.randrange(max(1, (end - start).days)))
        previous: list[date] = []
        episode = self._episode(person, setting, admitted, previous)
        if episode is not None and setting != TransitionSetting.EMERGENCY_DEPARTMENT and rng.random() < 0.18:
            again = episode + timedelta(days=rng.randint(2, 28))
            if again < today - timedelta(days=1):
                readmit_setting = rng.choice((setting, TransitionSetting.INPATIENT_MEDICAL))
                self._episode(person, readmit_setting, again, previous)

    def _episode(self, person: _Person, setting: TransitionSetting, admitted: date,
                 previous_discharges: list[date]) -> date | None:
        """Add one episode with its checklist; returns the discharge date (None while still admitted)."""
        rng, now, today = self.rng, self.now, self.today
        stay = {
            TransitionSetting.EMERGENCY_DEPARTMENT: (0, 1), TransitionSetting.INPATIENT_MEDICAL: (2, 9),
            TransitionSetting.INPATIENT_PSYCHIATRIC: (5, 24), TransitionSetting.DETOX_REHAB: (3, 8),
            TransitionSetting.SKILLED_NURSING: (12, 45),
        }[setting]
        admitted_at = _at(admitted, rng.randint(0, 23), rng.randrange(60))
        days = rng.randint(*stay)
        discharged_at: datetime | None = _at(admitted + timedelta(days=days), rng.randint(9, 18), rng.randrange(60))
        if days == 0 or (discharged_at is not None and discharged_at <= admitted_at):
            discharged_at = admitted_at + timedelta(hours=rng.randint(3, 14))
        if discharged_at is not None and (discharged_at.date() >= today or discharged_at > now):
            discharged_at = None
        notified_at = min(admitted_at + timedelta(hours=rng.randint(2, 60)), now)
        if discharged_at is not None and setting == TransitionSetting.EMERGENCY_DEPARTMENT:
            notified_at = min(discharged_at + timedelta(hours=rng.randint(1, 30)), now)
        facility_id, facility = rng.choice([entry for group in vocab.FACILITY_GROUPS[setting]
                                            for entry in self.directory_by_group[group]])
        readmission = setting != TransitionSetting.EMERGENCY_DEPARTMENT and is_readmission(previous_discharges, admitted)
        episode_id = self.ids.take("episode")
        member_conditions = conditions_from_chronic_categories(person.categories)
        planned = build_checklist(self.templates[setting], notified_at, discharged_at,
                                  member_conditions=member_conditions)
        opened_at = min(notified_at + timedelta(hours=rng.uniform(0.5, 20)), now)
        # Five weeks after a discharge the episode's work is done and it is closed.
        closing = discharged_at is not None and (now - discharged_at).days > 35
        all_resolved = True
        reviewed = False
        for position, item in enumerate(planned):
            status, done_at, reason = item.status, None, item.not_applicable_reason or ""
            anchor_time = notified_at if item.anchor == ChecklistAnchor.NOTIFICATION else discharged_at
            if status == ChecklistItemStatus.OPEN and anchor_time is not None:
                due = item.due_at or anchor_time + timedelta(days=3)
                roll = rng.random()
                if item.key == EPISODE_OPENED_KEY:
                    status, done_at = ChecklistItemStatus.DONE, opened_at
                elif closing or due < now:
                    if closing or roll < 0.85:
                        late = rng.random() < 0.15
                        span = (due - anchor_time).total_seconds()
                        done_at = anchor_time + timedelta(seconds=rng.uniform(0.1, 1.0) * span)
                        if late:
                            done_at = due + timedelta(hours=rng.randint(2, 72))
                        status = ChecklistItemStatus.DONE
                    elif roll < 0.91:
                        status, reason = ChecklistItemStatus.NOT_APPLICABLE, rng.choice(vocab.NOT_APPLICABLE_REASONS)
                elif roll < 0.3:
                    done_at = anchor_time + timedelta(seconds=rng.uniform(0, (now - anchor_time).total_seconds()))
                    status = ChecklistItemStatus.DONE
                if done_at is not None and done_at > now:
                    done_at = now
            if status == ChecklistItemStatus.OPEN:
                all_resolved = False
            if status == ChecklistItemStatus.DONE and done_at is not None:
                if item.key == CARE_PLAN_REVIEWED_KEY:
                    reviewed = True
                if item.key == MEMBER_CONTACTED_KEY:
                    self._tc_contact(person, done_at.date())
            self.rows[ChecklistItem].append({
                "episode_id": episode_id, "position": position, "key": item.key, "label": item.label,
                "anchor": item.anchor.value, "due_hours": item.due_hours, "due_at": item.due_at,
                "status": status.value, "done_at": done_at,
                "done_by_id": person.cm_id if status == ChecklistItemStatus.DONE else None,
                "not_applicable_reason": reason if status == ChecklistItemStatus.NOT_APPLICABLE else "",
            })
        closed_at = None
        if closing and all_resolved and discharged_at is not None:
            closed_at = min(discharged_at + timedelta(days=rng.randint(10, 32)), now)
        self.rows[TransitionEpisode].append({
            "id": episode_id, "member_id": person.id, "setting": setting.value, "facility_id": facility_id,
            "facility_name": facility.name, "admitted_on": admitted,
            "discharged_on": discharged_at.date() if discharged_at else None, "discharged_at": discharged_at,
            "discharge_destination": rng.choice(vocab.DISCHARGE_DESTINATIONS[setting]) if discharged_at else "",
            "notified_at": notified_at, "notified_how": rng.choice(vocab.NOTIFIED_HOW),
            "is_readmission": readmission, "closed_at": closed_at, "care_plan_reviewed": reviewed,
            "note": rng.choice(vocab.EPISODE_NOTES), "opened_by_id": person.cm_id, "created_at": opened_at,
        })
        if discharged_at is None:
            return None
        if setting != TransitionSetting.EMERGENCY_DEPARTMENT:
            previous_discharges.append(discharged_at.date())
        return discharged_at.date()

    def _tc_contact(self, person: _Person, day: date) -> None:
        rng = self.rng
        kind = person.segment_on(day)
        mode = rng.choice(("phone", "phone", "in_person"))
        services = ["TC", "CM"] if rng.random() < 0.5 else ["TC"]
        person.extra_contacts.append(self._contact_row(
            person, day, kind, mode, "member", rng.randint(15, 60), person.cm_id, _services_text(services),
            rng.choice(vocab.TC_NOTES)))

    # ---- referrals ---------------------------------------------------------------------------------------

    def _referrals(self, person: _Person) -> None:
        rng, today = self.rng, self.today
        if not person.segments:
            return
        count = self.referrals_per_member
        if count is None:
            count = rng.choice((0, 1, 1, 2, 2, 3))
        spans = self._active_spans(person) or [(person.segments[-1][1], person.segments[-1][2] or today)]
        for _ in range(count):
            social = [d for d in person.needs if d in vocab.REFERRAL_DOMAIN.values()]
            category = self._referral_categories.pick(rng)
            if social and rng.random() < 0.6:
                domain = rng.choice(social)
                category = next(c for c, d in vocab.REFERRAL_DOMAIN.items() if d == domain)
            entries = self.directory_by_category.get(category.value) or self.directory_by_category["other"]
            start, end = rng.choice(spans)
            sent = start + timedelta(days=rng.randrange(max(1, (end - start).days)))
            referral_id = self.ids.take("referral")
            changes = [(ReferralStatus.SENT, sent)]
            outcome_roll = rng.random()
            if outcome_roll < 0.62:
                accepted = sent + timedelta(days=rng.randint(1, 14))
                changes.append((ReferralStatus.ACCEPTED, accepted))
                if outcome_roll < 0.47:
                    changes.append((ReferralStatus.COMPLETED, accepted + timedelta(days=rng.randint(3, 45))))
                elif outcome_roll < 0.52:
                    changes.append((ReferralStatus.DECLINED, accepted + timedelta(days=rng.randint(2, 20))))
            elif outcome_roll < 0.72:
                changes.append((ReferralStatus.DECLINED, sent + timedelta(days=rng.randint(2, 20))))
            elif outcome_roll < 0.82:
                changes.append((ReferralStatus.NO_RESPONSE, sent + timedelta(days=rng.randint(21, 45))))
            changes = [change for change in changes if change[1] <= today]
            status, status_on = changes[-1]
            follow_up = sent + timedelta(days=14)
            if status in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
                if (today - status_on).days > 60:
                    # Nobody leaves a referral open for months: it ended, one way or the other.
                    status = ReferralStatus.NO_RESPONSE if status == ReferralStatus.SENT else ReferralStatus.COMPLETED
                    status_on = status_on + timedelta(days=rng.randint(21, 45))
                    changes.append((status, status_on))
                else:
                    # The care manager chases the agency and moves the follow-up on; a few chases are late.
                    follow_up = status_on + timedelta(days=14)
                    if follow_up < today:
                        follow_up = (today - timedelta(days=rng.randint(1, 10)) if rng.random() < LATE_FOLLOW_UP_SHARE
                                     else today + timedelta(days=rng.randint(0, 13)))
            reason, need, request = vocab.REFERRAL_TEXTS[category]
            method = rng.choice(list(ReferralMethod))
            entry_id = rng.choice(entries)
            self.rows[Referral].append({
                "id": referral_id, "member_id": person.id, "directory_entry_id": entry_id,
                "category": category.value, "reason": reason, "need": need, "request": request,
                "goal_id": person.goals.get(vocab.REFERRAL_DOMAIN[category]), "sent_on": sent,
                "sent_how": method.value, "status": status.value, "status_on": status_on,
                "follow_up_on": follow_up, "outcome": rng.choice(vocab.REFERRAL_OUTCOMES[status.value]),
                "created_by_id": person.cm_id, "created_at": _at(sent, 13),
            })
            self._consent_to_share(person, entry_id, category, sent)
            for change_status, changed_on in changes:
                self.rows[ReferralStatusChange].append({
                    "referral_id": referral_id, "status": change_status.value, "changed_on": changed_on,
                    "note": f"Sent by {method.value}" if change_status == ReferralStatus.SENT else rng.choice(
                        ("Called the agency.", "Agency e-mailed back.", "Member told us.", "")),
                    "changed_by_id": person.cm_id, "created_at": _at(changed_on, 14),
                })

    def _consent_to_share(self, person: _Person, entry_id: int, category: ReferralCategory, sent: date) -> None:
        """A referral is sent with the member's consent to share with the agency, ticked on the care team
        (as ``services.referrals.create_referral`` does with consent)."""
        row = person.team_rows.get(entry_id)
        if row is not None:
            row["consent_to_share"] = True
            row["start_date"] = min(row["start_date"], sent) if row["start_date"] else sent
            return
        row = {
            "id": self.ids.take("care_team"), "member_id": person.id, "directory_entry_id": entry_id,
            "role": f"{REFERRAL_ROLE_PREFIX}: {REFERRAL_CATEGORY_LABELS[category]}"[:60],
            "consent_to_share": True, "start_date": sent, "end_date": None,
        }
        self.rows[CareTeamMember].append(row)
        person.team_rows[entry_id] = row

    # ---- contacts ----------------------------------------------------------------------------------------

    def _active_spans(self, person: _Person) -> list[tuple[date, date]]:
        """The member's segments clipped to the data window, as (first day, last day)."""
        spans = []
        for _kind, start, end, _reason in person.segments:
            first, last = max(start, self.window_start), min(end or self.today, self.today)
            if first <= last:
                spans.append((first, last))
        return spans

    def _contacts(self, person: _Person) -> list[dict[str, Any]]:
        rng = self.rng
        rows = list(person.extra_contacts)
        spans = self._active_spans(person)
        days: list[date] = []
        if self.contacts_per_member is not None:
            wanted = max(0, self.contacts_per_member - len(rows))
            if not spans:
                last = person.segments[-1] if person.segments else None
                spans = [(last[1], min(last[2] or self.today, self.today))] if last else \
                    [(self.today - timedelta(days=30), self.today)]
            lengths = [(end - start).days + 1 for start, end in spans]
            total = sum(lengths)
            for _ in range(wanted):
                offset = rng.randrange(total)
                for (start, _end), length in zip(spans, lengths, strict=True):
                    if offset < length:
                        days.append(start + timedelta(days=offset))
                        break
                    offset -= length
            days.sort()
        else:
            days = self._monthly_days(person, spans)
        hh_plus_in_person: dict[tuple[int, int], int] = {}
        for day in days:
            kind = person.segment_on(day)
            weights = self._mode_weights[kind or SegmentType.OUTREACH.value]
            mode = weights.pick(rng)
            if kind == SegmentType.ENROLLED.value and person.tier_on(day) == Tier.HH_PLUS.value:
                month = (day.year, day.month)
                if hh_plus_in_person.get(month, 0) < 2 and rng.random() < 0.85:
                    mode = "in_person"
                    hh_plus_in_person[month] = hh_plus_in_person.get(month, 0) + 1
            rows.append(self._random_contact(person, day, kind, mode))
        return rows

    def _monthly_days(self, person: _Person, spans: list[tuple[date, date]]) -> list[date]:
        """About four to six contacts a month while enrolled, two to four in outreach, a few empty months."""
        rng = self.rng
        days: list[date] = []
        if not person.segments:
            return [self.today - timedelta(days=rng.randint(0, 14)) for _ in range(rng.randint(0, 2))]
        for first, last in spans:
            month_start = first.replace(day=1)
            while month_start <= last:
                month_end = _add_months(month_start, 1) - timedelta(days=1)
                lo, hi = max(first, month_start), min(last, month_end)
                kind = person.segment_on(lo)
                covered = ((hi - lo).days + 1) / ((month_end - month_start).days + 1)
                if kind == SegmentType.ENROLLED.value:
                    tier = person.tier_on(hi)
                    low, high = {"hh_plus": (5, 8), "high_risk": (4, 6)}.get(tier or "", (3, 6))
                    skip = rng.random() < 0.05
                else:
                    low, high, skip = 2, 4, rng.random() < 0.08
                if not skip:
                    count = max(1, round(rng.randint(low, high) * covered))
                    span_days = (hi - lo).days + 1
                    days.extend(lo + timedelta(days=rng.randrange(span_days)) for _ in range(count))
                month_start = _add_months(month_start, 1)
        days.sort()
        return days

    def _random_contact(self, person: _Person, day: date, kind: str | None, mode: str) -> dict[str, Any]:
        rng = self.rng
        segment = SegmentType(kind) if kind else None
        services: tuple[str, ...] = ()
        if core_services_allowed(segment, ContactMode(mode)):
            if mode != "attempt" or rng.random() < 0.6:
                services = self._service_sets.pick(rng)
        elif mode == "attempt" and rng.random() < 0.02:
            services = ("CM",)  # a slip the contact form would have warned about; billing ignores it
        with_whom = WithWhom.MEMBER.value
        if mode == "collateral":
            with_whom = rng.choice((WithWhom.PROVIDER.value, WithWhom.PROVIDER.value, WithWhom.AGENCY.value))
        elif mode in ("phone", "in_person", "video") and rng.random() < 0.12:
            with_whom = WithWhom.FAMILY.value
        minutes = {
            "phone": (5, 30), "in_person": (30, 90), "video": (15, 45), "collateral": (10, 30),
            "attempt": (0, 5), "mail": (5, 10),
        }[mode]
        staff_id = person.cm_id
        if rng.random() < 0.08:
            staff_id = rng.choice([cm for cm, _ in self.staff.care_managers] + [self.staff.supervisor_id])
        if kind == SegmentType.OUTREACH.value and mode in ("phone", "in_person") and rng.random() < 0.5:
            note = rng.choice(vocab.OUTREACH_NOTES)
        else:
            note = rng.choice(vocab.CONTACT_NOTES[mode])
        return self._contact_row(person, day, kind, mode, with_whom, rng.randint(*minutes), staff_id,
                                 _services_text(services), note)

    def _contact_row(self, person: _Person, day: date, kind: str | None, mode: str, with_whom: str, minutes: int,
                     staff_id: int, services: str, note: str) -> dict[str, Any]:
        if services and self._billing_history_start <= day <= self._billing_months[-1].last_day:
            # Outreach limits look back 12 months, so billing needs that much history too.
            service_set = self._service_set_cache.get(services)
            if service_set is None:
                service_set = self._service_set_cache.setdefault(services, frozenset(services.split(";")))
            person.billing_contacts.append((day, mode, service_set, with_whom, staff_id == person.cm_id))
        created = _at(day, 9 + self.rng.randrange(9), self.rng.randrange(60))
        if created > self.now:
            created = self.now
        return {
            "member_id": person.id, "contact_date": day, "mode": mode, "with_whom": with_whom, "minutes": minutes,
            "staff_id": staff_id, "core_services": services, "note": note, "created_at": created,
            "updated_at": created,
        }
