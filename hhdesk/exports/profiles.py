"""Reading billing profiles from `resources/profiles/` (or a file the agency keeps elsewhere).

The bundled profiles are named by their file stem (`ny_adult`, `ny_children`, `generic_837p`); any other
argument containing a path separator or ending in `.json` is read as a path. Validation happens in
`hhdesk.domain.billing_profile.BillingProfile.from_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hhdesk.domain.billing_profile import PROFILE_KIND, BillingProfile, ProfileError
from hhdesk.resources_path import resource_path

PROFILES_FOLDER = "profiles"


@dataclass(frozen=True)
class ProfileInfo:
    """A bundled billing profile as the settings window lists it."""

    name: str
    title: str
    claim_type: str
    regions: tuple[str, ...]


def _profile_file(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith(".json") or "/" in text or "\\" in text:
        return Path(name_or_path)
    return resource_path(f"{PROFILES_FOLDER}/{text}.json")


def read_profile_data(name_or_path: str | Path) -> dict[str, Any]:
    """The raw JSON object of a profile; ProfileError if it cannot be found or read."""
    path = _profile_file(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(
            f"billing profile '{name_or_path}' was not found; choose one of: {', '.join(available_profiles())}"
        ) from None
    except OSError as error:
        raise ProfileError(f"billing profile '{name_or_path}' could not be read ({error.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProfileError(
            f"billing profile '{name_or_path}' is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(data, dict):
        raise ProfileError(f"billing profile '{name_or_path}' must be a JSON object")
    return data


def load_profile(
    name_or_path: str | Path,
    *,
    region: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> BillingProfile:
    """Load, check and resolve a billing profile for one region with the agency's overrides.

    Overrides (all optional): region, outreach_rate_code, outreach_amount, hcpcs_code (professional-claim
    profiles: the code every tier bills), modifiers, place_of_service, rate_amounts ({rate code: amount}),
    care_plan_grace_days. Raises ProfileError naming what is wrong.
    """
    return BillingProfile.from_dict(read_profile_data(name_or_path), region=region, overrides=overrides)


def available_profiles() -> list[str]:
    """Names of the bundled billing profiles, sorted (other profile kinds in the folder are left out)."""
    return [info.name for info in describe_profiles()]


def describe_profiles() -> list[ProfileInfo]:
    folder = resource_path(PROFILES_FOLDER)
    infos: list[ProfileInfo] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(data, dict) or data.get("kind") != PROFILE_KIND:
            continue
        claim = data.get("claim") if isinstance(data.get("claim"), dict) else {}
        infos.append(
            ProfileInfo(
                name=path.stem,
                title=str(data.get("title", path.stem)),
                claim_type=str(claim.get("type", "")),
                regions=tuple(str(region) for region in data.get("regions", [])),
            )
        )
    return infos
