"""The password rule: at least 12 characters, not containing the username."""

from __future__ import annotations

MIN_LENGTH = 12


def password_problems(username: str, password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"The password must have at least {MIN_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        problems.append("The password must not contain the username.")
    if password != password.strip():
        problems.append("The password must not start or end with a space.")
    return problems


def username_problems(username: str) -> list[str]:
    if not username or not all(ch.isalnum() or ch in "._-" for ch in username) or len(username) > 64:
        return ["A username is 1 to 64 letters, digits, dots, dashes or underscores."]
    return []
