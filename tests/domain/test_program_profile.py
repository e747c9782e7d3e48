"""Program profiles: the bundled JSON files load, and malformed ones are refused with a clear message."""

from __future__ import annotations

import copy

import pytest

from hhdesk.domain.enums import ChronicCategory, ConsentKind, EndReason
from hhdesk.domain.program_profile import AgeBand, ProfileError, ProgramProfile
from hhdesk.profiles import available_program_profiles, load_program_profile


def test_bundled_profiles_load() -> None:
    assert {"program_ny", "program_federal"} <= set(available_program_profiles())
    for name in available_program_profiles():
        assert load_program_profile(name).key == name


def test_new_york_profile() -> None:
    ny = load_program_profile()
    assert ny.key == "program_ny"
    assert ny.medicaid_id_regex.fullmatch("AB12345C")
    assert ny.hiv_aids_alone_qualifies and ny.smi_alone_qualifies
    assert not ny.sud_alone_qualifies and not ny.at_risk_qualifies
    assert ny.appropriateness_required and ny.criterion("no_provider_for_condition") is not None
    assert ny.consent_form("DOH-5055").kind is ConsentKind.CONSENT
    assert ny.consent_form("DOH-5058").kind is ConsentKind.WITHDRAWAL
    assert ny.consent_form("DOH-5059").kind is ConsentKind.OPT_OUT
    # NY DOH children's consent guidance (updated March 2022): "DOH 5201, DOH 5203, DOH 5204, and DOH 5055"
    children = ny.forms_of_kind(ConsentKind.CONSENT, AgeBand.CHILD, in_use_only=True)
    assert {f.code for f in children} == {"DOH-5201", "DOH-5203", "DOH-5204"}
    assert not ny.consent_form("DOH-5200").in_use  # old records keep it; new ones cannot use it
    assert {f.code for f in ny.forms_of_kind(ConsentKind.CONSENT, AgeBand.ADULT)} == {"DOH-5055"}
    assert ny.care_plan_review_months == 6
    assert EndReason.ENROLLED not in ny.disenrolment_reasons


def test_federal_profile() -> None:
    federal = load_program_profile("program_federal")
    assert federal.at_risk_qualifies and federal.sud_alone_qualifies and federal.smi_alone_qualifies
    assert not federal.hiv_aids_alone_qualifies and not federal.appropriateness_required
    assert ChronicCategory.HIV_AIDS not in federal.chronic_categories


def test_smi_counts_as_a_mental_health_condition() -> None:
    federal = load_program_profile("program_federal")
    profile = ProgramProfile.from_dict({**federal.to_dict(), "chronic_categories": ["mental_health"]})
    assert profile.counts_as_chronic(ChronicCategory.SMI)
    assert not profile.counts_as_chronic(ChronicCategory.ASTHMA)
    assert not profile.counts_as_chronic(None)


def test_round_trip() -> None:
    for name in available_program_profiles():
        profile = load_program_profile(name)
        assert ProgramProfile.from_dict(profile.to_dict()) == profile


def test_loader_refuses_odd_names() -> None:
    with pytest.raises(ProfileError):
        load_program_profile("../secrets")
    with pytest.raises(ProfileError, match="no program profile"):
        load_program_profile("program_nowhere")


def _broken(**changes: object) -> dict:
    data = copy.deepcopy(load_program_profile("program_ny").to_dict())
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": "NY profile"}, "'key'"),
        ({"name": ""}, "'name'"),
        ({"medicaid_id_pattern": "[A-Z"}, "not a valid regular expression"),
        ({"medicaid_id_example": "12345"}, "does not match"),
        ({"chronic_categories": ["asthma", "gout"]}, "'chronic_categories' must be one of"),
        ({"chronic_categories": []}, "at least one category"),
        ({"chronic_categories": ["asthma"]}, "must include 'hiv_aids'"),
        ({"smi_alone_qualifies": "yes"}, "true or false"),
        ({"appropriateness_criteria": []}, "must not be empty"),
        (
            {"appropriateness_criteria": [{"code": "a", "label": "A"}, {"code": "a", "label": "B"}]},
            "same code twice",
        ),
        ({"appropriateness_criteria": ["a"]}, "must be an object"),
        (
            {"consent_forms": [{"code": "X", "kind": "withdrawal", "label": "X", "age_band": "adult"}]},
            "kind 'consent'",
        ),
        (
            {"consent_forms": [{"code": "X", "kind": "consent", "label": "X", "age_band": "elderly"}]},
            "age_band",
        ),
        ({"disenrolment_reasons": ["moved", "enrolled"]}, "not a disenrolment reason"),
        ({"disenrolment_reasons": []}, "at least one reason"),
        ({"care_plan_review_months": 0}, "1 to 24"),
        ({"care_plan_review_months": True}, "1 to 24"),
        ({"surprise": 1}, "Unknown field"),
    ],
)
def test_malformed_profiles_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        ProgramProfile.from_dict(_broken(**changes))


def test_not_an_object() -> None:
    with pytest.raises(ProfileError):
        ProgramProfile.from_dict([])  # type: ignore[arg-type]
