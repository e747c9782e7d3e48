"""The transition-of-care summary for the PCP: episode, checklist, contacts since discharge, goals."""

from __future__ import annotations

from dataclasses import replace

from hhdesk.documents import samples
from hhdesk.documents.data import TransitionSummaryDoc
from hhdesk.documents.transition_summary import render_transition_summary
from tests.documents.pdf_helpers import collapse, page_texts


def _text(summary: TransitionSummaryDoc) -> str:
    pdf = render_transition_summary(summary, samples.sample_member(), samples.sample_letterhead())
    return " ".join(page_texts(pdf))


def test_summary_prints_episode_checklist_contacts_and_goals() -> None:
    summary = samples.sample_transition_summary()
    text = _text(summary)
    for expected in (
        "Transition of care summary",
        "Dr. Nguyễn Thị Minh Khai",
        "Inpatient medical",
        "Vassar Brothers Medical Center",
        "08/10/2026",
        "08/14/2026",
        "Shelter (Poughkeepsie)",
        "08/11/2026 09:30",
        "Phone call from the hospital social worker",
        "Not applicable",
        "Medical stay; psychiatric follow-up not required",
        "María Fernández",
    ):
        assert expected in text, expected
    for line in summary.checklist:
        assert line.item in text
    for goal in summary.care_plan_goals:
        assert collapse(goal.text) in text


def test_contact_notes_are_printed_literally() -> None:
    text = _text(samples.sample_transition_summary())
    assert "<b>metformin</b> & insulin glargine" in text


def test_open_episode_and_empty_lists() -> None:
    summary = replace(samples.sample_transition_summary(), discharged_on=None, checklist=(),
                      contacts_since_discharge=(), care_plan_goals=(), notes="")
    text = _text(summary)
    assert "Still admitted" in text
    assert text.count("None recorded") == 4
