"""Agency details, and the agency's settings: each declared once with its type, default and allowed values.

A setting is a field of `Settings` made with `option(...)`; `OPTIONS` is the registry built from those
fields, through which every writer (the settings windows, the command line, the services) validates. A value
stored as JSON in the settings table that does not fit its option (an older or hand-edited store) reads as
the default, and the log says which key (never the value).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hhdesk.db.models import Agency, Setting
from hhdesk.documents.data import PaperName
from hhdesk.domain.billing_profile import DEFAULT_CARE_PLAN_GRACE_DAYS
from hhdesk.domain.file_names import DEFAULT_PATTERN as DEFAULT_FILE_NAME_PATTERN
from hhdesk.domain.file_names import pattern_problems as file_name_pattern_problems
from hhdesk.domain.permissions import Permission
from hhdesk.domain.referral_rules import DEFAULT_FOLLOW_UP_DAYS, MAX_FOLLOW_UP_DAYS
from hhdesk.errors import ValidationFailed
from hhdesk.exports.x12 import MAX_CONTROL_NUMBER
from hhdesk.profiles import DEFAULT_PROGRAM_PROFILE
from hhdesk.services.context import AppSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Option:
    """What one setting may hold. `kind` is the Python type of its value, from the field's annotation."""

    key: str
    label: str
    default: Any
    kind: type = object
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""  # of a whole number, for the sentence that names the range ("minutes")
    choices: tuple[tuple[str, str], ...] = ()  # (value, what the user reads) of a text with fixed values
    check: Callable[[str], list[str]] | None = None  # further problems of a text, in the user's words
    # "billing": checked with the others of the billing settings window (they make one billing profile);
    # "kept": hhdesk's own record, which no one sets
    group: str = ""

    def problems(self, value: Any) -> list[str]:
        """What is wrong with `value` for this setting, one sentence each (empty: it may be stored)."""
        if self.kind is int:
            if isinstance(value, bool):
                return [f"{self.label} must be a whole number, not yes or no."]
            if not isinstance(value, int):
                return [f"{self.label} must be a whole number."]
            return self._range_problems(value)
        if self.kind is bool:
            return [] if isinstance(value, bool) else [f"{self.label} must be yes or no."]
        if self.kind is str:
            if not isinstance(value, str):
                return [f"{self.label} must be text."]
            if self.choices and value not in {choice for choice, _words in self.choices}:
                words = [words for _choice, words in self.choices]
                return [f"{self.label} must be {', '.join(words[:-1])} or {words[-1]}."]
            return self.check(value) if self.check else []
        if self.kind is tuple:
            if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
                return [f"{self.label} must be a list of codes."]
            return []
        if self.kind is Mapping:
            if not isinstance(value, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                return [f"{self.label} must pair each rate code with an amount."]
            return []
        return []

    def _range_problems(self, value: int) -> list[str]:
        unit = f" {self.unit}" if self.unit else ""
        if self.minimum is not None and self.maximum is not None:
            if not self.minimum <= value <= self.maximum:
                return [f"{self.label} must be from {self.minimum:,} to {self.maximum:,}{unit}."]
        elif self.minimum is not None and value < self.minimum:
            return [f"{self.label} must be {self.minimum:,}{unit} or more."]
        return []

    def stored(self, value: Any) -> Any:
        """The value as `Settings` holds it (immutable): a list becomes a tuple, a dict a read-only mapping."""
        if self.kind is tuple:
            return tuple(value)
        if self.kind is Mapping:
            return MappingProxyType(dict(value))
        return value

    def json_value(self, value: Any) -> Any:
        if self.kind is tuple:
            return list(value)
        if self.kind is Mapping:
            return dict(value)
        return value


def option(default: Any, label: str, **limits: Any) -> Any:
    """A field of `Settings`: its default, its label in the settings windows, and its limits (see Option)."""
    if isinstance(default, dict):
        return field(default_factory=lambda: MappingProxyType(dict(default)),
                     metadata={"option": dict(label=label, default=default, **limits)})
    return field(default=default, metadata={"option": dict(label=label, default=default, **limits)})


def billing_option(default: Any, label: str, **limits: Any) -> Any:
    return option(default, label, group="billing", **limits)


@dataclass(frozen=True)
class Settings:
    """The agency's settings as the store holds them (defaults for what it does not)."""

    lock_minutes: int = option(15, "Lock after minutes of inactivity", minimum=1, maximum=240, unit="minutes")
    paper_size: PaperName = option("letter", "Paper size", choices=(("letter", "Letter"), ("a4", "A4")))
    # The names of printed files (hhdesk.domain.file_names): no member name or Medicaid ID by default.
    print_file_name: str = option(DEFAULT_FILE_NAME_PATTERN, "Names of printed files",
                                  check=file_name_pattern_problems)
    program_profile: str = option(DEFAULT_PROGRAM_PROFILE, "Program profile")
    billing_profile: str = billing_option("ny_adult", "Billing profile")
    billing_region: str = billing_option("upstate", "Rate region")  # one of the billing profile's regions
    outreach_rate_code: str = billing_option("", "Outreach rate code")
    hcpcs_code: str = billing_option("S0280", "HCPCS code")
    hcpcs_modifiers: str = billing_option("", "HCPCS modifiers")
    referral_follow_up_days: int = option(DEFAULT_FOLLOW_UP_DAYS, "Days before a referral's follow-up",
                                          minimum=1, maximum=MAX_FOLLOW_UP_DAYS, unit="days")
    care_plan_review_months: int = option(6, "Months between care plan reviews", minimum=1, maximum=24,
                                          unit="months")
    care_plan_grace_days: int = billing_option(DEFAULT_CARE_PLAN_GRACE_DAYS,
                                       "Days after enrolment before a signed care plan is needed",
                                       minimum=0, maximum=365, unit="days")
    # What the claim files need (docs/domain.md §10); empty until the agency fills them in.
    billing_provider_name: str = billing_option("", "Billing provider name")
    billing_provider_npi: str = billing_option("", "Billing provider NPI")
    billing_provider_taxonomy: str = billing_option("", "Billing provider taxonomy code")
    billing_provider_tax_id: str = billing_option("", "Billing provider tax ID (EIN)")
    billing_provider_address: str = billing_option("", "Billing provider street address")
    billing_provider_city: str = billing_option("", "Billing provider city")
    billing_provider_state: str = billing_option("", "Billing provider state")
    billing_provider_zip: str = billing_option("", "Billing provider ZIP code")
    submitter_id: str = billing_option("", "Submitter ID")
    submitter_name: str = billing_option("", "Submitter name")
    submitter_contact_phone: str = billing_option("", "Billing contact phone")
    receiver_id: str = billing_option("", "Receiver ID")
    receiver_name: str = billing_option("", "Receiver name")
    payer_id: str = billing_option("", "Payer ID")
    payer_name: str = billing_option("", "Payer name")
    # 837I attending provider (2310A): the practitioner responsible for the member's care; NPI when they have one
    attending_last_name: str = billing_option("", "Attending provider last name")
    attending_first_name: str = billing_option("", "Attending provider first name")
    attending_npi: str = billing_option("", "Attending provider NPI")
    # Agency amounts ({rate code: "202.00"}) replacing the profile's, and the outreach code's amount.
    rate_amounts: Mapping[str, str] = billing_option({}, "Monthly amounts by rate code")
    outreach_amount: str = billing_option("", "Outreach monthly amount")
    # Rate codes whose profile amounts the agency confirmed against the rate table and its contracts.
    confirmed_rates: tuple[str, ...] = billing_option((), "Amounts the agency confirmed")
    # NY Health Home Plus under an AOT order: the code (the 2024 table says "to be assigned") and amount.
    aot_rate_code: str = billing_option("", "Health Home Plus AOT rate code")
    aot_amount: str = billing_option("", "Health Home Plus AOT monthly amount")
    claim_test_file: bool = billing_option(False, "Mark claim files as test files")  # ISA15 = T
    # The last control numbers used (0: none yet); each claim export takes the next and stores it.
    interchange_control_number: int = billing_option(0, "Last interchange control number", minimum=0,
                                             maximum=MAX_CONTROL_NUMBER)
    group_control_number: int = billing_option(0, "Last group control number", minimum=0,
                                               maximum=MAX_CONTROL_NUMBER)
    last_auto_backup: str = option("", "Last automatic backup", group="kept")

    def with_changes(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with `changes` applied; ValidationFailed (every problem) if one does not fit."""
        problems = change_problems(changes)
        if problems:
            raise ValidationFailed(problems[0], problems)
        return dataclasses.replace(self, **{key: OPTIONS[key].stored(value) for key, value in changes.items()})

    def as_dict(self) -> dict[str, Any]:
        """Every setting by key, as JSON holds it."""
        return {key: opt.json_value(getattr(self, key)) for key, opt in OPTIONS.items()}


def _registry() -> dict[str, Option]:
    hints = typing.get_type_hints(Settings)
    registry = {}
    for f in fields(Settings):
        declared = hints[f.name]
        kind = typing.get_origin(declared) or declared
        if kind is typing.Literal:  # a text with fixed values: the choices name each value of the type
            assert {value for value, _words in f.metadata["option"]["choices"]} == set(typing.get_args(declared))
            kind = str
        registry[f.name] = Option(key=f.name, kind=kind, **f.metadata["option"])
    return registry


OPTIONS: Mapping[str, Option] = MappingProxyType(_registry())
SETTING_LABELS: Mapping[str, str] = MappingProxyType({key: opt.label for key, opt in OPTIONS.items()})


def change_problems(changes: Mapping[str, Any]) -> list[str]:
    """Every problem with a set of changes, one sentence each, in the order given."""
    problems: list[str] = []
    for key, value in changes.items():
        opt = OPTIONS.get(key)
        if opt is None:
            problems.append(f"There is no setting called {key!r}.")
        else:
            problems += opt.problems(value)
    return problems


@dataclass(frozen=True)
class AgencyInfo:
    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    fax: str = ""
    npi: str = ""
    medicaid_provider_id: str = ""


def read_all(session: Session) -> Settings:
    values: dict[str, Any] = {}
    for row in session.execute(select(Setting)).scalars():
        opt = OPTIONS.get(row.key)
        if opt is None:  # a setting of another hhdesk version
            continue
        try:
            value = json.loads(row.value_json)
        except ValueError:
            value = None
        if opt.problems(value):
            log.warning("The stored setting %s does not fit its type; its default is used.", row.key)
            continue
        values[row.key] = opt.stored(value)
    return Settings(**values)


def put(session: Session, key: str, value: Any) -> None:
    """Store one setting inside the caller's transaction (ValidationFailed if it does not fit)."""
    problems = change_problems({key: value})
    if problems:
        raise ValidationFailed(problems[0], problems)
    text = json.dumps(OPTIONS[key].json_value(value))
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value_json=text))
    else:
        row.value_json = text


def get_settings(app: AppSession) -> Settings:
    with app.read(None) as session:
        return read_all(session)


def update_settings(app: AppSession, changes: Mapping[str, Any]) -> None:
    problems = change_problems(changes)
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        for key, value in changes.items():
            put(uow.session, key, value)
        uow.audit("settings_changed", "settings", detail=", ".join(sorted(changes)))


def get_agency(app: AppSession) -> AgencyInfo:
    with app.read(None) as session:
        return agency_info(session)


def agency_info(session: Session) -> AgencyInfo:
    """The agency's details inside the caller's transaction."""
    agency = session.execute(select(Agency)).scalars().first()
    if agency is None:
        return AgencyInfo(name="")
    return AgencyInfo(**{f.name: getattr(agency, f.name) for f in fields(AgencyInfo)})


def update_agency(app: AppSession, info: AgencyInfo) -> None:
    if not info.name.strip():
        raise ValidationFailed("The agency needs a name.")
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        agency = uow.session.execute(select(Agency)).scalars().first()
        if agency is None:
            agency = Agency(name=info.name)
            uow.session.add(agency)
        for f in fields(AgencyInfo):
            setattr(agency, f.name, getattr(info, f.name).strip())
        uow.audit("agency_changed", "agency")
