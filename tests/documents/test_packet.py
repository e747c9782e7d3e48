"""The care-plan packet: cover, member summary, care team, care plan, referrals, transitions, signatures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hhdesk.documents import samples
from hhdesk.documents.data import CareTeamLine, MemberSummary, PacketDoc
from hhdesk.documents.packet import CONTENTS, render_packet, render_packets
from tests.documents.pdf_helpers import collapse, page_texts, reader


def _texts(packet: PacketDoc) -> list[str]:
    return page_texts(render_packet(packet, samples.sample_letterhead()))


def test_cover_page_names_the_member_and_lists_the_contents(packet: PacketDoc) -> None:
    cover = _texts(packet)[0]
    assert "Care plan packet" in cover
    assert "José Núñez-Peña" in cover and "Pepe" in cover
    assert "AB12345C" in cover and "03/14/1961" in cover
    assert "Version 3, active" in cover
    assert "11/23/2026 by Zoë Ångström" in cover
    for title in CONTENTS:
        assert title in cover
    assert "Confidential health information" in cover


def test_sections_come_in_order_after_the_cover(packet: PacketDoc) -> None:
    body = " ".join(_texts(packet)[1:])
    positions = [body.index(title) for title in ("Member summary", "Care team", "Needs, goals and interventions",
                                                 "Open referrals", "Recent transitions of care", "Signatures")]
    assert positions == sorted(positions)


def test_member_summary_care_team_referrals_and_transitions_print(packet: PacketDoc) -> None:
    text = " ".join(_texts(packet))
    assert "Fidelis Care (HARP)" in text
    assert "E11.9" in text and "Type 2 diabetes mellitus without complications" in text
    for line in packet.care_team:
        assert line.name in text
        if line.phone:
            assert line.phone in text
        if line.fax:
            assert line.fax in text
    assert "Dr. Søren Kierkegaard-Ruiz" in text
    assert "Hudson Valley Housing Coalition" in text and "Dutchess Outreach Food Pantry" in text
    assert "Vassar Brothers Medical Center" in text and "Yes (within 30 days)" in text
    assert "8 of 10 done" in text


def test_every_goal_prints_in_the_members_words(packet: PacketDoc) -> None:
    text = " ".join(_texts(packet))
    assert packet.care_plan is not None
    for need in packet.care_plan.needs:
        for goal in need.goals:
            assert f"\u201c{collapse(goal.text)}\u201d" in text


def test_signature_page_is_the_last_page_with_lines_to_sign(packet: PacketDoc) -> None:
    texts = _texts(packet)
    last = texts[-1]
    assert last.startswith("Hudson Valley Health Home Partners Care plan packet Signatures") or "Signatures" in last
    for caption in ("Signature", "Date", "Printed name", "Relationship to member (if guardian)",
                    "Shared with the primary care provider", "Signatures on file"):
        assert caption in last
    assert f"Page {len(texts)} of {len(texts)}" in last


def test_empty_packet_says_none_recorded_instead_of_dropping_sections() -> None:
    member = MemberSummary(name="Ana Ñúñez", date_of_birth=samples.sample_member().date_of_birth,
                           medicaid_id="ZZ99999Z")
    texts = _texts(PacketDoc(member=member))
    body = " ".join(texts[1:])
    for title in ("Member summary", "Care team", "Care plan", "Open referrals", "Recent transitions of care"):
        assert title in body
    # conditions, care team, open referrals, recent transitions
    assert body.count("None recorded") >= 4
    assert "No care plan is on file for this member." in body
    assert "Not recorded" in body
    assert "No care plan on file" in texts[0]
    assert all("Ana Ñúñez · DOB 03/14/1961" in text for text in texts)


def test_care_team_text_is_escaped(packet: PacketDoc) -> None:
    odd = CareTeamLine("Dr. <b>Bold</b> & Sons", "PCP <i>", "A&B Clinic")
    text = " ".join(_texts(replace(packet, care_team=(odd,))))
    assert "Dr. <b>Bold</b> & Sons" in text
    assert "PCP <i>" in text and "A&B Clinic" in text


def test_combined_batch_numbers_each_members_pages_and_names_them_in_the_footer(packet: PacketDoc) -> None:
    second = replace(packet, member=replace(packet.member, name="Nguyễn Văn An", medicaid_id="CD67890E"),
                     care_plan=None)
    single_counts = [len(_texts(p)) for p in (packet, second, packet)]
    pdf = render_packets([packet, second, packet], samples.sample_letterhead())
    texts = page_texts(pdf)
    assert len(texts) == sum(single_counts)
    start = 0
    for count, member_name in zip(single_counts, ["José Núñez-Peña", "Nguyễn Văn An", "José Núñez-Peña"],
                                  strict=True):
        pages = texts[start : start + count]
        assert "Care plan packet" in pages[0] and "NPI" in pages[0]  # each packet opens on the letterhead
        for number, text in enumerate(pages, start=1):
            assert f"{member_name} · DOB 03/14/1961" in text
            assert f"Page {number} of {count}" in text
        start += count
    assert reader(pdf).metadata.title == "Care plan packets"


def test_combined_batch_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="no packets"):
        render_packets([], samples.sample_letterhead())
