"""Payers per member-month, one claim file per payer, timely filing, corrections and the payers' answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hhdesk.db.models import AuditEvent, BillingClaim
from hhdesk.domain.enums import BillingReason, Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.exports.billing_data import PayerInfo
from hhdesk.services import billing, claims, payers, settings
from hhdesk.services.context import AppSession
from tests.billing_store import BILLING_TEST_SETTINGS, add_member
from tests.exports.test_x12 import segments_of, validate
from tests.exports.x12_response_factory import read_claim_file, write_277ca, write_835, write_999

MONTH = "2024-03"
IN_TIME = date(2024, 4, 10)
ENROLLED = [("enrolled", "2024-01-01", None)]
SIGNED = {"consents": [("consent", "2024-01-01")], "plans": ["2024-01-20"], "tiers": [("standard", "2024-01-01")]}


@pytest.fixture
def three(admin: AppSession) -> dict[str, int]:
    """Three billable members of March 2024: fee-for-service, a plan from mid-March, and one with no payer."""
    settings.update_settings(admin, BILLING_TEST_SETTINGS)
    return {
        "ffs": add_member(admin, "AA11111A", "Able", segments=ENROLLED, contacts=[("2024-03-05", "phone", "CM")],
                          **SIGNED),
        "plan": add_member(admin, "AA22222A", "Baker", segments=ENROLLED, contacts=[("2024-03-06", "phone", "CM")],
                           payers=[("FFS", "2023-01-01"), ("PLAN1", "2024-03-15")], **SIGNED),
        "none": add_member(admin, "AA33333A", "Cole", segments=ENROLLED, contacts=[("2024-03-07", "phone", "CM")],
                           payers=[], **SIGNED),
    }


def by_member(result: billing.BillingPreview) -> dict[int, billing.BillingPreviewRow]:
    return {item.member_id: item for item in result.rows}


def test_each_month_goes_to_its_payer_and_a_month_without_one_is_no_payer(admin: AppSession,
                                                                          three: dict[str, int]) -> None:
    rows = by_member(billing.preview(admin, MONTH, today=IN_TIME))
    assert rows[three["ffs"]].payer_code == "FFS" and rows[three["ffs"]].billable
    assert rows[three["plan"]].payer_code == "PLAN1" and rows[three["plan"]].payer_name == "Hudson Valley Plan"
    assert rows[three["none"]].reason is BillingReason.NO_PAYER
    assert "No Medicaid plan or fee-for-service" in rows[three["none"]].reason_text
    february = by_member(billing.preview(admin, "2024-02", today=IN_TIME))
    assert february[three["plan"]].payer_code == "FFS"  # the plan starts in March


def test_the_export_writes_one_claim_file_per_payer(admin: AppSession, three: dict[str, int], tmp_path: Path) -> None:
    outcome = billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=IN_TIME)
    assert [(run.payer_code, run.billable_count) for run in outcome.runs] == [("FFS", 1), ("PLAN1", 1)]
    assert [run.interchange_control_number for run in outcome.runs] == [1, 2]
    plan_text = (tmp_path / "march-PLAN1.x12").read_text(encoding="ascii")
    segments = segments_of(plan_text)
    assert ["NM1", "40", "2", "HUDSON VALLEY CLEARINGHOUSE", "", "", "", "", "46", "HVPCLEAR"] in segments
    assert ["NM1", "PR", "2", "HUDSON VALLEY PLAN", "", "", "", "", "PI", "HVP0001"] in segments
    assert "AA33333A" not in plan_text + (tmp_path / "march-FFS.x12").read_text(encoding="ascii")
    for path in (tmp_path / "march-FFS.x12", tmp_path / "march-PLAN1.x12"):
        valid, acknowledgement = validate(path.read_text(encoding="ascii"), tmp_path)
        assert valid, acknowledgement
    with admin.store.read_session() as session:
        stored = session.execute(select(BillingClaim).order_by(BillingClaim.id)).scalars().all()
    assert [(c.claim_id, c.payer_code, c.frequency, c.status, c.amount) for c in stored] == [
        ("AA11111A202403", "FFS", "1", "sent", "202.00"), ("AA22222A202403", "PLAN1", "1", "sent", "202.00")]


def test_months_past_the_filing_limit_are_warned_and_need_a_reason(admin: AppSession, three: dict[str, int],
                                                                  tmp_path: Path) -> None:
    # FFS allows 90 days (deadline June 29), the plan 120 days (deadline July 29)
    on_deadline = billing.preview(admin, MONTH, today=date(2024, 6, 29))
    assert on_deadline.late_rows == []
    late = billing.preview(admin, MONTH, today=date(2024, 7, 1))
    assert [item.payer_code for item in late.late_rows] == ["FFS"]
    assert late.filing_warnings() == [
        "NYS Medicaid: 1 billable member-month(s) of 2024-03 are past the 90-day filing limit "
        "(the claims were due by 06/29/2024)"]
    with pytest.raises(billing.PastFilingLimit) as refused:
        billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=date(2024, 7, 1))
    assert "90-day filing limit" in str(refused.value)
    assert not list(tmp_path.glob("march*"))
    outcome = billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=date(2024, 7, 1),
                             late_reason="Retroactive eligibility decision of 06/25/2024")
    assert {run.late_reason for run in outcome.runs} == {"Retroactive eligibility decision of 06/25/2024"}
    assert billing.history(admin)[0].late_reason.startswith("Retroactive")
    # a CSV is no claim: no reason asked
    billing.export(admin, MONTH, "csv", tmp_path / "march.csv", today=date(2024, 7, 1))


def test_payer_table_and_member_payers(admin: AppSession, three: dict[str, int], login_as) -> None:  # type: ignore[no-untyped-def]
    saved = payers.save_payer(admin, PayerInfo("mvp", "MVP Health Care", "MVP01", "MVPCLEAR", "MVP Clearinghouse", 90))
    assert saved.code == "MVP" and [p.code for p in payers.list_payers(admin)] == ["FFS", "MVP", "PLAN1"]
    with pytest.raises(ValidationFailed, match="filing limit"):
        payers.save_payer(admin, PayerInfo("X", "X", "X", "X", "X", 0))
    with pytest.raises(ValidationFailed, match="Receiver ID must be at most 15"):
        payers.save_payer(admin, PayerInfo("X", "X", "X", "X" * 16, "X", 90))
    with pytest.raises(PermissionDenied):
        payers.save_payer(login_as(Role.BILLING), saved)
    period = payers.add_member_payer(admin, three["none"], "mvp", date(2024, 3, 1))
    assert [p.payer_code for p in payers.member_payers(admin, three["none"])] == ["MVP"]
    assert by_member(billing.preview(admin, MONTH, today=IN_TIME))[three["none"]].payer_code == "MVP"
    with pytest.raises(ValidationFailed, match="no payer with the code"):
        payers.add_member_payer(admin, three["none"], "NOPE", date(2024, 4, 1))
    with pytest.raises(ValidationFailed, match="already starts"):
        payers.add_member_payer(admin, three["none"], "FFS", date(2024, 3, 1))
    payers.remove_member_payer(admin, period.id)
    assert payers.member_payers(admin, three["none"]) == []
    with pytest.raises(PermissionDenied):
        payers.add_member_payer(login_as(Role.READ_ONLY), three["none"], "FFS", date(2024, 3, 1))


def test_acknowledgements_and_remittance_mark_the_claims(admin: AppSession, three: dict[str, int],
                                                       tmp_path: Path) -> None:
    outcome = billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=IN_TIME)
    ffs = read_claim_file((tmp_path / "march-FFS.x12").read_text(encoding="ascii"))
    plan = read_claim_file((tmp_path / "march-PLAN1.x12").read_text(encoding="ascii"))
    (tmp_path / "ffs.999").write_text(write_999(ffs), encoding="ascii")
    (tmp_path / "plan.999").write_text(write_999(plan, rejected_sets={"0001"}), encoding="ascii")
    assert claims.import_response(admin, tmp_path / "ffs.999").counts == {"accepted": 1}
    assert claims.import_response(admin, tmp_path / "plan.999").counts == {"rejected": 1}
    (tmp_path / "ffs.277").write_text(write_277ca(ffs), encoding="ascii")
    result = claims.import_response(admin, tmp_path / "ffs.277")
    assert result.counts == {"accepted": 1}
    (tmp_path / "ffs.835").write_text(write_835(ffs, reduced={"AA11111A202403": "150.00"}), encoding="ascii")
    remit = claims.import_response(admin, tmp_path / "ffs.835")
    assert remit.counts == {"adjusted": 1} and remit.paid_total == Decimal("150.00")
    views = {view.claim_id: view for view in claims.claims_of_month(admin, MONTH)}
    assert views["AA11111A202403"].paid_amount == Decimal("150.00")
    assert "CARC 45: the charge exceeds the fee schedule" in views["AA11111A202403"].status_detail
    assert views["AA22222A202403"].status == "rejected"
    work = claims.unpaid_claims(admin)
    assert [view.claim_id for view in work] == ["AA22222A202403"]
    assert work[0].member_name == "Baker, Test"
    assert outcome.billable_count == 2
    with admin.store.read_session() as session:
        details = " ".join(e.detail for e in session.execute(select(AuditEvent)).scalars())
    assert "billing_response" not in details and "Baker" not in details


def test_a_bad_or_foreign_response_file_changes_nothing(admin: AppSession, three: dict[str, int],
                                                       tmp_path: Path) -> None:
    billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=IN_TIME)
    sent = read_claim_file((tmp_path / "march-FFS.x12").read_text(encoding="ascii"))
    good = write_835(sent, denied={"AA11111A202403": ("29", "")})
    (tmp_path / "broken.835").write_text(good.replace("N1*PR*", "N9*PR*"), encoding="ascii")
    with pytest.raises(ValidationFailed, match="does not pass validation, so nothing was applied: segment"):
        claims.import_response(admin, tmp_path / "broken.835")
    (tmp_path / "other.835").write_text(good.replace("AA11111A202403", "ZZ99999Z202403"), encoding="ascii")
    with pytest.raises(ValidationFailed, match="Nothing in this 835 file matches"):
        claims.import_response(admin, tmp_path / "other.835")
    (tmp_path / "claims.txt").write_text("hello", encoding="ascii")
    with pytest.raises(ValidationFailed, match="not an X12 file"):
        claims.import_response(admin, tmp_path / "claims.txt")
    assert {view.status for view in claims.claims_of_month(admin, MONTH)} == {"sent"}


def test_replacement_and_void_claims_name_the_original(admin: AppSession, three: dict[str, int],
                                                     tmp_path: Path) -> None:
    billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=IN_TIME)
    with pytest.raises(ValidationFailed, match="payer's claim number of the original claim is not known yet"):
        claims.correct_claims(admin, MONTH, [claims.ClaimCorrection("AA11111A", "replace")], tmp_path / "fix.x12",
                              today=IN_TIME)
    sent = read_claim_file((tmp_path / "march-FFS.x12").read_text(encoding="ascii"))
    (tmp_path / "ffs.277").write_text(write_277ca(sent), encoding="ascii")
    claims.import_response(admin, tmp_path / "ffs.277")
    outcome = claims.correct_claims(
        admin, MONTH, [claims.ClaimCorrection("AA11111A", "replace"),
                       claims.ClaimCorrection("AA22222A", "void", payer_claim_number="HVP-778899")],
        tmp_path / "fix.x12", today=IN_TIME)
    assert [(run.payer_code, run.correction) for run in outcome.runs] == [("FFS", True), ("PLAN1", True)]
    replace_text = (tmp_path / "fix-FFS.x12").read_text(encoding="ascii")
    void_text = (tmp_path / "fix-PLAN1.x12").read_text(encoding="ascii")
    replace_segments, void_segments = segments_of(replace_text), segments_of(void_text)
    assert [s[5] for s in replace_segments if s[0] == "CLM"] == ["34:A:7"]
    assert ["REF", "F8", "2026" + "AA11111A202403"[-10:]] in replace_segments
    assert [s[5] for s in void_segments if s[0] == "CLM"] == ["34:A:8"]
    assert ["REF", "F8", "HVP-778899"] in void_segments
    for text in (replace_text, void_text):
        valid, acknowledgement = validate(text, tmp_path)
        assert valid, acknowledgement
    statuses = {(view.claim_id, view.frequency): view.status for view in claims.claims_of_month(admin, MONTH)}
    assert statuses[("AA11111A202403", "1")] == "replaced" and statuses[("AA22222A202403", "1")] == "voided"
    assert statuses[("AA11111A202403", "7")] == "sent" and statuses[("AA22222A202403", "8")] == "sent"
    with pytest.raises(ValidationFailed, match="no claim was sent"):
        claims.correct_claims(admin, MONTH, [claims.ClaimCorrection("AA33333A", "void", "X1")],
                              tmp_path / "none.x12", today=IN_TIME)


def test_the_roster_records_each_members_payer_from_a_date(admin: AppSession) -> None:
    from hhdesk.domain.roster_csv import PAYER_COLUMNS
    from hhdesk.services import members, roster_import
    from tests.services.roster_factory import HEADER, medicaid_id, roster_line

    with admin.store.write_session() as session:
        from tests.billing_store import ensure_test_payers

        ensure_test_payers(session)
    header = HEADER + "," + ",".join(PAYER_COLUMNS)
    text = "\n".join([header, roster_line(1) + ",ffs,2025-01-01", roster_line(2) + ",,", ""])
    report = roster_import.import_roster(admin, text)
    assert report.ok and report.members_created == 2, report.errors
    first = members.find_by_medicaid_id(admin, medicaid_id(1))
    second = members.find_by_medicaid_id(admin, medicaid_id(2))
    assert [(p.payer_code, p.effective_date) for p in payers.member_payers(admin, first)] == [("FFS", date(2025, 1, 1))]
    assert payers.member_payers(admin, second) == []
    again = roster_import.import_roster(admin, "\n".join([header, roster_line(1) + ",PLAN1,2025-06-01", ""]))
    assert again.members_updated == 1
    assert [p.payer_code for p in payers.member_payers(admin, first)] == ["PLAN1", "FFS"]
    # the file without the payer columns still imports; a code not in the payer table refuses the file
    assert roster_import.import_roster(admin, HEADER + "\n" + roster_line(3) + "\n").ok
    bad = roster_import.import_roster(admin, "\n".join([header, roster_line(4) + ",NOPE,2025-01-01",
                                                        roster_line(5) + ",FFS,", ""]))
    assert not bad.ok
    assert (3, "payer_from: is required (a date as YYYY-MM-DD or MM/DD/YYYY)") in bad.errors
    bad = roster_import.import_roster(admin, "\n".join([header, roster_line(4) + ",NOPE,2025-01-01", ""]))
    assert bad.errors == ((2, "payer: is not a code in the payer table (an administrator adds payers under "
                               "Billing settings)"),)


def test_a_reversed_payment_goes_back_on_the_work_list(admin: AppSession, three: dict[str, int],
                                                      tmp_path: Path) -> None:
    billing.export(admin, MONTH, "837i", tmp_path / "march.x12", today=IN_TIME)
    sent = read_claim_file((tmp_path / "march-FFS.x12").read_text(encoding="ascii"))
    (tmp_path / "paid.835").write_text(write_835(sent), encoding="ascii")
    assert claims.import_response(admin, tmp_path / "paid.835").counts == {"paid": 1}
    assert "AA11111A202403" not in [view.claim_id for view in claims.unpaid_claims(admin)]
    reversal = write_835(sent, reversed_claims=frozenset({"AA11111A202403"}), control=504)
    assert validate(reversal, tmp_path)[0]
    (tmp_path / "reversal.835").write_text(reversal, encoding="ascii")
    assert claims.import_response(admin, tmp_path / "reversal.835").counts == {"reversed": 1}
    view = next(v for v in claims.unpaid_claims(admin) if v.claim_id == "AA11111A202403")
    assert view.status_words == "Payment reversed" and view.status_detail == "835: reversal of a previous payment"
    assert view.paid_amount == Decimal("-202.00")
