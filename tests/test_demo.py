"""The demo store: every table filled, encrypted on disk, deterministic, and consistent with the rules."""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hhdesk.db.models import (
    AuditEvent,
    Base,
    CarePlanVersion,
    ChecklistItem,
    Consent,
    Contact,
    DirectoryEntry,
    EnrolmentSegment,
    Member,
    ReferralStatusChange,
    TransitionEpisode,
    User,
)
from hhdesk.db.store import Store
from hhdesk.domain.identifiers import is_valid_npi, name_key
from hhdesk.exports.billing_data import ClaimSettings, PostalAddress, check_claim_settings
from hhdesk.services import audit, settings, users
from hhdesk.tools import demo_vocabulary as vocab
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_store

MEMBERS = 30
TODAY = date(2026, 11, 30)  # the demo's dates lead up to this day; the last day of a month on purpose


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.hhdesk"
    build_demo_store(path, members=MEMBERS, seed=7, today=TODAY)
    return path


@pytest.fixture(scope="module")
def session(demo_path: Path) -> Iterator[Session]:
    store = Store.open(demo_path, DEMO_USER, DEMO_PASSWORD)
    try:
        with store.read_session() as read:
            yield read
    finally:
        store.close()


def _member_snapshot(path: Path) -> list[tuple]:
    store = Store.open(path, DEMO_USER, DEMO_PASSWORD)
    try:
        with store.read_session() as read:
            return [tuple(row) for row in read.execute(
                select(Member.id, Member.medicaid_id, Member.last_name, Member.first_name, Member.dob,
                       Member.city, Member.care_manager_id).order_by(Member.id))]
    finally:
        store.close()


def test_every_table_has_rows(session: Session) -> None:
    empty = [name for name, table in Base.metadata.tables.items()
             if session.execute(select(func.count()).select_from(table)).scalar_one() == 0]
    assert empty == []
    assert session.execute(select(func.count()).select_from(Member)).scalar_one() == MEMBERS


def test_store_file_is_encrypted_and_holds_no_names_in_clear(demo_path: Path) -> None:
    files = [p for p in demo_path.parent.iterdir() if p.name.startswith(demo_path.name)]
    assert demo_path.read_bytes()[:16] != b"SQLite format 3\x00"
    for file in files:
        raw = file.read_bytes()
        for needle in ("Núñez", "Nunez", "José", "Østergaard"):
            assert needle.encode("utf-8") not in raw, f"{needle} in {file.name}"


def test_jose_nunez_and_the_other_named_members_exist(session: Session) -> None:
    for first, last, *_rest in vocab.NAMED_MEMBERS:
        rows = session.execute(select(Member).where(Member.first_name == first, Member.last_name == last)).scalars().all()
        assert len(rows) == 1, f"{first} {last}"
        assert rows[0].name_key == name_key(f"{last} {first} {rows[0].preferred_name}")
    jose = session.execute(select(Member).where(Member.name_key.like("nunez jose%"))).scalar_one()
    assert jose.language == "Spanish"


def test_members_are_plausible(session: Session) -> None:
    members = session.execute(select(Member)).scalars().all()
    assert len({m.medicaid_id for m in members}) == len(members)
    for member in members:
        assert len(member.medicaid_id) == 8
        assert member.medicaid_id[:2].isalpha() and member.medicaid_id[2:7].isdigit() and member.medicaid_id[7].isalpha()
        assert date(1940, 1, 1) <= member.dob <= date(2006, 12, 31)
        assert member.state == "NY"
        assert member.care_manager_id is not None
    care_managers = {m.care_manager_id for m in members}
    assert len(care_managers) == 4
    enrolled_ids = set(session.execute(select(EnrolmentSegment.member_id).where(EnrolmentSegment.kind == "enrolled")).scalars())
    assert all(m.pcp_id is not None for m in members if m.id in enrolled_ids)


def test_segments_never_overlap(session: Session) -> None:
    by_member: dict[int, list[EnrolmentSegment]] = defaultdict(list)
    for segment in session.execute(select(EnrolmentSegment).order_by(EnrolmentSegment.start_date)).scalars():
        by_member[segment.member_id].append(segment)
    assert by_member
    for segments in by_member.values():
        for earlier, later in zip(segments, segments[1:], strict=False):
            assert earlier.end_date is not None and earlier.end_date < later.start_date
            if earlier.kind == "outreach" and later.kind == "enrolled" and earlier.end_reason == "enrolled":
                assert (later.start_date - earlier.end_date).days == 1
        for segment in segments:
            assert segment.end_date is None or segment.end_date >= segment.start_date


def test_the_same_seed_gives_the_same_members(demo_path: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.hhdesk"
    build_demo_store(again, members=MEMBERS, seed=7, today=TODAY)
    assert _member_snapshot(again) == _member_snapshot(demo_path)


def test_another_seed_gives_other_members(demo_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.hhdesk"
    build_demo_store(other, members=MEMBERS, seed=8, today=TODAY)
    assert _member_snapshot(other) != _member_snapshot(demo_path)


def test_staff_accounts_open_the_store(demo_path: Path, session: Session) -> None:
    roles = dict(session.execute(select(User.username, User.role)).all())
    assert roles[DEMO_USER] == "admin"
    assert sorted(roles.values()) == sorted(
        ["admin", "care_manager", "care_manager", "care_manager", "care_manager", "supervisor", "billing", "read_only"])
    assert "María Pérez" in set(session.execute(select(User.full_name)).scalars())
    app = users.login(demo_path, "mperez", DEMO_STAFF_PASSWORD)
    try:
        assert app.actor.role.value == "care_manager"
    finally:
        users.logout(app)


def test_planted_gaps_are_there(session: Session) -> None:
    enrolled_now = set(session.execute(
        select(EnrolmentSegment.member_id).where(EnrolmentSegment.kind == "enrolled", EnrolmentSegment.end_date.is_(None))
    ).scalars())
    consented = set(session.execute(select(Consent.member_id).where(Consent.kind == "consent")).scalars())
    assert enrolled_now - consented, "an enrolled member without consent (billing: no_consent)"
    signed = set(session.execute(select(CarePlanVersion.member_id).where(CarePlanVersion.signed_on.is_not(None))).scalars())
    assert enrolled_now - signed, "an enrolled member without a signed plan (billing: no_care_plan)"
    assert session.execute(select(func.count()).where(Consent.kind == "withdrawal")).scalar_one() >= 1
    assert session.execute(select(func.count()).where(TransitionEpisode.discharged_at.is_(None))).scalar_one() >= 1
    statuses = set(session.execute(select(ChecklistItem.status)).scalars())
    assert statuses == {"open", "done", "not_applicable"}


def test_consents_and_plans_follow_enrolment(session: Session) -> None:
    first_enrolled: dict[int, date] = {}
    for member_id, start in session.execute(
            select(EnrolmentSegment.member_id, EnrolmentSegment.start_date).where(EnrolmentSegment.kind == "enrolled")):
        first_enrolled[member_id] = min(start, first_enrolled.get(member_id, start))
    for consent in session.execute(select(Consent).where(Consent.kind == "consent")).scalars():
        assert consent.form_type in ("DOH-5055", "DOH-5200")
    first_consent: dict[int, date] = {}
    for member_id, signed in session.execute(select(Consent.member_id, Consent.signed_on).where(Consent.kind == "consent")):
        first_consent[member_id] = min(signed, first_consent.get(member_id, signed))
    for member_id, signed in first_consent.items():
        assert signed <= first_enrolled[member_id]
    for plan in session.execute(select(CarePlanVersion).where(CarePlanVersion.signed_on.is_not(None))).scalars():
        assert plan.review_due_on is not None and 181 <= (plan.review_due_on - plan.signed_on).days <= 184
        assert plan.status in ("active", "superseded")


def test_contacts_obey_the_mail_rule_and_dates(session: Session) -> None:
    assert session.execute(select(func.max(Contact.contact_date))).scalar_one() <= TODAY
    mail_with_services = session.execute(
        select(func.count()).where(Contact.mode == "mail", Contact.core_services != "")).scalar_one()
    assert mail_with_services == 0
    modes = set(session.execute(select(Contact.mode)).scalars())
    assert modes == {"phone", "in_person", "video", "collateral", "attempt", "mail"}


def test_referral_history_is_in_date_order(session: Session) -> None:
    history: dict[int, list[tuple[int, date, str]]] = defaultdict(list)
    for change in session.execute(select(ReferralStatusChange)).scalars():
        history[change.referral_id].append((change.id, change.changed_on, change.status))
    assert history
    for changes in history.values():
        changes.sort()
        assert changes[0][2] == "sent"
        assert [c[1] for c in changes] == sorted(c[1] for c in changes)


def test_directory_and_billing_settings_are_usable(session: Session) -> None:
    entries = session.execute(select(DirectoryEntry)).scalars().all()
    assert 55 <= len(entries) <= 65
    assert all(is_valid_npi(e.npi) for e in entries if e.npi)
    values = settings.read_all(session)
    claim = ClaimSettings(
        billing_provider_name=values.billing_provider_name, billing_provider_npi=values.billing_provider_npi,
        billing_provider_taxonomy=values.billing_provider_taxonomy,
        billing_provider_tax_id=values.billing_provider_tax_id,
        billing_provider_address=PostalAddress(
            line1=values.billing_provider_address, city=values.billing_provider_city,
            state=values.billing_provider_state, postal_code=values.billing_provider_zip),
        submitter_id=values.submitter_id, submitter_name=values.submitter_name,
        receiver_id=values.receiver_id, receiver_name=values.receiver_name, payer_id=values.payer_id,
        payer_name=values.payer_name, contact_phone=values.submitter_contact_phone,
    )
    check_claim_settings(claim)
    assert values.outreach_rate_code


def test_audit_chain_is_intact(session: Session) -> None:
    report = audit.verify_chain(session)
    assert report.ok, report.problem
    actions = list(session.execute(select(AuditEvent.action)).scalars())
    assert "demo_data_created" in actions


def test_vocabulary_codes_are_real_icd10_codes() -> None:
    from hhdesk.domain.conditions import icd10_description

    codes = [(code, text) for code, text, _weight in vocab.CHRONIC_CODES]
    codes += list(vocab.SMI_CODES) + [vocab.HIV_CODE] + list(vocab.OTHER_CODES)
    for code, text in codes:
        assert icd10_description(code) == text, code
    for code, _text, _category in vocab.AT_RISK:
        assert icd10_description(code) is not None, code
    assert is_valid_npi(vocab.AGENCY_NPI)


def test_billing_service_previews_and_exports_the_demo_store(demo_path: Path, tmp_path: Path) -> None:
    from hhdesk.domain.service_month import ServiceMonth
    from hhdesk.services import billing

    app = users.login(demo_path, "tkowalski", DEMO_STAFF_PASSWORD)
    try:
        this_month = ServiceMonth.of(TODAY)
        reasons: set[str] = set()
        for back in (1, 2, 3):
            result = billing.preview(app, this_month.shift(-back), today=TODAY)
            assert result.billable_count > 0
            reasons |= {reason.value for reason in result.not_billable}
        assert {"no_consent", "no_care_plan", "no_payer"} <= reasons

        last_month = this_month.shift(-1)
        claim = billing.export(app, last_month, "837i", tmp_path / "claims.x12", today=TODAY)
        assert claim.billable_count > 0
        # one claim file per payer, named after the payer
        assert len(claim.runs) > 1 and {run.payer_code for run in claim.runs} <= {"FFS", "CDPHP", "FIDELIS", "MVP",
                                                                                  "UHCCP"}
        for run in claim.runs:
            assert Path(run.file_name) == tmp_path / f"claims-{run.payer_code}.x12"
            assert Path(run.file_name).read_bytes().startswith(b"ISA")
        billing.export(app, last_month, "csv", tmp_path / "billing.csv", today=TODAY)
        billing.export(app, last_month, "billing-support", tmp_path / "support.csv", today=TODAY)

        # The demo's own runs read as earlier exports: the same month again needs a reason.
        runs = billing.history(app, this_month.shift(-2))
        assert {run.format for run in runs} == {"837i"} and len(runs) == len({run.payer_code for run in runs})
        with pytest.raises(billing.AlreadyExported):
            billing.export(app, this_month.shift(-2), "837i", tmp_path / "again.x12", today=TODAY)
    finally:
        users.logout(app)


def test_every_demo_member_is_eligible(demo_path: Path) -> None:
    from hhdesk.services import enrolment

    app = users.login(demo_path, DEMO_USER, DEMO_PASSWORD)
    try:
        for member_id in range(1, MEMBERS + 1):
            result = enrolment.explain_eligibility(app, member_id)
            assert result.eligible, result.explanation
    finally:
        users.logout(app)


def _store_copy(demo_path: Path, tmp_path: Path) -> Path:
    from hhdesk.config import keyslots_path

    copy = tmp_path / "copy" / demo_path.name  # billing changes below: leave the shared store be
    copy.parent.mkdir()
    shutil.copy(demo_path, copy)
    shutil.copy(keyslots_path(demo_path), keyslots_path(copy))
    return copy


@pytest.mark.parametrize("claim_format", ["837i", "837p"])
def test_last_month_claims_of_the_demo_store_pass_pyx12(demo_path: Path, tmp_path: Path, claim_format: str) -> None:
    """The demo store's last month exports one valid X12 5010 claim file per payer, with service-line dates."""
    from hhdesk.domain.service_month import ServiceMonth
    from hhdesk.services import billing
    from tests.exports.test_x12 import segments_of, validate

    copy = _store_copy(demo_path, tmp_path)
    app = users.login(copy, DEMO_USER, DEMO_PASSWORD)
    try:
        if claim_format == "837p":
            billing.save_billing_settings(app, {"billing_profile": "generic_837p", "hcpcs_code": "S0280",
                                                "outreach_rate_code": "G9012",
                                                "rate_amounts": {"S0280": "350.00", "G9012": "120.00"}})
        last_month = ServiceMonth.of(TODAY).shift(-1)
        outcome = billing.export(app, last_month, claim_format, tmp_path / f"claims.{claim_format}",
                                 reason="test of both claim types", today=TODAY)
    finally:
        users.logout(app)
    assert outcome.billable_count > 0 and len(outcome.runs) >= 2
    for run in outcome.runs:
        text = Path(run.file_name).read_text(encoding="ascii")
        valid, acknowledgement = validate(text, tmp_path)
        assert valid, acknowledgement
        assert "IK5*R" not in acknowledgement and "IK3" not in acknowledgement
        segments = segments_of(text)
        lines = [i for i, s in enumerate(segments) if s[0] in ("SV2", "SV1")]
        assert lines and all(segments[i + 1][:2] == ["DTP", "472"] for i in lines)  # a date on every line
        receiver = segments[0][8].strip()
        assert [s for s in segments if s[0] == "CLM"] and all(s[5].endswith(":1") for s in segments if s[0] == "CLM")
        if claim_format == "837i":
            assert sum(1 for s in segments if s[:2] == ["NM1", "71"]) == sum(1 for s in segments if s[0] == "CLM")
        assert receiver.endswith("TEST")


def test_demo_month_acknowledged_and_remitted_reconciles(demo_path: Path, tmp_path: Path) -> None:
    """A generated 999 and 277CA mark the demo's claims; a generated 835 pays, denies and adjusts them."""
    from hhdesk.domain.service_month import ServiceMonth
    from hhdesk.services import billing, claims
    from tests.exports.x12_response_factory import read_claim_file, write_277ca, write_835, write_999

    copy = _store_copy(demo_path, tmp_path)
    app = users.login(copy, "tkowalski", DEMO_STAFF_PASSWORD)
    try:
        last_month = ServiceMonth.of(TODAY).shift(-1)
        outcome = billing.export(app, last_month, "837i", tmp_path / "claims.x12", today=TODAY)
        run = max(outcome.runs, key=lambda r: r.billable_count)
        sent = read_claim_file(Path(run.file_name).read_text(encoding="ascii"))
        assert len(sent.claims) >= 2
        first, second = sent.claims[0].claim_id, sent.claims[1].claim_id
        responses = {"999": write_999(sent), "277": write_277ca(sent, rejected={first}),
                     "835": write_835(sent, denied={second: ("29", "MA130")})}
        for name, text in responses.items():
            (tmp_path / f"{name}.x12").write_text(text, encoding="ascii")
        ack = claims.import_response(app, tmp_path / "999.x12")
        assert ack.matched == len(sent.claims) and ack.counts == {"accepted": len(sent.claims)}
        status = claims.import_response(app, tmp_path / "277.x12")
        assert status.counts["rejected"] == 1
        remit = claims.import_response(app, tmp_path / "835.x12")
        assert remit.matched == len(sent.claims) and not remit.unmatched
        assert remit.counts["denied"] == 1 and remit.counts["paid"] == len(sent.claims) - 1
        by_claim = {view.claim_id: view for view in claims.claims_of_month(app, last_month)}
        assert "29" in by_claim[second].status_detail and "time limit for filing" in by_claim[second].status_detail
        assert by_claim[second].payer_claim_number
        work_list = claims.unpaid_claims(app)
        assert work_list[0].status == "denied"
        assert second in {view.claim_id for view in work_list}
        assert first not in {view.claim_id for view in work_list}  # a later 835 paid it
        summary = claims.reconciliation(app, last_month)
        assert summary["denied"] == 1 and sum(summary.values()) == outcome.billable_count
        with pytest.raises(Exception, match="imported before"):
            claims.import_response(app, tmp_path / "835.x12")
    finally:
        users.logout(app)


def test_print_referral_works_for_nine_in_ten_demo_referrals(demo_path: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Sent referrals carry the member's consent to share with the agency, so their letters print."""
    from hhdesk.cli.main import main
    from hhdesk.db.models import Referral

    store = Store.open(demo_path, DEMO_USER, DEMO_PASSWORD)
    try:
        with store.read_session() as read:
            ids = list(read.execute(select(Referral.id).order_by(Referral.id)).scalars())
    finally:
        store.close()
    assert len(ids) >= 20
    monkeypatch.setenv("HHDESK_PASSWORD", DEMO_PASSWORD)
    printed = 0
    for referral_id in ids:
        out = tmp_path / f"referral-{referral_id}.pdf"
        code = main(["print", "referral", str(referral_id), "--out", str(out), "--store", str(demo_path),
                     "--user", DEMO_USER])
        capsys.readouterr()
        if code == 0:
            assert out.read_bytes().startswith(b"%PDF")
            printed += 1
    assert printed >= 0.9 * len(ids), f"{printed} of {len(ids)} referral letters printed"


def test_the_demo_worklist_holds_a_handful_of_overdue_items(demo_path: Path) -> None:
    from datetime import datetime

    from hhdesk.services import worklist

    app = users.login(demo_path, DEMO_USER, DEMO_PASSWORD)
    try:
        now = datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0)
        items = worklist.worklist(app, worklist.ALL, now=now)
    finally:
        users.logout(app)
    overdue = [item for item in items if item.overdue]
    per_care_manager = defaultdict(int)
    for item in overdue:
        per_care_manager[item.care_manager] += 1
    assert items and len(overdue) <= 12, [(i.kind, i.when_text(now)) for i in overdue]
    assert max(per_care_manager.values(), default=0) <= 6
    assert all(item.lateness(now).days <= 60 for item in overdue), [i.when_text(now) for i in overdue]


def test_the_demo_dates_lead_up_to_the_given_day(tmp_path: Path) -> None:
    later = date(2027, 3, 1)  # a month of 28 days, after a year boundary
    path = tmp_path / "later.hhdesk"
    build_demo_store(path, members=8, seed=7, today=later)
    store = Store.open(path, DEMO_USER, DEMO_PASSWORD)
    try:
        with store.read_session() as read:
            last_contact = read.execute(select(func.max(Contact.contact_date))).scalar_one()
            last_start = read.execute(select(func.max(EnrolmentSegment.start_date))).scalar_one()
    finally:
        store.close()
    assert later - date.resolution * 45 <= last_contact <= later
    assert last_start <= later


def test_the_worklist_and_the_month_line_agree_on_every_enrolled_member(demo_path: Path) -> None:
    """The worklist counts a month's contacts in SQL, the member's month line in Python: both from the same
    rule, so a member is on the worklist exactly when the month line says the minimum is not met, with the
    same numbers."""
    from datetime import time

    from hhdesk.clock import FixedClock
    from hhdesk.domain.enums import MemberStatus
    from hhdesk.services import caseload, contacts, worklist
    from hhdesk.services.worklist import WorkKind

    app = users.login(demo_path, DEMO_USER, DEMO_PASSWORD, clock=FixedClock.on(TODAY, time(9, 0)))
    try:
        enrolled = [row.member_id for row in caseload.search(
            app, caseload.CaseloadQuery(status=MemberStatus.ENROLLED, limit=10_000))]
        on_worklist = {item.member_id: item for item in worklist.worklist(
            app, worklist.ALL, kinds=[WorkKind.MONTHLY_CONTACTS])}
        summaries = {member_id: contacts.month_summary_for(app, member_id).summary for member_id in enrolled}
    finally:
        users.logout(app)
    short = {member_id for member_id, summary in summaries.items() if not summary.met}
    assert len(enrolled) >= 10 and short and short != set(enrolled)
    assert set(on_worklist) == short
    for member_id in short:
        s = summaries[member_id]
        expected = f"{s.qualifying} of {s.required} qualifying"
        if s.required_in_person:
            expected += f", {s.in_person} of {s.required_in_person} in person"
        assert on_worklist[member_id].detail.startswith(expected + ";"), (s, on_worklist[member_id].detail)
