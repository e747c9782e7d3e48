"""Identifiers: Medicaid IDs by program profile, NPI check digits, and name keys for search."""

from __future__ import annotations

import re
import unicodedata

from hhdesk.domain.errors import DomainError
from hhdesk.domain.program_profile import ProgramProfile

# An NPI is a card-issuer style number: its Luhn check digit is computed as if the number were
# prefixed by 80840 (health applications in the USA), per the CMS NPI check digit standard.
_NPI_ISSUER_PREFIX = "80840"

_SPACES = re.compile(r"\s+")


def normalise_medicaid_id(value: str) -> str:
    """The form a Medicaid ID is stored and compared in: no spaces or dashes, upper case."""
    return re.sub(r"[\s-]+", "", value).upper()


def is_valid_medicaid_id(value: str, profile: ProgramProfile) -> bool:
    """Whether the ID (as typed, before or after normalising) has the profile's format."""
    return profile.medicaid_id_regex.fullmatch(normalise_medicaid_id(value)) is not None


def validate_medicaid_id(value: str, profile: ProgramProfile) -> str:
    """Return the normalised ID, or raise DomainError saying what the format should be."""
    normalised = normalise_medicaid_id(value)
    if not normalised:
        raise DomainError("Medicaid ID is required.")
    if profile.medicaid_id_regex.fullmatch(normalised) is None:
        raise DomainError(
            f"Medicaid ID does not have the expected format (for example {profile.medicaid_id_example})."
        )
    return normalised


def luhn_is_valid(digits: str) -> bool:
    """The Luhn mod-10 check over a string of ASCII digits (the last one is the check digit)."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_npi(npi: str) -> bool:
    """Whether a National Provider Identifier has 10 digits and a correct check digit.

    Spaces and dashes are ignored, as people paste NPIs from letters and web pages.
    """
    digits = re.sub(r"[\s-]", "", npi)
    return (
        len(digits) == 10
        and digits.isascii()
        and digits.isdigit()
        and luhn_is_valid(_NPI_ISSUER_PREFIX + digits)
    )


# Letters that Unicode does not decompose into a base letter and a mark, spelled as people type them.
_LETTER_FOLDS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th", "ħ": "h"}
)
# Apostrophes join (O'Brien -> obrien); other punctuation separates (Smith-Jones -> smith jones).
_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`´ʼ", ""))


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form of any text: 'Núñez' -> 'nunez', 'Straße' -> 'strasse'."""
    # Decompose before and after case folding: compatibility forms ('𝓐') only show their case once
    # decomposed, and case folding can produce letters that decompose further.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_LETTER_FOLDS)


def name_key(name: str) -> str:
    """The key a person's name is searched by: folded, apostrophes dropped, other punctuation as spaces.

    'Núñez' and 'nunez' give the same key, as do "O'Brien" and 'OBrien', and 'Smith-Jones' and
    'smith jones'.
    """
    folded = fold_text(name).translate(_APOSTROPHES)
    spaced = "".join(ch if ch.isalnum() else " " for ch in folded)
    return _SPACES.sub(" ", spaced).strip()
