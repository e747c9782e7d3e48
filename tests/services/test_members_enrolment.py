"""Members, enrolment, the directory and the care team, through the services."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hhdesk.clock import AgencyClock
from hhdesk.db.models import Attachment, AuditEvent
from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason, MemberStatus, Role, SegmentType, Tier
from hhdesk.errors import NotFound, PermissionDenied, ValidationFailed
from hhdesk.services import caseload, directory, enrolment, members
from hhdesk.services.context import AppSession
from hhdesk.services.directory import DirectoryEntryInput
from hhdesk.services.enrolment import AttachmentFile
from hhdesk.services.members import MemberDetails

TODAY = AgencyClock().today()
VALID_NPI = "1234567893"  # the CMS example NPI, with a correct check digit


def details(medicaid_id: str = "AB12345C", last: str = "Núñez", first: str = "José",
            dob: date = date(1970, 3, 2), **extra) -> MemberDetails:
    return MemberDetails(medicaid_id=medicaid_id, last_name=last, first_name=first, dob=dob, **extra)


def audit_events(app: AppSession, action: str | None = None, member_id: int | None = None) -> list[AuditEvent]:
    with app.read(None) as session:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        if member_id is not None:
            stmt = stmt.where(AuditEvent.member_id == member_id)
        return list(session.execute(stmt).scalars())


def new_member(app: AppSession, **kwargs) -> int:
    created = members.create_member(app, details(**kwargs))
    assert created.member_id is not None
    return created.member_id


def make_eligible(app: AppSession, member_id: int) -> None:
    enrolment.add_condition(app, member_id, icd10="E11.9")
    enrolment.add_condition(app, member_id, icd10="I10")
    enrolment.set_appropriateness(app, member_id, ["cannot_navigate_system"])


# ---- members ------------------------------------------------------------------------------------


def test_create_member_normalises_and_audits_field_names_only(admin: AppSession) -> None:
    created = members.create_member(admin, details(medicaid_id="ab 12345-c", phone="(518) 555-0100", state="ny"))
    assert created.created and created.possible_duplicates == ()
    stored = members.get_details(admin, created.member_id)
    assert stored.medicaid_id == "AB12345C" and stored.phone == "(518) 555-0100" and stored.state == "NY"
    (event,) = audit_events(admin, "member_created")
    assert event.member_id == created.member_id
    assert "phone" in event.detail and "555-0100" not in event.detail and "Núñez" not in event.detail


def test_bad_medicaid_id_is_refused_with_the_expected_format(admin: AppSession) -> None:
    with pytest.raises(ValidationFailed) as failure:
        members.create_member(admin, details(medicaid_id="12345"))
    assert "AB12345C" in str(failure.value)
    assert caseload.count(admin, caseload.CaseloadQuery()) == 0


def test_same_medicaid_id_is_an_error(admin: AppSession) -> None:
    new_member(admin)
    with pytest.raises(ValidationFailed, match="already has this Medicaid ID"):
        members.create_member(admin, details(last="Other", first="Person"), allow_duplicate=True)


def test_same_name_and_dob_warns_before_saving_then_allows(admin: AppSession) -> None:
    first = new_member(admin)
    again = details(medicaid_id="CD54321E", last="NUNEZ", first="jose")
    warned = members.create_member(admin, again)
    assert not warned.created
    assert [c.member_id for c in warned.possible_duplicates] == [first]
    assert caseload.count(admin, caseload.CaseloadQuery()) == 1
    assert members.find_possible_duplicates(admin, "Nunez", "Jose", date(1970, 3, 2))[0].medicaid_id == "AB12345C"
    saved = members.create_member(admin, again, allow_duplicate=True)
    assert saved.created
    assert audit_events(admin, "duplicate_warning_overridden")[0].member_id == saved.member_id


def test_form_problems_are_all_listed(admin: AppSession) -> None:
    with pytest.raises(ValidationFailed) as failure:
        members.create_member(admin, details(last="", dob=TODAY + timedelta(days=1), zip="12", email="nope",
                                             phone="12"))
    text = " ".join(failure.value.problems)
    for words in ("Last name", "future", "ZIP", "Email", "Phone"):
        assert words in text


def test_update_member_audits_changed_field_names(admin: AppSession) -> None:
    member_id = new_member(admin)
    current = members.get_details(admin, member_id)
    members.update_member(admin, member_id, replace(current, preferred_name="Pepe", city="Albany"))
    (event,) = audit_events(admin, "member_updated")
    assert event.detail == "fields: preferred_name, city"
    assert caseload.search(admin, caseload.CaseloadQuery(text="pepe"))[0].member_id == member_id


def test_viewing_the_chart_is_audited_and_read_only_roles_may(admin: AppSession, login_as) -> None:
    member_id = new_member(admin)
    reader = login_as(Role.READ_ONLY)
    chart = members.get_chart(reader, member_id)
    assert chart.display_name == "Núñez, José" and chart.status is MemberStatus.REFERRED
    viewed = audit_events(admin, "member_viewed")
    assert [(e.username, e.member_id) for e in viewed] == [("readonly", member_id)]
    with pytest.raises(PermissionDenied):
        members.update_member(reader, member_id, details())


def test_chart_of_a_missing_member(admin: AppSession) -> None:
    with pytest.raises(NotFound):
        members.get_chart(admin, 999)


def test_care_manager_who_adds_a_member_holds_it(login_as) -> None:
    manager = login_as(Role.CARE_MANAGER)
    member_id = new_member(manager)
    assert members.get_chart(manager, member_id).care_manager == "caremanager"
    with pytest.raises(PermissionDenied):
        members.create_member(manager, details(medicaid_id="CD54321E", last="Else"), care_manager="supervisor")


def test_assignment_needs_the_permission_and_handles_many(admin: AppSession, login_as) -> None:
    ids = [new_member(admin, medicaid_id=f"AB1234{n}C", last=f"Person{n}") for n in range(3)]
    with pytest.raises(PermissionDenied):
        members.assign_care_manager(login_as(Role.CARE_MANAGER), ids, "caremanager")
    supervisor = login_as(Role.SUPERVISOR)
    assert members.assign_care_manager(supervisor, ids, "caremanager") == 3
    assert members.assign_care_manager(supervisor, ids[:1], "caremanager") == 0
    assert {r.care_manager for r in caseload.search(admin, caseload.CaseloadQuery())} == {"caremanager"}
    assert len(audit_events(admin, "care_manager_assigned")) == 3
    with pytest.raises(ValidationFailed, match="cannot hold a caseload"):
        members.assign_care_manager(supervisor, ids, "billing")
    assert members.assign_care_manager(supervisor, ids[:2], None) == 2


# ---- conditions and eligibility -----------------------------------------------------------------


def test_conditions_and_the_eligibility_explanation(admin: AppSession) -> None:
    member_id = new_member(admin)
    result = enrolment.explain_eligibility(admin, member_id)
    assert not result.eligible and "no chronic condition" in " ".join(result.explanation)
    diabetes = enrolment.add_condition(admin, member_id, icd10="e119")
    assert diabetes.icd10 == "E11.9" and diabetes.category is ChronicCategory.DIABETES
    assert "Type 2 diabetes" in diabetes.description
    with pytest.raises(ValidationFailed, match="already"):
        enrolment.add_condition(admin, member_id, icd10="E11.9")
    enrolment.add_condition(admin, member_id, icd10="I10")
    result = enrolment.explain_eligibility(admin, member_id)
    assert not result.eligible and "appropriateness" in " ".join(result.explanation)
    enrolment.set_appropriateness(admin, member_id, ["no_visit_past_year"])
    result = enrolment.explain_eligibility(admin, member_id)
    assert result.eligible and result.explanation[0].startswith("Qualifies: two chronic conditions")
    enrolment.resolve_condition(admin, diabetes.id)
    assert not enrolment.explain_eligibility(admin, member_id).eligible
    assert [e.detail for e in audit_events(admin, "condition_resolved")] == ["fields: resolved_on"]


def test_unknown_code_and_free_text_condition(admin: AppSession) -> None:
    member_id = new_member(admin)
    with pytest.raises(ValidationFailed, match="not an ICD-10-CM code"):
        enrolment.add_condition(admin, member_id, icd10="Q99.99X")
    free = enrolment.add_condition(admin, member_id, description="Chronic back pain",
                                   category=ChronicCategory.OTHER_CHRONIC)
    assert free.icd10 == "" and free.category is ChronicCategory.OTHER_CHRONIC
    changed = enrolment.update_condition(admin, free.id, category=None)
    assert changed.category is None
    enrolment.remove_condition(admin, free.id)
    assert enrolment.list_conditions(admin, member_id) == []


def test_icd10_search_suggests_code_and_category() -> None:
    suggestions = enrolment.suggest_icd10("schizophrenia", 5)
    assert suggestions[0].code == "F20" and suggestions[0].category is ChronicCategory.SMI
    assert enrolment.suggest_icd10("E11.9")[0].category is ChronicCategory.DIABETES


def test_billing_role_cannot_see_conditions(admin: AppSession, login_as) -> None:
    member_id = new_member(admin)
    clerk = login_as(Role.BILLING)
    with pytest.raises(PermissionDenied):
        enrolment.list_conditions(clerk, member_id)
    assert enrolment.get_enrolment(clerk, member_id).eligibility is None


# ---- consent and segments -----------------------------------------------------------------------


def test_consent_required_to_enrol(admin: AppSession) -> None:
    member_id = new_member(admin)
    make_eligible(admin, member_id)
    enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=30))
    with pytest.raises(ValidationFailed) as failure:
        enrolment.enrol(admin, member_id, TODAY)
    assert "consent" in failure.value.problems[0] and "override" in failure.value.problems[-1]
    assert enrolment.get_enrolment(admin, member_id).status is MemberStatus.OUTREACH
    enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY - timedelta(days=1))
    enrolled = enrolment.enrol(admin, member_id, TODAY)
    record = enrolment.get_enrolment(admin, member_id)
    assert record.status is MemberStatus.ENROLLED and enrolled.kind is SegmentType.ENROLLED
    outreach = record.segments[0]
    assert outreach.end == TODAY - timedelta(days=1) and outreach.end_reason is EndReason.ENROLLED


def test_override_with_reason_is_audited(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=10))
    with pytest.raises(ValidationFailed, match="at least 10"):
        enrolment.enrol(admin, member_id, TODAY, override_reason="ok")
    segment = enrolment.enrol(admin, member_id, TODAY, override_reason="Legacy member, consent form in paper file")
    assert segment.override_reason.startswith("Legacy member")
    (event,) = audit_events(admin, "enrolment_override", member_id)
    assert "no consent on file" in event.detail and "eligibility not met" in event.detail
    assert "Legacy member" in event.detail
    chart = members.get_chart(admin, member_id)
    assert "No consent on file" in [a.message for a in chart.alerts]


def test_segments_never_overlap(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=60))
    with pytest.raises(ValidationFailed, match="open outreach"):
        enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=10))
    enrolment.disenrol(admin, member_id, TODAY - timedelta(days=30), EndReason.UNABLE_TO_LOCATE)
    with pytest.raises(ValidationFailed, match="last day"):
        enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=30))
    with pytest.raises(ValidationFailed, match="overlaps"):
        enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=90))
    enrolment.start_outreach(admin, member_id, TODAY - timedelta(days=29))
    assert [s.kind for s in enrolment.list_segments(admin, member_id)] == [SegmentType.OUTREACH] * 2


def test_disenrol_and_re_enrol(admin: AppSession) -> None:
    member_id = new_member(admin)
    make_eligible(admin, member_id)
    enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY - timedelta(days=100))
    enrolment.enrol(admin, member_id, TODAY - timedelta(days=90))
    with pytest.raises(ValidationFailed, match="not a disenrolment reason"):
        enrolment.disenrol(admin, member_id, TODAY - timedelta(days=40), EndReason.ENROLLED)
    enrolment.disenrol(admin, member_id, TODAY - timedelta(days=40), EndReason.MOVED)
    record = enrolment.get_enrolment(admin, member_id)
    assert record.status is MemberStatus.DISENROLLED and record.can_re_enrol and not record.can_enrol
    assert members.get_chart(admin, member_id).status_since == TODAY - timedelta(days=39)
    with pytest.raises(ValidationFailed, match="enrolled before"):
        enrolment.re_enrol(admin, new_member(admin, medicaid_id="CD54321E", last="Other"), TODAY)
    enrolment.re_enrol(admin, member_id, TODAY - timedelta(days=10))
    assert enrolment.get_enrolment(admin, member_id).status is MemberStatus.ENROLLED
    actions = [e.action for e in audit_events(admin, member_id=member_id) if e.entity == "segment"]
    assert actions == ["enrolled", "disenrolled", "re_enrolled"]


def test_withdrawal_removes_consent_on_file(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY - timedelta(days=50))
    enrolment.enrol(admin, member_id, TODAY - timedelta(days=40), override_reason="Eligibility data still coming")
    assert "No consent on file" not in [a.message for a in members.get_chart(admin, member_id).alerts]
    with pytest.raises(ValidationFailed, match="not a withdrawal"):
        enrolment.record_consent(admin, member_id, ConsentKind.WITHDRAWAL, "DOH-5055", TODAY)
    enrolment.record_consent(admin, member_id, ConsentKind.WITHDRAWAL, "DOH-5058", TODAY)
    messages = [a.message for a in members.get_chart(admin, member_id).alerts]
    assert "Consent withdrawn: no consent on file" in messages


def test_removing_a_consent_entered_in_error_brings_back_the_alert(admin: AppSession) -> None:
    member_id = new_member(admin)
    make_eligible(admin, member_id)
    scan = AttachmentFile("consent.pdf", b"%PDF-1.4 fake scan")
    info = enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY - timedelta(days=50),
                                    file=scan)
    enrolment.enrol(admin, member_id, TODAY - timedelta(days=40))
    assert "no_consent" not in {a.code for a in members.get_chart(admin, member_id).alerts}

    enrolment.remove_consent(admin, info.id)
    record = enrolment.get_enrolment(admin, member_id)
    assert record.consents == () and not record.consent_on_file
    assert "No consent on file" in [a.message for a in members.get_chart(admin, member_id).alerts]
    (event,) = audit_events(admin, "consent_removed")
    assert event.member_id == member_id and event.entity_id == str(info.id) and event.detail == "entered in error"
    with admin.read(None) as session:  # the scan goes with the record
        assert session.execute(select(Attachment.id)).scalars().all() == []
    with pytest.raises(NotFound, match="no longer on file"):
        enrolment.remove_consent(admin, info.id)


def test_removing_consent_and_tier_needs_the_permission(admin: AppSession, login_as) -> None:
    member_id = new_member(admin)
    consent = enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY)
    tier = enrolment.set_tier(admin, member_id, Tier.STANDARD, TODAY)
    viewer = login_as(Role.READ_ONLY)
    with pytest.raises(PermissionDenied):
        enrolment.remove_consent(viewer, consent.id)
    with pytest.raises(PermissionDenied):
        enrolment.remove_tier(viewer, tier.id)
    with pytest.raises(PermissionDenied):  # billing records consent forms but does not set tiers
        enrolment.remove_tier(login_as(Role.BILLING), tier.id)
    record = enrolment.get_enrolment(admin, member_id)
    assert [c.id for c in record.consents] == [consent.id] and [t.id for t in record.tiers] == [tier.id]
    assert audit_events(admin, "consent_removed") == [] and audit_events(admin, "tier_removed") == []


def test_consent_scan_is_stored_and_viewing_it_is_audited(admin: AppSession) -> None:
    member_id = new_member(admin)
    scan = AttachmentFile("C:\\scans\\consent.pdf", b"%PDF-1.4 fake scan")
    info = enrolment.record_consent(admin, member_id, ConsentKind.CONSENT, "DOH-5055", TODAY, file=scan)
    assert info.attachment_name == "consent.pdf" and info.form_label.startswith("Health Home Patient")
    stored = enrolment.get_attachment(admin, info.attachment_id)
    assert stored.data == scan.data and stored.mime_type == "application/pdf"
    assert audit_events(admin, "attachment_viewed")[0].member_id == member_id
    replaced = enrolment.attach_consent_file(admin, info.id, AttachmentFile("page.png", b"\x89PNG"))
    with admin.read(None) as session:
        assert session.execute(select(Attachment.id)).scalars().all() == [replaced.attachment_id]


def test_child_consent_forms_for_under_18s(admin: AppSession) -> None:
    child = new_member(admin, dob=TODAY - timedelta(days=10 * 365))  # about ten (a leap day has no year-earlier twin)
    codes = [f.code for f in enrolment.consent_forms(admin, child, ConsentKind.CONSENT)]
    # NY DOH's children's set since May 2022 (DOH-5200 retired: kept for old records, not offered)
    assert codes == ["DOH-5201", "DOH-5203", "DOH-5204"]
    assert enrolment.tier_choices(admin, child) == (Tier.CHILD_LOW, Tier.CHILD_MEDIUM, Tier.CHILD_HIGH)


def test_tier_history_and_tier_on_a_date(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.set_tier(admin, member_id, Tier.STANDARD, date(2025, 1, 1))
    enrolment.set_tier(admin, member_id, Tier.HH_PLUS, date(2025, 6, 15))
    with pytest.raises(ValidationFailed, match="already takes effect"):
        enrolment.set_tier(admin, member_id, Tier.HIGH_RISK, date(2025, 6, 15))
    assert enrolment.tier_on(admin, member_id, date(2025, 6, 14)) is Tier.STANDARD
    assert enrolment.tier_on(admin, member_id, date(2025, 6, 15)) is Tier.HH_PLUS
    assert enrolment.tier_on(admin, member_id, date(2024, 12, 31)) is None
    assert members.get_chart(admin, member_id).tier is Tier.HH_PLUS


def test_removing_a_tier_entered_in_error(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.set_tier(admin, member_id, Tier.STANDARD, date(2025, 1, 1))
    mistake = enrolment.set_tier(admin, member_id, Tier.HH_PLUS, date(2025, 6, 15))
    enrolment.remove_tier(admin, mistake.id)
    assert [t.tier for t in enrolment.list_tiers(admin, member_id)] == [Tier.STANDARD]
    assert enrolment.tier_on(admin, member_id, date(2025, 6, 15)) is Tier.STANDARD
    assert members.get_chart(admin, member_id).tier is Tier.STANDARD
    (event,) = audit_events(admin, "tier_removed")
    assert event.member_id == member_id and event.entity_id == str(mistake.id) and event.detail == "entered in error"
    with pytest.raises(NotFound, match="no longer on file"):
        enrolment.remove_tier(admin, mistake.id)
    # The date is free again for the right tier.
    enrolment.set_tier(admin, member_id, Tier.HIGH_RISK, date(2025, 6, 15))
    assert enrolment.tier_on(admin, member_id, date(2025, 6, 15)) is Tier.HIGH_RISK


def test_enrolled_member_alerts(admin: AppSession) -> None:
    member_id = new_member(admin)
    enrolment.enrol(admin, member_id, TODAY - timedelta(days=120), override_reason="Transferred from another HH")
    codes = {a.code for a in members.get_chart(admin, member_id).alerts}
    assert {"no_consent", "no_care_plan", "no_tier", "not_eligible"} <= codes


# ---- directory and care team --------------------------------------------------------------------


def test_directory_npi_check_digit_and_search(admin: AppSession, login_as) -> None:
    with pytest.raises(ValidationFailed, match="check digit"):
        directory.create_entry(admin, DirectoryEntryInput(name="Dr Wrong", npi="1234567890"))
    clinic = directory.create_entry(admin, DirectoryEntryInput(
        name="Dr. Amara Okafor", kind="person", organisation="Hudson Family Health", npi="1234-567-893",
        categories=("pcp",), state="ny"))
    assert clinic.entry.npi == VALID_NPI and clinic.entry.state == "NY"
    directory.create_entry(admin, DirectoryEntryInput(name="Capital Pharmacy", categories=("pharmacy",)))
    with pytest.raises(ValidationFailed, match="already has this NPI"):
        directory.create_entry(admin, DirectoryEntryInput(name="Copy", npi=VALID_NPI))
    assert [e.id for e in directory.search_entries(admin, "okafor hudson")] == [clinic.id]
    assert [e.entry.name for e in directory.search_entries(admin, category="pharmacy")] == ["Capital Pharmacy"]
    assert [e.id for e in directory.search_entries(admin, "123456")] == [clinic.id]
    with pytest.raises(PermissionDenied):
        directory.create_entry(login_as(Role.BILLING), DirectoryEntryInput(name="X"))
    assert directory.remove_entry(admin, clinic.id) == "deleted"


def test_care_team_links_role_consent_and_pcp(admin: AppSession) -> None:
    member_id = new_member(admin)
    doctor = directory.create_entry(admin, DirectoryEntryInput(name="Dr. Amara Okafor", kind="person",
                                                               npi=VALID_NPI, categories=("pcp",)))
    therapist = directory.create_entry(admin, DirectoryEntryInput(name="Sam Rivera, LCSW", kind="person"))
    pcp_link = directory.add_to_care_team(admin, member_id, doctor.id, "pcp", consent_to_share=True)
    assert pcp_link.is_pcp and members.get_chart(admin, member_id).pcp_name == "Dr. Amara Okafor"
    link = directory.add_to_care_team(admin, member_id, therapist.id, "Therapist", consent_to_share=False)
    assert link.role == "therapist" and not link.consent_to_share
    directory.update_care_team_link(admin, link.id, consent_to_share=True)
    team = directory.list_care_team(admin, member_id)
    assert [(t.role, t.consent_to_share) for t in team] == [("pcp", True), ("therapist", True)]
    directory.end_care_team_link(admin, pcp_link.id)
    assert members.get_chart(admin, member_id).pcp_name == ""
    assert [t.role for t in directory.list_care_team(admin, member_id)] == ["therapist"]
    assert len(directory.list_care_team(admin, member_id, include_ended=True)) == 2
    assert directory.remove_entry(admin, doctor.id) == "retired"
    events = audit_events(admin, member_id=member_id)
    assert {"care_team_added", "care_team_changed", "care_team_ended"} <= {e.action for e in events}


def test_a_tier_a_name_and_an_age_read_the_same_in_the_window_the_documents_and_billing() -> None:
    from hhdesk.services import billing, member_records
    from hhdesk.services.settings import Settings
    from hhdesk.ui.widgets import text

    profile = billing.profile_from_settings(Settings().with_changes({"billing_region": "upstate"}))
    for tier in Tier:
        words = members.TIER_LABELS[tier]
        assert text.tier_label(tier.value) == words
        if tier in profile.child_minimums:
            assert billing.minimum_words(profile)[tier.value].startswith(words + ": ")
    assert text.display_name is members.display_name and text.age_on is member_records.age_on
    assert members.display_name("Núñez", "", "Pepe") == "Núñez (Pepe)"
