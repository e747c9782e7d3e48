"""Eligibility rules (docs/domain.md §3) under the federal and New York profiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.domain.conditions import Condition
from hhdesk.domain.eligibility import EligibilityRule, MissingItem, evaluate_eligibility
from hhdesk.domain.enums import ChronicCategory
from hhdesk.domain.program_profile import AgeBand
from hhdesk.profiles import load_program_profile

NY = load_program_profile("program_ny")
FEDERAL = load_program_profile("program_federal")
APPROPRIATE = ["no_visit_past_year"]

DIABETES = Condition("E11.9", "Type 2 diabetes mellitus without complications", ChronicCategory.DIABETES)
DIABETES_OTHER_CODE = Condition(
    "E11.65", "Type 2 diabetes mellitus with hyperglycemia", ChronicCategory.DIABETES
)
ASTHMA = Condition("J45.909", "Unspecified asthma, uncomplicated", ChronicCategory.ASTHMA)
HYPERTENSION = Condition("I10", "Essential (primary) hypertension", ChronicCategory.HEART_DISEASE)
HEART_FAILURE = Condition("I50.9", "Heart failure, unspecified", ChronicCategory.HEART_DISEASE)
OPIOIDS = Condition("F11.20", "Opioid dependence, uncomplicated", ChronicCategory.SUBSTANCE_USE)
ALCOHOL = Condition("F10.20", "Alcohol dependence, uncomplicated", ChronicCategory.SUBSTANCE_USE)
SCHIZOPHRENIA = Condition("F20.9", "Schizophrenia, unspecified", ChronicCategory.SMI)
HIV = Condition("B20", "Human immunodeficiency virus [HIV] disease", ChronicCategory.HIV_AIDS)
SPRAIN = Condition("S93.401A", "Sprain of ankle", None)


def at_risk(condition: Condition) -> Condition:
    return replace(condition, at_risk=True)


# ---- federal rules ---------------------------------------------------------------------------------


def test_federal_two_chronic_conditions_qualify_and_the_explanation_names_them() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], FEDERAL)
    assert result.eligible
    assert result.matched_rule == "two_or_more_chronic"
    assert (
        result.explanation[0] == "Qualifies: two chronic conditions — diabetes (E11.9) and asthma (J45.909)."
    )
    assert result.missing == ()


def test_federal_one_chronic_and_at_risk_of_another_qualifies() -> None:
    result = evaluate_eligibility([DIABETES, at_risk(HYPERTENSION)], FEDERAL)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.ONE_CHRONIC_AT_RISK
    assert "at risk of heart disease (I10)" in result.explanation[0]


def test_federal_at_risk_of_a_condition_already_diagnosed_does_not_count() -> None:
    result = evaluate_eligibility([DIABETES, at_risk(DIABETES_OTHER_CODE)], FEDERAL)
    assert not result.eligible
    assert MissingItem.SECOND_CHRONIC_CONDITION in result.missing


def test_federal_at_risk_entry_without_a_chronic_category_does_not_count() -> None:
    result = evaluate_eligibility([DIABETES, at_risk(SPRAIN)], FEDERAL)
    assert not result.eligible
    assert any("Not counted as 'at risk of'" in line for line in result.explanation)


def test_federal_smi_alone_qualifies() -> None:
    result = evaluate_eligibility([SCHIZOPHRENIA], FEDERAL)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.SMI
    assert result.explanation[0] == "Qualifies: serious mental illness (F20.9), which qualifies on its own."


def test_federal_hiv_is_not_a_chronic_condition() -> None:
    result = evaluate_eligibility([HIV], FEDERAL)
    assert not result.eligible
    assert result.missing == (MissingItem.CHRONIC_CONDITION,)


def test_federal_substance_use_alone_with_at_risk_qualifies() -> None:
    assert evaluate_eligibility([OPIOIDS, at_risk(DIABETES)], FEDERAL).eligible


def test_federal_one_chronic_condition_explains_both_ways_to_qualify() -> None:
    result = evaluate_eligibility([DIABETES], FEDERAL)
    assert not result.eligible
    assert result.matched_rule is None
    assert result.missing == (MissingItem.SECOND_CHRONIC_CONDITION, MissingItem.AT_RISK_CONDITION)
    line = result.explanation[0]
    assert line.startswith(
        "Does not qualify yet: one chronic condition — diabetes (E11.9); needs a second chronic"
    )
    assert "record the condition they are at risk of" in line


def test_federal_does_not_require_appropriateness() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], FEDERAL, appropriateness=[])
    assert result.eligible


def test_no_conditions_at_all() -> None:
    result = evaluate_eligibility([], FEDERAL)
    assert not result.eligible
    assert result.missing == (MissingItem.CHRONIC_CONDITION,)
    assert result.explanation[0].startswith("Does not qualify yet: no chronic condition is recorded")


def test_same_three_character_category_is_one_condition() -> None:
    result = evaluate_eligibility([DIABETES, DIABETES_OTHER_CODE], FEDERAL)
    assert not result.eligible


def test_two_conditions_of_one_category_are_two_conditions_and_named_by_description() -> None:
    result = evaluate_eligibility([HYPERTENSION, HEART_FAILURE], FEDERAL)
    assert result.eligible
    assert (
        "Essential (primary) hypertension (I10) and Heart failure, unspecified (I50.9)"
        in result.explanation[0]
    )


def test_conditions_without_codes_count_by_description() -> None:
    a = Condition(None, "Diabetes", ChronicCategory.DIABETES)
    b = Condition(None, "diabetes ", ChronicCategory.DIABETES)
    c = Condition(None, "Asthma", ChronicCategory.ASTHMA)
    assert not evaluate_eligibility([a, b], FEDERAL).eligible
    result = evaluate_eligibility([a, c], FEDERAL)
    assert result.eligible
    assert "diabetes and asthma" in result.explanation[0]


def test_no_active_medicaid_blocks_even_when_conditions_qualify() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], FEDERAL, has_active_medicaid=False)
    assert not result.eligible
    assert result.matched_rule is EligibilityRule.TWO_OR_MORE_CHRONIC
    assert result.missing == (MissingItem.ACTIVE_MEDICAID,)
    assert result.explanation[0].startswith("Conditions qualify:")
    assert any("no active Medicaid" in line for line in result.explanation)


# ---- New York --------------------------------------------------------------------------------------


def test_ny_two_chronic_conditions_with_appropriateness_qualify() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], NY, appropriateness=APPROPRIATE)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.TWO_OR_MORE_CHRONIC
    # an old code is read as the DOH criterion that covers it ("no visit in the past year": DOH 3, connectivity)
    assert result.appropriateness == (NY.criterion("cannot_navigate_system"),)
    assert result.explanation[1].startswith("Appropriate for Health Home care management: Lack of or inadequate "
                                            "connectivity")


def test_ny_missing_appropriateness_is_not_eligible_and_says_so() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], NY)
    assert not result.eligible
    assert result.matched_rule is EligibilityRule.TWO_OR_MORE_CHRONIC
    assert result.missing == (MissingItem.APPROPRIATENESS,)
    assert result.explanation[0].startswith("Conditions qualify: two chronic conditions")
    assert "no appropriateness criterion is recorded" in result.explanation[1]


def test_ny_unknown_appropriateness_code_does_not_count() -> None:
    result = evaluate_eligibility([DIABETES, ASTHMA], NY, appropriateness=["made_up"])
    assert not result.eligible
    assert result.missing == (MissingItem.APPROPRIATENESS,)
    assert any("made_up" in line for line in result.explanation)


def test_ny_substance_use_alone_does_not_qualify() -> None:
    result = evaluate_eligibility([OPIOIDS], NY, appropriateness=APPROPRIATE)
    assert not result.eligible
    assert result.missing == (MissingItem.NON_SUD_CHRONIC_CONDITION,)
    assert "counts only together with another chronic condition" in result.explanation[0]


def test_ny_two_substance_use_disorders_do_not_qualify() -> None:
    result = evaluate_eligibility([OPIOIDS, ALCOHOL], NY, appropriateness=APPROPRIATE)
    assert not result.eligible
    assert result.missing == (MissingItem.NON_SUD_CHRONIC_CONDITION,)


def test_ny_substance_use_with_another_chronic_condition_qualifies() -> None:
    result = evaluate_eligibility([OPIOIDS, DIABETES], NY, appropriateness=APPROPRIATE)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.TWO_OR_MORE_CHRONIC


def test_ny_hiv_alone_qualifies() -> None:
    result = evaluate_eligibility([HIV], NY, appropriateness=APPROPRIATE)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.HIV_AIDS
    assert result.explanation[0] == "Qualifies: HIV/AIDS (B20), which qualifies on its own."


def test_ny_smi_alone_qualifies() -> None:
    result = evaluate_eligibility([SCHIZOPHRENIA], NY, appropriateness=APPROPRIATE)
    assert result.eligible
    assert result.matched_rule is EligibilityRule.SMI


def test_ny_has_no_at_risk_route() -> None:
    result = evaluate_eligibility([DIABETES, at_risk(HYPERTENSION)], NY, appropriateness=APPROPRIATE)
    assert not result.eligible
    assert result.missing == (MissingItem.SECOND_CHRONIC_CONDITION,)
    assert "at risk" not in result.explanation[0]


def test_several_rules_matched_are_all_reported_first_one_leads() -> None:
    result = evaluate_eligibility([SCHIZOPHRENIA, HIV, DIABETES], NY, appropriateness=APPROPRIATE)
    assert result.matched_rules == (
        EligibilityRule.TWO_OR_MORE_CHRONIC,
        EligibilityRule.SMI,
        EligibilityRule.HIV_AIDS,
    )
    assert result.explanation[1].startswith("Also qualifies by:")


def test_category_not_recognised_by_the_profile_does_not_count() -> None:
    other = Condition(
        "J44.9", "Chronic obstructive pulmonary disease, unspecified", ChronicCategory.OTHER_CHRONIC
    )
    assert evaluate_eligibility([other, DIABETES], NY, appropriateness=APPROPRIATE).eligible
    assert not evaluate_eligibility([other, DIABETES], FEDERAL).eligible


# ---- properties ------------------------------------------------------------------------------------

conditions_strategy = st.lists(
    st.builds(
        Condition,
        icd10=st.one_of(
            st.none(), st.sampled_from(["E11.9", "J45.909", "I10", "F11.20", "F20.9", "B20", "E66.9"])
        ),
        description=st.text(max_size=20),
        category=st.one_of(st.none(), st.sampled_from(list(ChronicCategory))),
        at_risk=st.booleans(),
    ),
    max_size=6,
)


@pytest.mark.parametrize("profile", [NY, FEDERAL], ids=["ny", "federal"])
@given(
    conditions=conditions_strategy,
    medicaid=st.booleans(),
    criteria=st.lists(st.sampled_from(["no_visit_past_year", "x"])),
)
def test_result_is_consistent(profile, conditions, medicaid, criteria) -> None:
    result = evaluate_eligibility(conditions, profile, has_active_medicaid=medicaid, appropriateness=criteria)
    assert result.eligible == (result.matched_rule is not None and not result.missing)
    assert result.explanation, "there is always a reason in words"
    if result.matched_rule is not None:
        assert result.matched_rule == result.matched_rules[0]
    if not medicaid:
        assert not result.eligible
    # Adding a condition never makes a member lose eligibility.
    if result.eligible:
        more = evaluate_eligibility(
            [*conditions, DIABETES], profile, has_active_medicaid=medicaid, appropriateness=criteria
        )
        assert more.eligible


# ---- New York's single qualifying conditions by age, DOH's coded appropriateness list, yearly re-check ------
# NY DOH, Health Home Chronic Conditions (2018): "one single qualifying chronic condition of HIV/AIDS or Serious
# Mental Illness (SMI) (Adults) or Serious Emotional Disturbance (SED) or Complex Trauma (Children)".
# Sickle cell disease for adults and children: the product brief's rule, kept as profile data (see the
# profile's sources) so that an agency can remove it if DOH's current list differs.
SICKLE_CELL = Condition("D57.1", "Sickle-cell disease without crisis", ChronicCategory.SICKLE_CELL)
COMPLEX_TRAUMA = Condition("", "Complex trauma", ChronicCategory.COMPLEX_TRAUMA)
CHILD, ADULT = AgeBand.CHILD, AgeBand.ADULT
SINGLE_CASES = [
    ("sickle cell, adult", [SICKLE_CELL], ADULT, True),
    ("sickle cell, child", [SICKLE_CELL], CHILD, True),
    ("complex trauma, child", [COMPLEX_TRAUMA], CHILD, True),
    ("complex trauma, adult", [COMPLEX_TRAUMA], ADULT, False),
    ("complex trauma, age unknown", [COMPLEX_TRAUMA], None, False),
    ("sickle cell, age unknown", [SICKLE_CELL], None, True),
]


@pytest.mark.parametrize(("conditions", "band", "eligible"), [c[1:] for c in SINGLE_CASES],
                         ids=[c[0] for c in SINGLE_CASES])
def test_ny_single_qualifying_conditions_by_age(conditions: list[Condition], band: AgeBand | None,
                                                 eligible: bool) -> None:
    result = evaluate_eligibility(conditions, NY, appropriateness=["risk_of_adverse_events"], age_band=band,
                                  appropriateness_checked_on=date(2024, 1, 1), on=date(2024, 6, 1))
    assert result.eligible is eligible
    if eligible:
        assert result.matched_rule is EligibilityRule.SINGLE_QUALIFYING_CONDITION
        assert "qualifies on its own" in result.explanation[0]
    else:
        assert "complex trauma (children)" in " ".join(result.explanation)


def test_ny_appropriateness_is_doh_coded_and_children_are_rechecked_yearly() -> None:
    assert [c.doh_code for c in NY.appropriateness_criteria] == ["1", "2", "3", "4", "5", "6", "7"]
    child = NY.criterion("family_in_health_home")
    assert child is not None and child.age_band is AgeBand.CHILD
    adult = evaluate_eligibility([DIABETES, ASTHMA], NY, appropriateness=["family_in_health_home"], age_band=ADULT)
    assert not adult.eligible and any("Not counted at the member's age" in line for line in adult.explanation)
    # children: re-assessed every 12 months (profile appropriateness_recheck_months.child)
    kwargs = {"appropriateness": ["inadequate_support"], "age_band": CHILD, "appropriateness_checked_on": date(2023, 6, 1)}
    before = evaluate_eligibility([COMPLEX_TRAUMA], NY, on=date(2024, 5, 31), **kwargs)
    due = evaluate_eligibility([COMPLEX_TRAUMA], NY, on=date(2024, 6, 1), **kwargs)
    assert before.appropriateness_recheck_due == date(2024, 6, 1) and not any("re-check" in x for x in before.explanation)
    assert due.eligible and any("re-check due" in line for line in due.explanation)
    leap = evaluate_eligibility([COMPLEX_TRAUMA], NY, on=date(2025, 3, 1), **{**kwargs, "appropriateness_checked_on": date(2024, 2, 29)})
    assert leap.appropriateness_recheck_due == date(2025, 2, 28)
    grown_up = evaluate_eligibility([SICKLE_CELL], NY, appropriateness=["inadequate_support"], age_band=ADULT, on=date(2030, 1, 1))
    assert grown_up.appropriateness_recheck_due is None  # adults: no yearly re-check in the profile
