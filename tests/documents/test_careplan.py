"""The care plan PDF: goals in the member's words, wrapping of long text, escaping, empty sections."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hhdesk.documents import samples
from hhdesk.documents.careplan import render_care_plan
from hhdesk.documents.data import CarePlanDoc, GoalLine, InterventionLine, NeedLine
from hhdesk.domain.enums import CarePlanStatus, GoalStatus, NeedDomain
from tests.documents.pdf_helpers import all_text, collapse, page_texts


def _render(plan: CarePlanDoc) -> bytes:
    return render_care_plan(plan, samples.sample_member(), samples.sample_letterhead())


def test_every_goal_and_intervention_prints() -> None:
    plan = samples.sample_care_plan()
    text = all_text(_render(plan))
    for need in plan.needs:
        for goal in need.goals:
            assert collapse(goal.text) in text
            for intervention in goal.interventions:
                assert collapse(intervention.action) in text
    assert "Housing" in text and "Physical health" in text and "Behavioural health" in text
    assert "Version 3" in text and "Active" in text
    assert "review due 03/02/2027" in text


def test_names_with_accents_and_vietnamese_letters_print() -> None:
    text = all_text(_render(samples.sample_care_plan()))
    assert "José Núñez-Peña" in text
    assert "Nguyễn Thị Minh Khai" in text
    assert "Zoë Ångström" in text


def test_very_long_goal_wraps_and_splits_across_pages() -> None:
    enormous = " ".join([samples.LONG_GOAL] * 6)
    unbroken_word = "https://example.org/" + "x" * 400
    plan = replace(
        samples.sample_care_plan(),
        needs=(NeedLine(NeedDomain.HOUSING, "", (GoalLine(f"{enormous} {unbroken_word}"),)),),
    )
    pdf = _render(plan)
    texts = page_texts(pdf)
    assert len(texts) >= 2
    assert "Dr. Østergaard" in " ".join(texts)
    assert texts[-1].count("Page") == 1


def test_user_text_is_printed_literally_not_as_markup() -> None:
    plan = replace(
        samples.sample_care_plan(),
        strengths="Knows <b>& loves</b> his <i>grandchildren",
        barriers='Tom & Jerry <font size="40">big</font> &amp; <br/> 5 < 6',
    )
    text = all_text(_render(plan))
    assert "Knows <b>& loves</b> his <i>grandchildren" in text
    assert 'Tom & Jerry <font size="40">big</font> &amp; <br/> 5 < 6' in text


def test_empty_sections_say_none_recorded() -> None:
    plan = CarePlanDoc(version=1, status=CarePlanStatus.DRAFT)
    texts = page_texts(_render(plan))
    text = " ".join(texts)
    assert text.count("None recorded") >= 4  # strengths, preferences, barriers, needs
    assert "Not signed" in text
    assert "review due not set" in text


def test_goal_without_interventions_says_so() -> None:
    plan = replace(
        samples.sample_care_plan(),
        needs=(NeedLine(NeedDomain.FOOD, "", (GoalLine("Eat three meals a day", GoalStatus.MET, date(2027, 1, 1)),)),),
    )
    text = all_text(_render(plan))
    assert "Eat three meals a day" in text
    assert "Interventions: None recorded" in text
    assert "Status: Met" in text


def test_many_interventions_repeat_the_table_header_on_the_next_page() -> None:
    interventions = tuple(InterventionLine(f"Step number {n} of the plan", "Zoë Ångström", "Weekly")
                          for n in range(80))
    plan = replace(
        samples.sample_care_plan(),
        needs=(NeedLine(NeedDomain.HOUSING, "", (GoalLine("Keep my apartment", interventions=interventions),)),),
    )
    texts = page_texts(_render(plan))
    pages_with_rows = [text for text in texts if "Step number" in text]
    assert len(pages_with_rows) >= 2
    assert all("Intervention Responsible Frequency Status" in text for text in pages_with_rows)


_user_text = (
    st.lists(st.sampled_from(list("abcXYZ ñéễØ<>&;\"'/=#") + ["<b>", "</i>", "&amp;", "<br/>"]),
             min_size=1, max_size=40)
    .map("".join)
    .filter(lambda text: text.strip())
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strengths=_user_text)
def test_any_user_text_renders_and_reads_back(strengths: str) -> None:
    plan = CarePlanDoc(version=1, status=CarePlanStatus.DRAFT, strengths=strengths)
    assert collapse(strengths) in all_text(_render(plan))
