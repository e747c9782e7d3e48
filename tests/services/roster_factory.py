"""Generated roster files for the import tests (synthetic people, never real data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hhdesk.domain.roster_csv import ROSTER_COLUMNS

HEADER = ",".join(ROSTER_COLUMNS)
_LAST = ["Garcia", "Smith", "Nguyen", "Okafor", "Núñez", "O'Brien", "Kowalski", "Haddad", "Johnson", "Lee"]
_FIRST = ["Ana", "John", "Mai", "Chidi", "José", "Siobhan", "Piotr", "Layla", "Maria", "Wei"]
_CODES = ["E11.9", "I10", "F32.9", "J45.909", "F20.9", "B20", "E66.9", "F10.20", "I50.9"]
_TIERS = ["standard", "high_risk", "hh_plus"]


def medicaid_id(number: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"{letters[number // 2600 % 26]}{letters[number // 100 % 26]}{number % 100000:05d}{letters[number % 26]}"


def roster_line(number: int, *, segment: str = "enrolled", consent: bool = True, care_manager: str = "",
                tier: str | None = None, conditions: str | None = None, start: date | None = None,
                last_name: str | None = None) -> str:
    rng = random.Random(number)
    dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    start = start or date(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
    consent_date = start.isoformat() if consent else ""
    tier = tier if tier is not None else (rng.choice(_TIERS) if segment == "enrolled" else "")
    if conditions is None:
        conditions = ";".join(rng.sample(_CODES, 2))
    fields = [
        medicaid_id(number), last_name or rng.choice(_LAST), rng.choice(_FIRST), dob.isoformat(), rng.choice("MFXU"),
        f"518555{number % 10000:04d}", f"{number} Main St", "Albany", "NY", "12207", "English", "PLAN1",
        segment, start.isoformat(), consent_date, tier, conditions, care_manager,
    ]
    return ",".join(f'"{f}"' if "," in f or "'" in f else f for f in fields)


def roster_text(count: int, **kwargs) -> str:
    return HEADER + "\n" + "\n".join(roster_line(n, **kwargs) for n in range(1, count + 1)) + "\n"
