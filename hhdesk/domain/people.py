"""How a person's name and age read, the same in the window, the documents and the exports."""

from __future__ import annotations

from datetime import date


def display_name(last_name: str, first_name: str, preferred_name: str = "") -> str:
    """'Núñez, José (Pepe)': last name first, as staff file and search them."""
    name = f"{last_name}, {first_name}" if first_name else last_name
    if preferred_name and preferred_name != first_name:
        name += f" ({preferred_name})"
    return name


def age_on(dob: date, on: date) -> int:
    """Whole years of age on a day (a birthday on 29 February comes on 1 March in other years)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
