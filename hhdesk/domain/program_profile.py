"""The program profile: the rules that differ from state to state, as data (docs/domain.md §3, §4).

A profile says which chronic-condition categories count, which single conditions qualify alone, whether an
appropriateness criterion is required and which ones exist, the consent forms, the disenrolment reasons and
the Medicaid ID format. The rule functions (eligibility, identifiers, segments) take a profile as a plain
value, so a new state is a new JSON file, not new code. Reading the JSON files is done by
``hhdesk.profiles``; this module only turns a parsed dict into a checked, frozen value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason
from hhdesk.domain.errors import DomainError

_E = TypeVar("_E", bound=StrEnum)


class ProfileError(DomainError):
    """A program profile file is malformed; the message names the field and what is expected."""


class AgeBand(StrEnum):
    """Who a consent form is meant for. NY uses separate forms for people under 18."""

    ADULT = "adult"
    CHILD = "child"


@dataclass(frozen=True)
class AppropriatenessCriterion:
    """One reason a member needs Health Home care management (NY's 'appropriateness').

    `doh_code` is the criterion's number in the state's own list (NY DOH), so the chart and reports can
    name it as the state does; `age_band` None means the criterion applies at every age.
    """

    code: str
    label: str
    doh_code: str = ""
    age_band: AgeBand | None = None


@dataclass(frozen=True)
class SingleQualifyingCondition:
    """A condition category that qualifies on its own, for the age bands listed (NY: sickle cell disease for
    adults and children, complex trauma for children)."""

    category: ChronicCategory
    age_bands: frozenset[AgeBand]


@dataclass(frozen=True)
class ConsentForm:
    """A consent, withdrawal or opt-out form the program recognises, e.g. NY DOH-5055."""

    code: str
    kind: ConsentKind
    label: str
    age_band: AgeBand
    in_use: bool = True  # False: a form the state has retired; old records keep it, new ones cannot use it


@dataclass(frozen=True)
class ProgramProfile:
    """The state-specific rules of one Health Home program. Build it with ``from_dict``."""

    key: str
    name: str
    medicaid_id_pattern: str
    medicaid_id_example: str
    chronic_categories: frozenset[ChronicCategory]
    hiv_aids_alone_qualifies: bool
    smi_alone_qualifies: bool
    # False (NY): a substance use disorder counts towards two chronic conditions but is never enough on
    # its own, not even with an 'at risk of' entry.
    sud_alone_qualifies: bool
    # The federal 'one chronic condition and at risk of another' route. NY did not adopt it.
    at_risk_qualifies: bool
    appropriateness_required: bool
    appropriateness_criteria: tuple[AppropriatenessCriterion, ...]
    consent_forms: tuple[ConsentForm, ...]
    disenrolment_reasons: tuple[EndReason, ...]
    care_plan_review_months: int = 6
    sources: tuple[str, ...] = ()
    single_qualifying_conditions: tuple[SingleQualifyingCondition, ...] = ()
    # Retired criterion codes read as the criterion that replaced them (records made before the list changed).
    appropriateness_aliases: Mapping[str, str] | None = None
    # Months after which appropriateness must be assessed again, by age band (NY: children every 12 months).
    appropriateness_recheck_months: Mapping[AgeBand, int] | None = None

    @property
    def medicaid_id_regex(self) -> re.Pattern[str]:
        return re.compile(self.medicaid_id_pattern)

    def counts_as_chronic(self, category: ChronicCategory | None) -> bool:
        """Whether a condition of this category is a chronic condition under this profile.

        A serious mental illness is a mental-health condition, so it counts wherever mental-health
        conditions do, even when the profile does not list SMI separately.
        """
        if category is None:
            return False
        if category is ChronicCategory.SMI and ChronicCategory.MENTAL_HEALTH in self.chronic_categories:
            return True
        return category in self.chronic_categories

    def criterion(self, code: str) -> AppropriatenessCriterion | None:
        code = (self.appropriateness_aliases or {}).get(code, code)
        return next((c for c in self.appropriateness_criteria if c.code == code), None)

    def qualifies_alone(self, category: ChronicCategory | None, band: AgeBand | None) -> bool:
        """Whether a condition of this category qualifies on its own for a member of this age band (an unknown
        age counts only where the condition qualifies at every age)."""
        return any(single.category is category
                   and (band in single.age_bands if band is not None else len(single.age_bands) == len(AgeBand))
                   for single in self.single_qualifying_conditions)

    def consent_form(self, code: str) -> ConsentForm | None:
        return next((f for f in self.consent_forms if f.code == code), None)

    def forms_of_kind(self, kind: ConsentKind, age_band: AgeBand | None = None, *,
                      in_use_only: bool = False) -> tuple[ConsentForm, ...]:
        return tuple(
            f for f in self.consent_forms if f.kind == kind and (age_band is None or f.age_band == age_band)
            and (f.in_use or not in_use_only)
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProgramProfile:
        """Check a parsed profile and build it; raise ProfileError naming the first field that is wrong."""
        if not isinstance(data, Mapping):
            raise ProfileError("A program profile must be a JSON object.")
        unknown = sorted(set(data) - _ALLOWED_KEYS)
        if unknown:
            raise ProfileError(f"Unknown field(s) in program profile: {', '.join(unknown)}.")

        key = _text(data, "key")
        if not re.fullmatch(r"[a-z0-9_]+", key):
            raise ProfileError("Field 'key' must use lower-case letters, digits and underscores only.")
        pattern = _text(data, "medicaid_id_pattern")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ProfileError(
                f"Field 'medicaid_id_pattern' is not a valid regular expression ({exc})."
            ) from None
        example = _text(data, "medicaid_id_example")
        if not compiled.fullmatch(example):
            raise ProfileError("Field 'medicaid_id_example' does not match 'medicaid_id_pattern'.")

        categories = frozenset(_enum_list(data, "chronic_categories", ChronicCategory))
        if not categories:
            raise ProfileError("Field 'chronic_categories' must list at least one category.")
        hiv_alone = _flag(data, "hiv_aids_alone_qualifies")
        if hiv_alone and ChronicCategory.HIV_AIDS not in categories:
            raise ProfileError("HIV/AIDS qualifies alone, so 'chronic_categories' must include 'hiv_aids'.")

        criteria = tuple(
            AppropriatenessCriterion(
                code=_text(item, "code", where), label=_text(item, "label", where),
                doh_code=str(item.get("doh_code", "")).strip(),
                age_band=_enum(item, "age_band", AgeBand, where) if item.get("age_band") else None,
            )
            for where, item in _objects(data, "appropriateness_criteria")
        )
        _require_unique((c.code for c in criteria), "appropriateness_criteria")
        appropriateness_required = _flag(data, "appropriateness_required")
        if appropriateness_required and not criteria:
            raise ProfileError(
                "Appropriateness is required, so 'appropriateness_criteria' must not be empty."
            )
        aliases = data.get("appropriateness_aliases", {})
        if not isinstance(aliases, Mapping) or not all(
            isinstance(old, str) and any(c.code == new for c in criteria) for old, new in aliases.items()
        ):
            raise ProfileError("Field 'appropriateness_aliases' must map old codes to codes in the criteria list.")
        recheck = data.get("appropriateness_recheck_months", {})
        if not isinstance(recheck, Mapping) or not all(
            isinstance(months, int) and not isinstance(months, bool) and 1 <= months <= 60
            for months in recheck.values()
        ):
            raise ProfileError("Field 'appropriateness_recheck_months' must map adult/child to 1-60 months.")
        recheck_bands = {_enum({"age_band": band}, "age_band", AgeBand): months for band, months in recheck.items()}
        singles = tuple(
            SingleQualifyingCondition(
                category=_enum(item, "category", ChronicCategory, where),
                age_bands=frozenset(_enum({"age_bands": band}, "age_bands", AgeBand, where)
                                    for band in (item.get("age_bands") or [])),
            )
            for where, item in _objects(data, "single_qualifying_conditions")
        ) if "single_qualifying_conditions" in data else ()
        for single in singles:
            if not single.age_bands:
                raise ProfileError("Each single qualifying condition must list its age_bands (adult, child).")
            if single.category not in categories:
                raise ProfileError(f"'{single.category}' qualifies alone, so 'chronic_categories' must include it.")

        forms = tuple(
            ConsentForm(
                code=_text(item, "code", where),
                kind=_enum(item, "kind", ConsentKind, where),
                label=_text(item, "label", where),
                age_band=_enum(item, "age_band", AgeBand, where),
                in_use=bool(item.get("in_use", True)),
            )
            for where, item in _objects(data, "consent_forms")
        )
        _require_unique((f.code for f in forms), "consent_forms")
        if not any(f.kind is ConsentKind.CONSENT for f in forms):
            raise ProfileError("Field 'consent_forms' must include at least one form of kind 'consent'.")

        reasons = tuple(_enum_list(data, "disenrolment_reasons", EndReason))
        if not reasons:
            raise ProfileError("Field 'disenrolment_reasons' must list at least one reason.")
        if EndReason.ENROLLED in reasons:
            raise ProfileError("'enrolled' ends an outreach segment; it is not a disenrolment reason.")
        _require_unique(reasons, "disenrolment_reasons")

        months = data.get("care_plan_review_months", 6)
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 24:
            raise ProfileError("Field 'care_plan_review_months' must be a whole number from 1 to 24.")

        sources = data.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise ProfileError("Field 'sources' must be a list of text.")

        return cls(
            key=key,
            name=_text(data, "name"),
            medicaid_id_pattern=pattern,
            medicaid_id_example=example,
            chronic_categories=categories,
            hiv_aids_alone_qualifies=hiv_alone,
            smi_alone_qualifies=_flag(data, "smi_alone_qualifies"),
            sud_alone_qualifies=_flag(data, "sud_alone_qualifies"),
            at_risk_qualifies=_flag(data, "at_risk_qualifies"),
            appropriateness_required=appropriateness_required,
            appropriateness_criteria=criteria,
            consent_forms=forms,
            disenrolment_reasons=reasons,
            care_plan_review_months=months,
            sources=tuple(sources),
            single_qualifying_conditions=singles,
            appropriateness_aliases=dict(aliases),
            appropriateness_recheck_months=recheck_bands,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape ``from_dict`` reads, with lists in a stable order."""
        return {
            "key": self.key,
            "name": self.name,
            "medicaid_id_pattern": self.medicaid_id_pattern,
            "medicaid_id_example": self.medicaid_id_example,
            "chronic_categories": sorted(str(c) for c in self.chronic_categories),
            "hiv_aids_alone_qualifies": self.hiv_aids_alone_qualifies,
            "smi_alone_qualifies": self.smi_alone_qualifies,
            "sud_alone_qualifies": self.sud_alone_qualifies,
            "at_risk_qualifies": self.at_risk_qualifies,
            "appropriateness_required": self.appropriateness_required,
            "appropriateness_criteria": [
                {"code": c.code, "label": c.label, **({"doh_code": c.doh_code} if c.doh_code else {}),
                 **({"age_band": str(c.age_band)} if c.age_band else {})}
                for c in self.appropriateness_criteria
            ],
            "consent_forms": [
                {"code": f.code, "kind": str(f.kind), "label": f.label, "age_band": str(f.age_band),
                 **({} if f.in_use else {"in_use": False})}
                for f in self.consent_forms
            ],
            **({"single_qualifying_conditions": [
                {"category": str(s.category), "age_bands": sorted(str(b) for b in s.age_bands)}
                for s in self.single_qualifying_conditions]} if self.single_qualifying_conditions else {}),
            **({"appropriateness_aliases": dict(self.appropriateness_aliases)}
               if self.appropriateness_aliases else {}),
            **({"appropriateness_recheck_months": {str(b): m for b, m in self.appropriateness_recheck_months.items()}}
               if self.appropriateness_recheck_months else {}),
            "disenrolment_reasons": [str(r) for r in self.disenrolment_reasons],
            "care_plan_review_months": self.care_plan_review_months,
            "sources": list(self.sources),
        }


_ALLOWED_KEYS = frozenset(
    {
        "key",
        "name",
        "medicaid_id_pattern",
        "medicaid_id_example",
        "chronic_categories",
        "hiv_aids_alone_qualifies",
        "smi_alone_qualifies",
        "sud_alone_qualifies",
        "at_risk_qualifies",
        "appropriateness_required",
        "appropriateness_criteria",
        "consent_forms",
        "disenrolment_reasons",
        "care_plan_review_months",
        "sources",
        "single_qualifying_conditions",
        "appropriateness_aliases",
        "appropriateness_recheck_months",
    }
)


def _text(data: Mapping[str, Any], field: str, where: str = "") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"Field '{where}{field}' must be non-empty text.")
    return value.strip()


def _flag(data: Mapping[str, Any], field: str) -> bool:
    value = data.get(field)
    if not isinstance(value, bool):
        raise ProfileError(f"Field '{field}' must be true or false.")
    return value


def _enum(data: Mapping[str, Any], field: str, enum: type[_E], where: str = "") -> _E:
    value = data.get(field)
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(member) for member in enum)
        raise ProfileError(f"Field '{where}{field}' must be one of: {allowed}.") from None


def _enum_list(data: Mapping[str, Any], field: str, enum: type[_E]) -> list[_E]:
    values = data.get(field)
    if not isinstance(values, list):
        raise ProfileError(f"Field '{field}' must be a list.")
    return [_enum({field: value}, field, enum) for value in values]


def _objects(data: Mapping[str, Any], field: str) -> list[tuple[str, Mapping[str, Any]]]:
    items = data.get(field)
    if not isinstance(items, list):
        raise ProfileError(f"Field '{field}' must be a list.")
    result = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ProfileError(f"Item {index + 1} of '{field}' must be an object.")
        result.append((f"{field}[{index + 1}].", item))
    return result


def _require_unique(values: Iterable[object], field: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise ProfileError(f"Field '{field}' lists the same code twice.")
        seen.add(value)
