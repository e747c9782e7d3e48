"""Read the bundled program profiles (resources/profiles/program_*.json) into ProgramProfile values.

This is the one place that touches the profile files; the domain gets the parsed value.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from hhdesk.domain.program_profile import ProfileError, ProgramProfile
from hhdesk.resources_path import resource_path

DEFAULT_PROGRAM_PROFILE = "program_ny"

_PROFILE_FOLDER = "profiles"
_PROFILE_PREFIX = "program_"


def available_program_profiles() -> list[str]:
    """The names that ``load_program_profile`` accepts, e.g. ['program_federal', 'program_ny']."""
    folder = resource_path(_PROFILE_FOLDER)
    return sorted(p.stem for p in folder.glob(f"{_PROFILE_PREFIX}*.json"))


@lru_cache(maxsize=8)
def load_program_profile(name: str = DEFAULT_PROGRAM_PROFILE) -> ProgramProfile:
    """Load and check a bundled program profile. Raises ProfileError if it is missing or malformed."""
    # Only bare names: the name may come from a settings file and must not reach outside the folder.
    if not re.fullmatch(r"program_[a-z0-9_]+", name):
        raise ProfileError("A program profile name looks like 'program_ny'.")
    path = resource_path(f"{_PROFILE_FOLDER}/{name}.json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"There is no program profile called '{name}'.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"Program profile '{name}' is not valid JSON (line {exc.lineno}).") from None
    profile = ProgramProfile.from_dict(data)
    if profile.key != name:
        raise ProfileError(f"Program profile file '{name}' declares the key '{profile.key}'.")
    return profile
