"""Health Home eligibility (docs/domain.md §3): which rule a member meets, or what is missing, in plain words.

The rules, in the order they are tried (the first that matches is ``matched_rule``):

1. ``two_or_more_chronic``: two or more chronic conditions. When the profile says a substance use
   disorder does not qualify alone (NY), at least one of them must be something other than substance use.
2. ``one_chronic_at_risk``: one chronic condition and an 'at risk of' entry for a different chronic
   condition, where the profile allows it (federal rules; NY did not adopt this route). When substance use
   does not qualify alone, the diagnosed condition must not be the substance use disorder.
3. ``smi``: one serious and persistent mental illness, where the profile lets it qualify alone.
4. ``hiv_aids``: HIV/AIDS, where the profile lets it qualify alone (NY).
5. ``single_qualifying_condition``: a condition the profile lists as qualifying alone for the member's age
   band (NY: sickle cell disease for adults and children, complex trauma for children).

Where the profile re-checks appropriateness (NY: children every 12 months), the result says when the
re-check is due; an overdue re-check is shown, and does not by itself make the member ineligible.

On top of a condition rule, the member needs active Medicaid and, where the profile requires it (NY), at
least one appropriateness criterion from the profile's list.

Counting conditions is a product decision: two diagnoses are two conditions when their ICD-10-CM
three-character categories differ (E11.9 and E11.65 are one condition, type 2 diabetes; I10 and I50.9
are two, hypertension and heart failure). A condition without a code is told apart by its description.
A condition counts as chronic only if its category is one the profile recognises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hhdesk.domain.conditions import Condition
from hhdesk.domain.enums import ChronicCategory
from hhdesk.domain.identifiers import fold_text
from hhdesk.domain.program_profile import AgeBand, AppropriatenessCriterion, ProgramProfile


class EligibilityRule(StrEnum):
    TWO_OR_MORE_CHRONIC = "two_or_more_chronic"
    ONE_CHRONIC_AT_RISK = "one_chronic_at_risk"
    SMI = "smi"
    HIV_AIDS = "hiv_aids"
    SINGLE_QUALIFYING_CONDITION = "single_qualifying_condition"


class MissingItem(StrEnum):
    """What would have to be recorded for the member to qualify (the UI can link each to a form)."""

    ACTIVE_MEDICAID = "active_medicaid"
    CHRONIC_CONDITION = "chronic_condition"  # no chronic condition at all
    SECOND_CHRONIC_CONDITION = "second_chronic_condition"
    NON_SUD_CHRONIC_CONDITION = "non_sud_chronic_condition"  # only substance use, which is not enough
    AT_RISK_CONDITION = "at_risk_condition"  # the 'at risk of' route, where the profile allows it
    APPROPRIATENESS = "appropriateness"


@dataclass(frozen=True)
class EligibilityResult:
    """The verdict with its reasons. ``explanation`` is for the care manager, one sentence a line."""

    eligible: bool
    matched_rule: EligibilityRule | None
    explanation: tuple[str, ...]
    missing: tuple[MissingItem, ...]
    matched_rules: tuple[EligibilityRule, ...] = ()
    appropriateness: tuple[AppropriatenessCriterion, ...] = ()
    appropriateness_recheck_due: date | None = None  # when the profile re-checks it for the member's age


CATEGORY_WORDS: dict[ChronicCategory, str] = {
    ChronicCategory.MENTAL_HEALTH: "mental health condition",
    ChronicCategory.SUBSTANCE_USE: "substance use disorder",
    ChronicCategory.ASTHMA: "asthma",
    ChronicCategory.DIABETES: "diabetes",
    ChronicCategory.HEART_DISEASE: "heart disease",
    ChronicCategory.OVERWEIGHT: "overweight (BMI over 25)",
    ChronicCategory.HIV_AIDS: "HIV/AIDS",
    ChronicCategory.SMI: "serious mental illness",
    ChronicCategory.SICKLE_CELL: "sickle cell disease",
    ChronicCategory.COMPLEX_TRAUMA: "complex trauma",
    ChronicCategory.OTHER_CHRONIC: "other chronic condition",
}

_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def evaluate_eligibility(
    conditions: Iterable[Condition],
    profile: ProgramProfile,
    has_active_medicaid: bool = True,
    appropriateness: Sequence[str] = (),
    *,
    age_band: AgeBand | None = None,
    appropriateness_checked_on: date | None = None,
    on: date | None = None,
) -> EligibilityResult:
    """Decide whether a member qualifies under the profile, and say why or what is missing.

    ``appropriateness`` holds criterion codes from the profile's list; codes the profile does not know
    are named in the explanation and not counted. ``age_band`` (the member's on ``on``) decides which
    single qualifying conditions and criteria apply; ``appropriateness_checked_on`` and ``on`` give the
    re-check date where the profile asks for one.
    """
    all_conditions = list(conditions)
    diagnosed = _distinct([c for c in all_conditions if not c.at_risk])
    at_risk = _distinct([c for c in all_conditions if c.at_risk])
    chronic = [c for c in diagnosed if profile.counts_as_chronic(c.category)]
    non_sud = [c for c in chronic if c.category is not ChronicCategory.SUBSTANCE_USE]
    chronic_keys = {_condition_key(c) for c in chronic}
    at_risk_chronic = [
        c for c in at_risk if profile.counts_as_chronic(c.category) and _condition_key(c) not in chronic_keys
    ]
    smi = [c for c in diagnosed if c.category is ChronicCategory.SMI]
    hiv = [c for c in diagnosed if c.category is ChronicCategory.HIV_AIDS]
    sud_needs_company = not profile.sud_alone_qualifies

    matched: list[tuple[EligibilityRule, str]] = []
    if len(chronic) >= 2 and (non_sud or not sud_needs_company):
        matched.append(
            (
                EligibilityRule.TWO_OR_MORE_CHRONIC,
                f"{_count(len(chronic))} chronic conditions — {_list(chronic)}",
            )
        )
    if profile.at_risk_qualifies and at_risk_chronic:
        anchor = non_sud if sud_needs_company else chronic
        if anchor:
            matched.append(
                (
                    EligibilityRule.ONE_CHRONIC_AT_RISK,
                    f"a chronic condition — {_describe(anchor[0])} — and at risk of {_describe(at_risk_chronic[0])}",
                )
            )
    if profile.smi_alone_qualifies and smi:
        matched.append((EligibilityRule.SMI, f"{_describe(smi[0])}, which qualifies on its own"))
    if profile.hiv_aids_alone_qualifies and hiv:
        matched.append((EligibilityRule.HIV_AIDS, f"{_describe(hiv[0])}, which qualifies on its own"))
    single = [c for c in diagnosed if profile.qualifies_alone(c.category, age_band)]
    if single:
        matched.append((EligibilityRule.SINGLE_QUALIFYING_CONDITION,
                        f"{_describe(single[0])}, which qualifies on its own"))

    missing: list[MissingItem] = []
    lines: list[str] = []
    condition_lines: list[str] = []
    if not matched:
        missing_for_conditions, condition_lines = _why_conditions_fall_short(
            profile, chronic, non_sud, at_risk, at_risk_chronic
        )
        missing += missing_for_conditions

    if not has_active_medicaid:
        missing.append(MissingItem.ACTIVE_MEDICAID)
        lines.append("Does not qualify: no active Medicaid. Health Home services need active Medicaid.")

    found = [c for code in dict.fromkeys(appropriateness) if (c := profile.criterion(code)) is not None]
    recognised = list(dict.fromkeys(c for c in found if c.age_band is None or c.age_band is age_band))
    other_age = [c for c in found if c not in recognised]
    unknown = [code for code in dict.fromkeys(appropriateness) if profile.criterion(code) is None]
    if profile.appropriateness_required:
        if recognised:
            lines.append(
                "Appropriate for Health Home care management: " + "; ".join(c.label for c in recognised) + "."
            )
        else:
            missing.append(MissingItem.APPROPRIATENESS)
            examples = "; ".join(c.label.lower() for c in profile.appropriateness_criteria[:3])
            lines.append(
                "Does not qualify yet: no appropriateness criterion is recorded. This program also needs a "
                f"reason the member needs Health Home care management (for example: {examples})."
            )
    if unknown and profile.appropriateness_required:
        lines.append(
            "Not in this program's appropriateness list, so not counted: " + ", ".join(unknown) + "."
        )
    if other_age and profile.appropriateness_required:
        lines.append("Not counted at the member's age: " + "; ".join(c.label for c in other_age) + ".")
    recheck_due = None
    months = (profile.appropriateness_recheck_months or {}).get(age_band) if age_band is not None else None
    if months and profile.appropriateness_required and recognised:
        if on is None:
            raise TypeError("The appropriateness re-check is judged on a day: pass `on`.")
        today = on
        if appropriateness_checked_on is None:
            recheck_due = today
            lines.append(f"Appropriateness: the date of the last assessment is not recorded; at this age it is "
                         f"assessed again every {months} months.")
        else:
            recheck_due = _add_months(appropriateness_checked_on, months)
            if recheck_due <= today:
                lines.append(f"Appropriateness re-check due: last assessed {appropriateness_checked_on:%m/%d/%Y}; "
                             f"at this age it is assessed again every {months} months.")

    eligible = bool(matched) and not missing
    if matched:
        verdict = "Qualifies" if eligible else "Conditions qualify"
        head = [f"{verdict}: {matched[0][1]}."]
        if len(matched) > 1:
            head.append("Also qualifies by: " + "; ".join(text for _, text in matched[1:]) + ".")
        lines = head + lines
    else:
        lines = condition_lines + lines

    return EligibilityResult(
        eligible=eligible,
        matched_rule=matched[0][0] if matched else None,
        explanation=tuple(lines),
        missing=tuple(missing),
        matched_rules=tuple(rule for rule, _ in matched),
        appropriateness=tuple(recognised) if profile.appropriateness_required else (),
        appropriateness_recheck_due=recheck_due,
    )


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _why_conditions_fall_short(
    profile: ProgramProfile,
    chronic: list[Condition],
    non_sud: list[Condition],
    at_risk: list[Condition],
    at_risk_chronic: list[Condition],
) -> tuple[list[MissingItem], list[str]]:
    """The missing items and sentences when no condition rule matched."""
    alone = _single_qualifying_words(profile)
    alternatives = f", or {alone}" if alone else ""
    missing: list[MissingItem] = []
    lines: list[str] = []

    if not chronic:
        missing.append(MissingItem.CHRONIC_CONDITION)
        route = ", or one and the condition they are at risk of" if profile.at_risk_qualifies else ""
        lines.append(
            f"Does not qualify yet: no chronic condition is recorded; needs two chronic conditions{route}{alternatives}."
        )
    elif not profile.sud_alone_qualifies and not non_sud:
        missing.append(MissingItem.NON_SUD_CHRONIC_CONDITION)
        lines.append(
            f"Does not qualify yet: the only chronic condition recorded is substance use — {_list(chronic)}. "
            "In this program substance use counts only together with another chronic condition; needs a "
            f"chronic condition other than substance use{alternatives}."
        )
    else:
        missing.append(MissingItem.SECOND_CHRONIC_CONDITION)
        if profile.at_risk_qualifies:
            missing.append(MissingItem.AT_RISK_CONDITION)
            route = "; or record the condition they are at risk of"
        else:
            route = ""
        lines.append(
            f"Does not qualify yet: one chronic condition — {_list(chronic)}; needs a second chronic "
            f"condition{alternatives}{route}."
        )

    not_counted = [c for c in at_risk if c not in at_risk_chronic]
    if profile.at_risk_qualifies and not_counted:
        lines.append(
            "Not counted as 'at risk of': "
            + _list(not_counted)
            + " (no chronic-condition category, or the member already has it)."
        )
    return missing, lines


def _single_qualifying_words(profile: ProgramProfile) -> str:
    words = []
    if profile.smi_alone_qualifies:
        words.append("a serious mental illness")
    if profile.hiv_aids_alone_qualifies:
        words.append("HIV/AIDS")
    for single in profile.single_qualifying_conditions:
        word = CATEGORY_WORDS.get(single.category, str(single.category))
        if len(single.age_bands) < len(AgeBand):
            ages = ", ".join("children" if band is AgeBand.CHILD else "adults" for band in sorted(single.age_bands))
            word = f"{word} ({ages})"
        words.append(word)
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0]} (which qualifies on its own)"
    if len(words) == 2:
        return f"{' or '.join(words)} (either qualifies on its own)"
    return f"{', '.join(words[:-1])} or {words[-1]} (each qualifies on its own)"


def _condition_key(condition: Condition) -> str:
    if condition.icd10:
        return condition.icd10.strip().upper().replace(".", "")[:3]
    return fold_text(condition.description).strip()


def _distinct(conditions: list[Condition]) -> list[Condition]:
    """One entry per condition (see the module docstring); the first with a category represents it."""
    seen: dict[str, Condition] = {}
    for condition in conditions:
        key = _condition_key(condition)
        # An entry with a category beats one without: the category is what the rules look at.
        if key not in seen or (seen[key].category is None and condition.category is not None):
            seen[key] = condition
    return list(seen.values())


def _describe(condition: Condition) -> str:
    if condition.category is None or condition.category is ChronicCategory.OTHER_CHRONIC:
        words = condition.description.strip() or "unnamed condition"
    else:
        words = CATEGORY_WORDS[condition.category]
    return f"{words} ({condition.icd10})" if condition.icd10 else words


def _list(conditions: list[Condition]) -> str:
    # Two conditions of one category ('heart disease (I10) and heart disease (I50.9)') read better by
    # their own descriptions.
    categories = [c.category for c in conditions]
    parts = []
    for condition in conditions:
        if categories.count(condition.category) > 1 and condition.description.strip():
            text = condition.description.strip()
            parts.append(f"{text} ({condition.icd10})" if condition.icd10 else text)
        else:
            parts.append(_describe(condition))
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _count(number: int) -> str:
    return _NUMBER_WORDS[number] if number < len(_NUMBER_WORDS) else str(number)
