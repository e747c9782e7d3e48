"""Printing from the store: the care plan and the packet as PDFs, batches, audit events, permissions."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from hhdesk.db.models import AuditEvent, EnrolmentSegment, Referral, TransitionEpisode
from hhdesk.domain.enums import CarePlanStatus, Role
from hhdesk.errors import PermissionDenied, ValidationFailed
from hhdesk.services import careplans, printing, settings
from tests.documents.pdf_helpers import all_text, font_embedding, reader
from tests.services import careplan_data
from tests.services.careplan_data import GOALS, signed_plan, three_needs

TODAY = date(2026, 3, 9)


@pytest.fixture
def world(admin):
    return careplan_data.seed(admin)


@pytest.fixture
def cm(login_as):
    return login_as(Role.CARE_MANAGER)


def _prints(app) -> list[AuditEvent]:
    with app.store.read_session() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == "print")
                                    .order_by(AuditEvent.id)).scalars())


def _add_referral_and_transition(app, member_id: int) -> None:
    with app.store.write_session() as session:
        session.add(Referral(member_id=member_id, directory_entry_id=2, category="housing",
                             reason="Needs an apartment on the ground floor", sent_on=date(2026, 2, 1),
                             status="sent", status_on=date(2026, 2, 1), follow_up_on=date(2026, 2, 15)))
        session.add(Referral(member_id=member_id, directory_entry_id=2, category="food",
                             reason="Closed long ago", sent_on=date(2025, 2, 1), status="completed",
                             status_on=date(2025, 3, 1)))
        session.add(TransitionEpisode(member_id=member_id, setting="inpatient_medical",
                                      facility_name="Vassar Brothers Medical Center",
                                      admitted_on=date(2026, 1, 10), discharged_on=date(2026, 1, 14),
                                      notified_at=datetime(2026, 1, 10, 9, 30), discharge_destination="Home"))
        session.add(TransitionEpisode(member_id=member_id, setting="emergency_department",
                                      facility_name="An old visit", admitted_on=date(2024, 1, 10),
                                      discharged_on=date(2024, 1, 10), notified_at=datetime(2024, 1, 10, 9, 30)))
        session.add(EnrolmentSegment(member_id=member_id, kind="enrolled", start_date=date(2025, 12, 1)))


def test_the_packet_from_the_store_has_every_goal_and_the_name_with_its_accents(cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    _add_referral_and_transition(cm, world.member_id)
    pdf = printing.packet_pdf(cm, world.member_id, today=TODAY)

    text = all_text(pdf)
    for goal in GOALS[:3]:
        assert goal in text
    assert "José Núñez-Peña" in text
    assert "Dr. Ana Ortiz" in text and "(845) 555-0201" in text  # the care team with its fax
    assert "Needs an apartment on the ground floor" in text and "Closed long ago" not in text
    assert "Vassar Brothers Medical Center" in text and "An old visit" not in text
    assert "Zoë Ångström" in text
    metadata = reader(pdf).metadata
    assert metadata.title == "Care plan packet"
    assert "Núñez" not in str(dict(metadata)) and "José" not in str(dict(metadata))
    assert all(font_embedding(pdf).values())

    event = _prints(cm)[-1]
    assert (event.entity, event.member_id, event.detail) == ("packet", world.member_id,
                                                              "care-plan packet, version 1")


def test_the_care_plan_prints_the_version_asked_for_or_the_active_one(cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    draft = careplans.start_new_version(cm, world.member_id)
    active = printing.care_plan_pdf(cm, world.member_id, today=TODAY)
    active_text = all_text(active)
    assert "Version 1" in active_text and "Active" in active_text and "José Núñez-Peña" in active_text
    metadata = dict(reader(active).metadata)
    assert metadata["/Title"] == "Care plan" and "Núñez" not in str(metadata) and "AB12345C" not in str(metadata)
    draft_text = all_text(printing.care_plan_pdf(cm, world.member_id, version_id=draft.id, today=TODAY))
    assert "Version 2" in draft_text and "Draft" in draft_text
    assert [e.detail for e in _prints(cm)] == ["care plan, version 1", "care plan, version 2"]


def test_a_password_protects_the_saved_copy(cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    pdf = printing.care_plan_pdf(cm, world.member_id, password="tulip-lamp-7", today=TODAY)
    assert reader(pdf).is_encrypted
    assert GOALS[0] in all_text(pdf, "tulip-lamp-7")
    assert _prints(cm)[-1].detail == "care plan, version 1, password-protected"


def test_paper_size_follows_the_agency_setting(admin, cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    letter = reader(printing.care_plan_pdf(cm, world.member_id, today=TODAY)).pages[0].mediabox
    settings.update_settings(admin, {"paper_size": "a4"})
    a4 = reader(printing.care_plan_pdf(cm, world.member_id, today=TODAY)).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_without_a_plan_the_packet_says_so_and_the_care_plan_is_refused(cm, world):
    text = all_text(printing.packet_pdf(cm, world.member_id, today=TODAY))
    assert "No care plan on file" in text
    with pytest.raises(ValidationFailed, match="no care plan yet"):
        printing.care_plan_pdf(cm, world.member_id, today=TODAY)
    assert _prints(cm)[-1].detail == "care-plan packet, no care plan on file"


def test_the_documents_values_come_from_the_store(cm, world):
    draft = careplans.create_first_draft(cm, world.member_id)
    careplans.save_draft(cm, draft.id, three_needs(world))
    parts = printing.packet_parts(cm, world.member_id, today=TODAY)
    assert parts.packet.care_plan is not None and parts.packet.care_plan.status is CarePlanStatus.DRAFT
    assert parts.packet.member.name == "José Núñez-Peña" and parts.packet.member.interpreter_needed
    assert parts.packet.member.care_manager_phone == "(845) 555-0110"
    assert [line.role for line in parts.packet.care_team] == ["Primary care provider (PCP)", "Housing case worker"]
    assert parts.letterhead.agency_name == "Test Health Home"
    assert parts.file_stem == f"packet-member-{world.member_id}-{TODAY.isoformat()}", "no name, no Medicaid ID"
    assert _prints(cm) == []  # reading the values prints nothing


def test_read_only_and_billing_users_may_not_print(login_as, cm, world):
    signed_plan(cm, world, date(2026, 3, 2))
    for role in (Role.READ_ONLY, Role.BILLING):
        with pytest.raises(PermissionDenied):
            printing.packet_pdf(login_as(role), world.member_id)


def test_a_batch_writes_one_file_per_member_and_audits_each(admin, cm, world, tmp_path):
    signed_plan(cm, world, date(2026, 3, 2))
    _add_referral_and_transition(cm, world.member_id)
    seen: list[tuple[int, int, str]] = []
    result = printing.print_packets(cm, care_manager="caremanager", out_dir=tmp_path / "out", today=TODAY,
                                    progress=lambda done, total, text: seen.append((done, total, text)))
    assert (result.printed, result.total, result.cancelled) == (1, 1, False)
    assert [p.name for p in result.files] == [f"packet-member-{world.member_id}-{TODAY.isoformat()}.pdf"]
    assert GOALS[1] in all_text(result.files[0].read_bytes())
    assert seen[-1] == (1, 1, "Packet 1 of 1")
    assert _prints(cm)[-1].detail == "care-plan packet (batch), version 1"
    assert list((tmp_path / "out").iterdir()) == list(result.files)  # no partial files left


def test_a_combined_batch_and_a_cancelled_one(cm, world, tmp_path):
    signed_plan(cm, world, date(2026, 3, 2))
    out = tmp_path / "all.pdf"
    result = printing.print_packets(cm, member_ids=[world.member_id, world.member_id], combined_file=out,
                                    today=TODAY)
    assert result.files == (out,) and result.printed == 1
    assert reader(out.read_bytes()).metadata.title == "Care plan packets"

    stopped = printing.print_packets(cm, member_ids=[world.member_id], combined_file=tmp_path / "never.pdf",
                                     cancelled=lambda: True, today=TODAY)
    assert stopped.cancelled and stopped.files == () and not (tmp_path / "never.pdf").exists()
    with pytest.raises(ValidationFailed, match="either a folder"):
        printing.print_packets(cm, member_ids=[world.member_id], today=TODAY)


def test_the_file_name_pattern_is_an_agency_setting(admin, cm, world, tmp_path):
    from hhdesk.errors import ValidationFailed
    from hhdesk.services import settings

    signed_plan(cm, world, date(2026, 3, 2))
    with pytest.raises(ValidationFailed, match="may use only"):
        settings.update_settings(admin, {"print_file_name": "{document}-{ssn}"})
    settings.update_settings(admin, {"print_file_name": "{last_name}-{first_name}-{medicaid_id}"})
    result = printing.print_packets(cm, member_ids=[world.member_id], out_dir=tmp_path / "out", today=TODAY)
    assert [p.name for p in result.files] == ["nunez-pena-jose-ab12345c.pdf"]
    assert printing.suggested_file_name(cm, world.member_id, "care-plan-v1") == "nunez-pena-jose-ab12345c.pdf"
