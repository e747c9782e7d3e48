"""The facts billing reads beyond contacts (HH+ population, AOT orders, outreach billed elsewhere), recorded
through the services and read by the billing preview; the all-or-nothing import of outreach months."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hhdesk.db.models import AuditEvent, OutreachElsewhere
from hhdesk.domain.enums import HH_PLUS_MINIMUM_NOT_MET, BillingReason, HHPlusPopulation, Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.services import billing, billing_facts, contacts, settings
from hhdesk.services.context import AppSession
from tests.billing_store import add_member

MONTH = "2024-03"
TODAY = date(2024, 4, 10)
SIGNED = {"consents": [("consent", "2024-01-01")], "plans": ["2024-01-20"]}
FOUR_WITH_TWO_IN_PERSON = [("2024-03-01", "in_person", "CM"), ("2024-03-02", "in_person", "CC"),
                           ("2024-03-03", "phone", "CM"), ("2024-03-04", "phone", "CM")]


def row_of(preview: billing.BillingPreview, member_id: int) -> billing.BillingPreviewRow:
    return next(row for row in preview.rows if row.member_id == member_id)


@pytest.fixture
def outreach_code(admin: AppSession) -> None:
    settings.update_settings(admin, {"outreach_rate_code": "1386", "outreach_amount": "110.00"})


def test_in_person_with_a_provider_is_not_face_to_face_in_the_preview(admin: AppSession, outreach_code: None) -> None:
    provider = add_member(admin, "AB11111A", "Provider", segments=[("outreach", "2024-02-01", None)],
                          contacts=[("2024-02-05", "phone", "CM"), ("2024-03-05", "in_person", "CM", "provider")])
    parent = add_member(admin, "AB22222A", "Parent", segments=[("outreach", "2024-02-01", None)],
                        contacts=[("2024-02-05", "phone", "CM"), ("2024-03-05", "in_person", "CM", "family")])
    preview = billing.preview(admin, MONTH)
    assert row_of(preview, provider).reason is BillingReason.OUTREACH_NEEDS_FACE_TO_FACE
    assert row_of(preview, parent).billable


def test_outreach_months_billed_elsewhere_from_the_chart_count(admin: AppSession, outreach_code: None) -> None:
    member = add_member(admin, "AB33333A", "Moved", segments=[("outreach", "2024-03-01", None)],
                        contacts=[("2024-03-05", "phone", "CM")])
    assert row_of(billing.preview(admin, MONTH), member).billable
    record = billing_facts.add_outreach_elsewhere(admin, member, "2024-02", "Other Health Home", today=TODAY)
    row = row_of(billing.preview(admin, MONTH), member)
    assert row.reason is BillingReason.OUTREACH_NEEDS_FACE_TO_FACE
    assert "parent/guardian" in row.reason_text
    billing_facts.add_outreach_elsewhere(admin, member, "2024-03", "Other Health Home", today=TODAY)
    assert row_of(billing.preview(admin, MONTH), member).reason is BillingReason.OUTREACH_BILLED_ELSEWHERE
    with pytest.raises(ValidationFailed, match="already recorded"):
        billing_facts.add_outreach_elsewhere(admin, member, "2024-03", "Someone else", today=TODAY)
    with pytest.raises(ValidationFailed, match="future"):
        billing_facts.add_outreach_elsewhere(admin, member, "2024-05", "Other Health Home", today=TODAY)
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        billing_facts.add_outreach_elsewhere(admin, member, "03/2024", "Other Health Home", today=TODAY)
    billing_facts.remove_outreach_elsewhere(admin, record)
    facts = billing_facts.get_billing_facts(admin, member)
    assert [str(m.month) for m in facts.outreach_elsewhere] == ["2024-03"]


def test_aot_order_and_population_set_the_hh_plus_minimum(admin: AppSession) -> None:
    member = add_member(admin, "AB44444A", "Plus", segments=[("enrolled", "2024-01-01", None)],
                        tiers=[("hh_plus", "2024-01-01")], contacts=FOUR_WITH_TWO_IN_PERSON, **SIGNED)
    row = row_of(billing.preview(admin, MONTH), member)
    assert (row.rate_code, row.note) == ("1853", None)
    assert contacts.month_summary_for(admin, member, today=date(2024, 3, 31)).summary.met
    order = billing_facts.add_aot_order(admin, member, date(2024, 2, 1))
    # the chart's month line reads the same minimum as billing: all 4 in person under the AOT order
    summary = contacts.month_summary_for(admin, member, today=date(2024, 3, 31)).summary
    assert (summary.required_in_person, summary.more_in_person_needed, summary.met) == (4, 2, False)
    row = row_of(billing.preview(admin, MONTH), member)
    assert (row.rate_code, row.note) == ("1874", HH_PLUS_MINIMUM_NOT_MET)
    assert "AOT order" in row.reason_text
    billing_facts.set_aot_order_end(admin, order, date(2024, 2, 29))
    assert row_of(billing.preview(admin, MONTH), member).rate_code == "1853"
    with pytest.raises(ValidationFailed, match="overlap"):
        billing_facts.add_aot_order(admin, member, date(2024, 2, 15), date(2024, 3, 15))
    with pytest.raises(ValidationFailed, match="before it starts"):
        billing_facts.add_aot_order(admin, member, date(2024, 5, 1), date(2024, 4, 1))
    # HH+ HIV: two in person, neither by the member's care manager (these contacts have no staff)
    billing_facts.set_hh_plus_population(admin, member, HHPlusPopulation.HIV)
    row = row_of(billing.preview(admin, MONTH), member)
    assert (row.rate_code, row.evaluation.hh_plus_population) == ("1874", "hiv")
    billing_facts.remove_aot_order(admin, order)
    assert billing_facts.get_billing_facts(admin, member).aot_orders == ()
    assert billing_facts.get_billing_facts(admin, member).hh_plus_population is HHPlusPopulation.HIV


def test_consent_withdrawn_mid_month_in_the_preview(admin: AppSession) -> None:
    member = add_member(admin, "AB55555A", "Left", segments=[("enrolled", "2024-01-01", "2024-03-20")],
                        tiers=[("standard", "2024-01-01")], contacts=[("2024-03-05", "phone", "CM")],
                        consents=[("consent", "2024-01-01"), ("withdrawal", "2024-03-20")], plans=["2024-01-20"])
    row = row_of(billing.preview(admin, MONTH), member)
    assert row.billable and row.consent_date == date(2024, 1, 1)
    assert "withdrawn 03/20/2024" in row.reason_text


def test_preview_marks_amounts_the_agency_has_not_confirmed(admin: AppSession) -> None:
    member = add_member(admin, "AB66666A", "Std", segments=[("enrolled", "2024-01-01", None)],
                        tiers=[("standard", "2024-01-01")], contacts=[("2024-03-05", "phone", "CM")], **SIGNED)
    preview = billing.preview(admin, MONTH)
    assert row_of(preview, member).amount_confirmed is False
    assert "not confirmed by the agency" in row_of(preview, member).rate_source
    assert preview.unconfirmed_count == 1
    billing.save_billing_settings(admin, {"confirmed_rates": ["1873"]})
    preview = billing.preview(admin, MONTH)
    assert row_of(preview, member).amount_confirmed is True and preview.unconfirmed_count == 0
    rows = {row.code: row for row in billing.rate_rows(settings.get_settings(admin))}
    assert rows["1873"].confirmed and not rows["1853"].confirmed
    assert "pending CMS approval" in rows["1853"].provenance
    assert rows["1861"].reference_only


CSV_OK = "medicaid_id,month,agency\nAB77777A,2024-01,Hudson HH\nab77777a,2024-02,Hudson HH\n"


def test_import_of_outreach_months_is_all_or_nothing(admin: AppSession, tmp_path: Path, outreach_code: None) -> None:
    member = add_member(admin, "AB77777A", "Import", segments=[("outreach", "2024-03-01", None)],
                        contacts=[("2024-03-05", "in_person", "CM")])
    bad = tmp_path / "bad.csv"
    bad.write_text("medicaid_id,month,agency\nAB77777A,2024-01,Hudson HH\nZZ99999Z,2024-02,Hudson HH\n"
                   "AB77777A,2024-13,Hudson HH\nAB77777A,2024-01,Hudson HH\nAB77777A,2024-09,X\n", encoding="utf-8")
    report = billing_facts.import_outreach_elsewhere(admin, bad, today=TODAY)
    assert not report.ok and report.imported == 0
    assert [(p.line, p.column) for p in report.errors] == [(3, "medicaid_id"), (4, "month"), (5, None), (6, "month")]
    assert "ZZ99999Z" not in " ".join(str(p) for p in report.errors)  # no member data in the report
    with admin.store.read_session() as session:
        assert session.scalar(select(func.count()).select_from(OutreachElsewhere)) == 0

    good = tmp_path / "good.csv"
    good.write_text(CSV_OK, encoding="utf-8")
    dry = billing_facts.import_outreach_elsewhere(admin, good, dry_run=True, today=TODAY)
    assert dry.ok and dry.imported == 0 and "would be recorded" in dry.summary()
    report = billing_facts.import_outreach_elsewhere(admin, good, today=TODAY)
    assert report.ok and report.imported == 2
    assert row_of(billing.preview(admin, MONTH), member).reason is BillingReason.OUTREACH_LIMIT
    again = billing_facts.import_outreach_elsewhere(admin, good, today=TODAY)
    assert again.imported == 0 and again.already_on_file == 2
    with admin.store.read_session() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"outreach_elsewhere_imported", "outreach_elsewhere_import"} <= actions


def test_who_may_record_what(login_as, admin: AppSession) -> None:  # type: ignore[no-untyped-def]
    member = add_member(admin, "AB88888A", "Perm", segments=[("outreach", "2024-03-01", None)])
    clerk = login_as(Role.BILLING)
    billing_facts.add_outreach_elsewhere(clerk, member, "2024-02", "Other HH", today=TODAY)
    with pytest.raises(PermissionDenied):
        billing_facts.add_aot_order(clerk, member, date(2024, 1, 1))
    reader = login_as(Role.READ_ONLY)
    with pytest.raises(PermissionDenied):
        billing_facts.add_outreach_elsewhere(reader, member, "2024-01", "Other HH", today=TODAY)
    with pytest.raises(PermissionDenied):
        billing_facts.import_outreach_elsewhere_text(reader, CSV_OK, today=TODAY)
    care_manager = login_as(Role.CARE_MANAGER)
    billing_facts.set_hh_plus_population(care_manager, member, "smi")
