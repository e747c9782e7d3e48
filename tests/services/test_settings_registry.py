"""Each setting is declared once (type, default, allowed values) and every writer validates through it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.db.models import Setting
from hhdesk.errors import ValidationFailed
from hhdesk.services import settings

INT_OPTIONS = [opt for opt in settings.OPTIONS.values() if opt.kind is int]
RANGED = [opt for opt in INT_OPTIONS if opt.minimum is not None and opt.maximum is not None]


def test_every_default_is_a_value_its_own_option_accepts() -> None:
    for key, opt in settings.OPTIONS.items():
        assert opt.problems(opt.default) == [], key
        assert getattr(settings.Settings(), key) == opt.stored(opt.default)


def test_the_registry_knows_each_settings_type_from_its_declaration() -> None:
    kinds = {key: opt.kind for key, opt in settings.OPTIONS.items()}
    assert kinds["lock_minutes"] is int and kinds["claim_test_file"] is bool
    assert kinds["paper_size"] is str and kinds["rate_amounts"] is Mapping and kinds["confirmed_rates"] is tuple
    assert set(settings.SETTING_LABELS) == set(settings.OPTIONS)


@given(st.sampled_from(INT_OPTIONS), st.booleans())
def test_a_yes_or_no_is_not_a_whole_number(opt: settings.Option, value: bool) -> None:
    assert opt.problems(value) == [f"{opt.label} must be a whole number, not yes or no."]


@given(st.sampled_from(INT_OPTIONS), st.one_of(st.text(), st.floats(), st.none(), st.lists(st.integers())))
def test_what_is_not_an_int_is_refused_for_a_whole_number(opt: settings.Option, value: Any) -> None:
    assert opt.problems(value) == [f"{opt.label} must be a whole number."]


@given(st.data())
def test_a_whole_number_is_accepted_exactly_inside_its_range(data: st.DataObject) -> None:
    opt = data.draw(st.sampled_from(RANGED))
    assert opt.minimum is not None and opt.maximum is not None
    inside = data.draw(st.integers(opt.minimum, opt.maximum))
    assert opt.problems(inside) == []
    outside = data.draw(st.one_of(st.integers(max_value=opt.minimum - 1), st.integers(min_value=opt.maximum + 1)))
    [problem] = opt.problems(outside)
    assert problem.startswith(f"{opt.label} must be from {opt.minimum:,} to {opt.maximum:,}")


@given(st.sampled_from([opt for opt in settings.OPTIONS.values() if opt.kind is str and not opt.choices
                        and opt.check is None]),
       st.one_of(st.integers(), st.booleans(), st.none(), st.lists(st.text())))
def test_text_settings_take_only_text(opt: settings.Option, value: Any) -> None:
    assert opt.problems(value) == [f"{opt.label} must be text."]


@given(st.text())
def test_a_choice_is_one_of_its_values(value: str) -> None:
    problems = settings.OPTIONS["paper_size"].problems(value)
    assert problems == ([] if value in ("letter", "a4") else ["Paper size must be Letter or A4."])


@given(st.dictionaries(st.text(max_size=3), st.one_of(st.text(max_size=3), st.integers(), st.none())))
def test_agency_amounts_pair_codes_with_text(amounts: dict[str, Any]) -> None:
    fits = all(isinstance(v, str) for v in amounts.values())
    assert (settings.OPTIONS["rate_amounts"].problems(amounts) == []) is fits


def test_with_changes_gives_new_settings_and_names_every_problem() -> None:
    base = settings.Settings()
    changed = base.with_changes({"lock_minutes": 30, "confirmed_rates": ["1873"]})
    assert (changed.lock_minutes, changed.confirmed_rates, base.lock_minutes) == (30, ("1873",), 15)
    with pytest.raises(ValidationFailed) as refused:
        base.with_changes({"lock_minutes": True, "paper_size": "legal", "colour": "red"})
    assert refused.value.problems == ["Lock after minutes of inactivity must be a whole number, not yes or no.",
                                      "Paper size must be Letter or A4.", "There is no setting called 'colour'."]


def test_read_all_returns_frozen_typed_settings(admin) -> None:
    settings.update_settings(admin, {"lock_minutes": 20, "rate_amounts": {"1873": "210.00"}})
    values = settings.get_settings(admin)
    assert isinstance(values, settings.Settings)
    assert values.lock_minutes == 20 and values.rate_amounts == {"1873": "210.00"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        values.lock_minutes = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        values.rate_amounts["1873"] = "1.00"  # type: ignore[index]


def test_a_bool_is_refused_where_a_whole_number_is_stored(admin) -> None:
    with pytest.raises(ValidationFailed, match="must be a whole number, not yes or no"):
        settings.update_settings(admin, {"lock_minutes": True})
    assert settings.get_settings(admin).lock_minutes == 15


def test_a_review_interval_of_zero_is_refused_not_turned_into_six(admin) -> None:
    with pytest.raises(ValidationFailed, match="must be from 1 to 24 months"):
        settings.update_settings(admin, {"care_plan_review_months": 0})
    assert settings.get_settings(admin).care_plan_review_months == 6


def test_a_stored_value_that_does_not_fit_reads_as_the_default(admin, caplog) -> None:
    with admin.work(None) as uow:
        uow.session.add(Setting(key="lock_minutes", value_json=json.dumps(True)))
        uow.session.add(Setting(key="care_plan_review_months", value_json=json.dumps(0)))
        uow.session.add(Setting(key="a_newer_hhdesks_setting", value_json=json.dumps(1)))
    values = settings.get_settings(admin)
    assert (values.lock_minutes, values.care_plan_review_months) == (15, 6)
    assert "lock_minutes" in caplog.text and "care_plan_review_months" in caplog.text
