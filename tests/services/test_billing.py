"""The billing service: preview reasons over a crafted store, exports, control numbers, repeats, permissions."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.db.models import (
    AuditEvent,
    BillingRun,
    CarePlanVersion,
    Consent,
    Contact,
    EnrolmentSegment,
    TierPeriod,
)
from hhdesk.domain.billing_rules import MemberBillingFacts, care_plan_date_on, consent_date_on, evaluate_month
from hhdesk.domain.enums import HH_PLUS_MINIMUM_NOT_MET, BillingReason, ConsentKind, Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.services import billing, enrolment, settings
from hhdesk.services.context import AppSession
from tests.billing_store import BILLING_TEST_SETTINGS, add_member, fill_billing_store, last_full_month
from tests.exports.test_x12 import validate

MONTH = "2024-03"


def d(text: str) -> date:
    return date.fromisoformat(text)


ENROLLED = [("enrolled", "2024-01-01", None)]
IN_TIME = date(2024, 4, 10)  # the session's today for claim exports of March 2024 within the filing limits
SIGNED = {"consents": [("consent", "2024-01-01")], "plans": ["2024-01-20"]}


@pytest.fixture
def crafted(admin: AppSession) -> dict[str, int]:
    """A member for each verdict of March 2024, and one whose segment ended before it."""
    settings.update_settings(admin, {"outreach_rate_code": "1386", "outreach_amount": "135.00"})
    ids = {
        "billable": add_member(admin, "AA11111A", "Able", segments=ENROLLED, tiers=[("standard", "2024-01-01")],
                               contacts=[("2024-03-05", "phone", "CM"), ("2024-03-06", "mail", "CC")],
                               diagnoses=[("I10", None), ("F32.9", "mental_health")], **SIGNED),
        "last_day": add_member(admin, "AA22222A", "Baker", segments=ENROLLED, tiers=[("high_risk", "2024-01-01")],
                               contacts=[("2024-03-31", "collateral", "CC;TC")], **SIGNED),
        "no_consent": add_member(admin, "AA33333A", "Cole", segments=ENROLLED, tiers=[("standard", "2024-01-01")],
                                 plans=["2024-01-20"], contacts=[("2024-03-05", "video", "CM")]),
        "no_care_plan": add_member(admin, "AA44444A", "Dunn", segments=[("enrolled", "2023-06-01", None)],
                                   consents=[("consent", "2023-06-01")], tiers=[("standard", "2023-06-01")],
                                   contacts=[("2024-03-05", "phone", "CM")]),
        "no_core_service": add_member(admin, "AA55555A", "Egan", segments=ENROLLED,
                                      tiers=[("standard", "2024-01-01")],
                                      contacts=[("2024-02-28", "phone", "CM"), ("2024-03-04", "attempt", "CM"),
                                                ("2024-03-05", "phone", "")], **SIGNED),
        "outreach_limit": add_member(admin, "AA66666A", "Ford", segments=[("outreach", "2024-01-01", None)],
                                     contacts=[("2024-01-10", "in_person", "CM"), ("2024-02-10", "in_person", "CM"),
                                               ("2024-03-10", "in_person", "CM")]),
        "face_to_face": add_member(admin, "AA77777A", "Gray", segments=[("outreach", "2024-02-01", None)],
                                   contacts=[("2024-02-10", "in_person", "CM"), ("2024-03-10", "phone", "CM")]),
        "limit_12m": add_member(admin, "AA88888A", "Hale", segments=[("outreach", "2023-04-01", None)],
                                contacts=[(f"2023-{m:02d}-15", "phone", "CM") for m in (4, 6, 8, 10, 12)]
                                + [("2024-03-15", "in_person", "CM")]),
        "hh_plus_short": add_member(admin, "AA99999A", "Irwin", segments=ENROLLED, tiers=[("hh_plus", "2024-01-01")],
                                    contacts=[("2024-03-05", "in_person", "CM"), ("2024-03-06", "phone", "CC")],
                                    **SIGNED),
        "outreach_new": add_member(admin, "AB11111A", "Jones", segments=[("outreach", "2024-03-01", None)],
                                   contacts=[("2024-03-02", "attempt", "CM")]),
        "ended": add_member(admin, "AB22222A", "Kerr", segments=[("enrolled", "2023-01-01", "2024-02-10")],
                            **SIGNED, contacts=[("2024-03-05", "phone", "CM")]),
    }
    return ids


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where exports go: a folder of their own (the store sits in tmp_path)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def by_member(result: billing.BillingPreview) -> dict[int, billing.BillingPreviewRow]:
    return {row.member_id: row for row in result.rows}


def test_preview_gives_each_member_month_its_reason(admin: AppSession, crafted: dict[str, int]) -> None:
    result = billing.preview(admin, MONTH)
    rows = by_member(result)
    assert crafted["ended"] not in rows  # no segment overlaps March
    assert len(result.rows) == len(crafted) - 1
    expected = {
        "billable": None, "last_day": None, "hh_plus_short": None, "outreach_new": None,
        "no_consent": BillingReason.NO_CONSENT, "no_care_plan": BillingReason.NO_CARE_PLAN,
        "no_core_service": BillingReason.NO_CORE_SERVICE, "outreach_limit": BillingReason.OUTREACH_LIMIT,
        "face_to_face": BillingReason.OUTREACH_NEEDS_FACE_TO_FACE, "limit_12m": BillingReason.OUTREACH_LIMIT_12M,
    }
    assert {key: rows[crafted[key]].reason for key in expected} == expected

    able = rows[crafted["billable"]]
    assert (able.rate_code, able.amount, able.qualifying_contacts, able.core_services) == ("1873", Decimal("202.00"),
                                                                                            1, ("CM",))
    assert able.consent_date == d("2024-01-01") and able.care_plan_date == d("2024-01-20")
    assert able.diagnosis_codes == ("F32.9", "I10")  # the chronic condition with a category first
    assert rows[crafted["last_day"]].rate_code == "1874"
    short = rows[crafted["hh_plus_short"]]
    assert short.note == HH_PLUS_MINIMUM_NOT_MET and short.rate_code == "1874" and short.in_person_contacts == 1
    assert rows[crafted["outreach_new"]].rate_code == "1386"
    assert rows[crafted["no_consent"]].reason_text == "No consent on file (no_consent)"
    assert "(hh_plus_minimum_not_met)" in short.reason_text

    assert [(t.rate_code, t.count, t.amount) for t in result.totals] == [
        ("1874", 2, Decimal("606.00")), ("1873", 1, Decimal("202.00")), ("1386", 1, Decimal("135.00"))]
    assert result.billable_count == 4 and result.not_billable_count == 6
    assert result.not_billable[BillingReason.NO_CONSENT] == 1
    assert result.notes == {HH_PLUS_MINIMUM_NOT_MET: 1}


def test_an_unset_outreach_code_gives_no_rate_code(admin: AppSession, crafted: dict[str, int]) -> None:
    settings.update_settings(admin, {"outreach_rate_code": ""})
    row = by_member(billing.preview(admin, MONTH))[crafted["outreach_new"]]
    assert row.reason is BillingReason.NO_RATE_CODE
    assert row.reason_text == "No outreach rate code set (no_rate_code)"


def test_recording_the_consent_turns_the_month_billable(admin: AppSession, crafted: dict[str, int]) -> None:
    member_id = crafted["no_consent"]
    assert by_member(billing.preview(admin, MONTH))[member_id].reason is BillingReason.NO_CONSENT
    enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", d("2024-03-20"))
    row = by_member(billing.preview(admin, MONTH))[member_id]
    assert row.billable and row.rate_code == "1873" and row.consent_date == d("2024-03-20")


def test_bad_month_is_refused_in_words(admin: AppSession) -> None:
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        billing.preview(admin, "March 2024")
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        billing.preview(admin, "2024-13")


def test_csv_export_records_a_run_and_a_repeat_needs_a_reason(admin: AppSession, crafted: dict[str, int],
                                                              out_dir: Path) -> None:
    out = out_dir / "march.csv"
    run = billing.export(admin, MONTH, "csv", out)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfservice_month,medicaid_id,")  # UTF-8 BOM, for Excel
    assert data.count(b"\r\n") == 1 + 10
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert (run.member_months, run.billable_count, run.total_amount) == (10, 4, Decimal("943.00"))
    assert run.interchange_control_number is None and run.created_by == "admin"

    with pytest.raises(billing.AlreadyExported, match="give a reason") as refused:
        billing.export(admin, MONTH, "csv", out_dir / "again.csv")
    assert refused.value.earlier[0].id == run.id
    assert not (out_dir / "again.csv").exists()
    # another format of the same month is a different file: no reason needed
    billing.export(admin, MONTH, "billing-support", out_dir / "support.csv")
    again = billing.export(admin, MONTH, "csv", out_dir / "again.csv", reason="Consent found after the first run")
    assert again.repeat_reason == "Consent found after the first run"

    runs = billing.history(admin, MONTH)
    assert [r.format for r in runs] == ["csv", "billing-support", "csv"]
    assert billing.history(admin, "2024-02") == []
    with admin.store.read_session() as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "billing_export")).scalars().all()
        assert len(events) == 3 and "Consent found after the first run" in events[-1].detail
        assert "Able" not in " ".join(e.detail for e in events)
    assert sorted(p.name for p in out_dir.iterdir()) == ["again.csv", "march.csv", "support.csv"]  # no temp files


def test_claim_exports_take_and_store_the_next_control_numbers(admin: AppSession, crafted: dict[str, int],
                                                               out_dir: Path) -> None:
    settings.update_settings(admin, {**BILLING_TEST_SETTINGS, "outreach_rate_code": "1386",
                                     "interchange_control_number": 41})
    first = billing.export(admin, MONTH, "837i", out_dir / "march.x12", today=IN_TIME)
    assert (first.interchange_control_number, first.group_control_number) == (42, 1)
    assert (first.billable_count, first.total_amount) == (4, Decimal("943.00"))
    text = (out_dir / "march-FFS.x12").read_text(encoding="ascii")
    assert "*000000042*0*T*:~" in text and "~GS*HC*RIVERSIDE01*NYSDOH*" in text
    second = billing.export(admin, MONTH, "837i", out_dir / "march2.x12", reason="Payer lost the first file",
                            today=IN_TIME)
    assert (second.interchange_control_number, second.group_control_number) == (43, 2)
    values = settings.get_settings(admin)
    assert (values.interchange_control_number, values.group_control_number) == (43, 2)
    with admin.store.read_session() as session:
        stored = session.execute(select(BillingRun).order_by(BillingRun.id)).scalars().all()
        assert [(r.interchange_control_number, r.repeat_reason) for r in stored] == [
            (42, ""), (43, "Payer lost the first file")]
    valid, acknowledgement = validate(text, out_dir)
    assert valid, acknowledgement


def test_missing_claim_settings_are_named_and_nothing_is_recorded(admin: AppSession, crafted: dict[str, int],
                                                                  out_dir: Path) -> None:
    settings.update_settings(admin, {**BILLING_TEST_SETTINGS, "submitter_id": "", "billing_provider_name": ""})
    with pytest.raises(ValidationFailed) as refused:
        billing.export(admin, MONTH, "837i", out_dir / "march.x12", today=IN_TIME)
    assert "submitter ID" in str(refused.value) and "billing provider name" in str(refused.value)
    assert "Billing settings" in str(refused.value)
    assert set(refused.value.problems) == {"submitter ID", "billing provider name"}
    assert billing.claim_settings_problems(admin) == ["billing provider name", "submitter ID"]
    assert list(out_dir.iterdir()) == [] and billing.history(admin) == []
    assert settings.get_settings(admin).interchange_control_number == 0


def test_the_claim_format_must_match_the_profile(admin: AppSession, crafted: dict[str, int], out_dir: Path) -> None:
    settings.update_settings(admin, BILLING_TEST_SETTINGS)
    with pytest.raises(ValidationFailed, match="choose the 837i export"):
        billing.export(admin, MONTH, "837p", out_dir / "march.x12")
    settings.update_settings(admin, {"billing_profile": "generic_837p", "rate_amounts": {"S0280": "350.00"}})
    with pytest.raises(ValidationFailed, match="choose the 837p export"):
        billing.export(admin, MONTH, "837i", out_dir / "march.x12")
    with pytest.raises(ValidationFailed, match="Choose an export format"):
        billing.export(admin, MONTH, "pdf", out_dir / "march.pdf")


def test_a_claim_the_rows_cannot_carry_is_refused_by_row_number(admin: AppSession, crafted: dict[str, int],
                                                                out_dir: Path) -> None:
    settings.update_settings(admin, BILLING_TEST_SETTINGS)
    add_member(admin, "AB33333A", "Lamb", segments=ENROLLED, tiers=[("standard", "2024-01-01")],
               contacts=[("2024-03-05", "phone", "CM")], diagnoses=[], **SIGNED)
    with pytest.raises(ValidationFailed, match=r"no valid ICD-10-CM diagnosis code \(rows"):
        billing.export(admin, MONTH, "837i", out_dir / "march.x12", today=IN_TIME)
    assert list(out_dir.iterdir()) == [] and billing.history(admin) == []


def test_an_export_to_a_missing_folder_is_refused(admin: AppSession, crafted: dict[str, int], out_dir: Path) -> None:
    with pytest.raises(ValidationFailed, match="does not exist"):
        billing.export(admin, MONTH, "csv", out_dir / "nowhere" / "march.csv")


@pytest.mark.parametrize("role", [Role.CARE_MANAGER, Role.READ_ONLY])
def test_only_billing_supervisor_and_admin_may_preview_or_export(login_as, crafted: dict[str, int],  # type: ignore[no-untyped-def]
                                                                  role: Role, out_dir: Path) -> None:
    app = login_as(role)
    with pytest.raises(PermissionDenied):
        billing.preview(app, MONTH)
    with pytest.raises(PermissionDenied):
        billing.export(app, MONTH, "csv", out_dir / "march.csv")
    with pytest.raises(PermissionDenied):
        billing.history(app)
    assert not (out_dir / "march.csv").exists()


@pytest.mark.parametrize("role", [Role.BILLING, Role.SUPERVISOR])
def test_billing_and_supervisor_may_export(login_as, crafted: dict[str, int], role: Role,  # type: ignore[no-untyped-def]
                                           out_dir: Path) -> None:
    app = login_as(role)
    run = billing.export(app, MONTH, "csv", out_dir / "march.csv")
    assert run.created_by == app.actor.username


def test_billing_settings_are_checked_before_they_are_saved(admin: AppSession, login_as) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed, match="rate region"):
        billing.save_billing_settings(admin, {"billing_region": "midstate"})
    with pytest.raises(ValidationFailed, match="NPI"):
        billing.save_billing_settings(admin, {"billing_provider_npi": "1234567890"})
    billing.save_billing_settings(admin, {"billing_profile": "generic_837p", "hcpcs_code": "S0280",
                                          "hcpcs_modifiers": "U1", "rate_amounts": {"S0280": "350.00"}})
    profile = billing.billing_profile(admin)
    assert profile.name == "generic_837p" and profile.region == "statewide"  # the upstate setting does not apply
    assert profile.claim.modifiers == ("U1",) and profile.tier_rates[next(iter(profile.tier_rates))].amount == Decimal(
        "350.00")
    with pytest.raises(ValidationFailed, match="HCPCS"):
        billing.save_billing_settings(admin, {"outreach_rate_code": "1386"})
    with pytest.raises(PermissionDenied):
        billing.save_billing_settings(login_as(Role.BILLING), {"outreach_rate_code": "1386"})


@pytest.mark.parametrize("claim_format", ["837i", "837p"])
def test_a_demo_like_store_exports_claims_that_pyx12_accepts(admin: AppSession, out_dir: Path,
                                                             claim_format: str) -> None:
    built = fill_billing_store(admin.store, members=80, contacts_per_member=30, months=14)
    month = last_full_month()
    assert built.end_month == month
    if claim_format == "837p":
        # outreach is not billed on this profile unless the agency sets a HCPCS code for it
        settings.update_settings(admin, {"billing_profile": "generic_837p", "hcpcs_code": "S0280",
                                         "hcpcs_modifiers": "U1", "rate_amounts": {"S0280": "350.00"},
                                         "outreach_rate_code": ""})
    result = billing.preview(admin, month)
    assert result.billable_count > 10 and result.not_billable_count > 0
    outcome = billing.export(admin, month, claim_format, out_dir / f"claims.{claim_format}")
    assert outcome.billable_count == result.billable_count
    assert [run.payer_code for run in outcome.runs] == ["FFS", "PLAN1"]
    for run, receiver in zip(outcome.runs, ("NYSDOH", "HVPCLEAR"), strict=True):
        text = (out_dir / f"claims-{run.payer_code}.{claim_format}").read_text(encoding="ascii")
        assert text.count("~CLM*") == run.billable_count > 0
        assert f"*ZZ*{receiver:<15}*" in text and f"~GS*HC*RIVERSIDE01*{receiver}*" in text
        valid, acknowledgement = validate(text, out_dir)
        assert valid, acknowledgement
        assert "IK5*A" in acknowledgement


def test_the_preview_agrees_with_the_rules_over_each_members_whole_record(admin: AppSession) -> None:
    """The set-based gathering (windows, filters, clipped outreach) gives the verdicts of the full records."""
    fill_billing_store(admin.store, members=150, contacts_per_member=40, months=12, seed=11)
    month = last_full_month()
    result = billing.preview(admin, month)
    profile = billing.billing_profile(admin)
    with admin.store.read_session() as session:
        def of(model, member_id):  # type: ignore[no-untyped-def]
            return session.execute(select(model).where(model.member_id == member_id)).scalars().all()

        expected_ids = set(session.execute(
            select(EnrolmentSegment.member_id).where(
                EnrolmentSegment.start_date <= month.last_day,
                (EnrolmentSegment.end_date.is_(None)) | (EnrolmentSegment.end_date >= month.first_day))).scalars())
        assert {row.member_id for row in result.rows} == expected_ids
        for row in result.rows:
            facts = MemberBillingFacts(
                segments=[(s.kind, s.start_date, s.end_date) for s in of(EnrolmentSegment, row.member_id)],
                consents=[(c.kind, c.signed_on) for c in of(Consent, row.member_id)],
                care_plans_signed=[p.signed_on for p in of(CarePlanVersion, row.member_id) if p.signed_on],
                tiers=[(t.tier, t.effective_date) for t in sorted(of(TierPeriod, row.member_id), key=lambda t: t.id)],
                contacts=[(c.contact_date, c.mode, [x for x in c.core_services.split(";") if x])
                          for c in of(Contact, row.member_id)],
            )
            assert row.evaluation == evaluate_month(facts, profile, month), row.medicaid_id
            assert row.consent_date == consent_date_on(facts, month.last_day)
            assert row.care_plan_date == care_plan_date_on(facts, month.last_day)
    assert result.billable_count and result.not_billable_count
