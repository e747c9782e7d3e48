"""The password rule: at least 12 characters, not containing the username, and not easy to guess.

Lockout only slows guessing through the program. Someone who copies the store and its key file can guess
offline as fast as their hardware allows; there, only Argon2id's cost and a password that is hard to guess
protect the store (README, "Security model"). So a password must also pass the zxcvbn strength estimate:
score 3 of 4 ("safely unguessable" against an offline attack on a slow hash), which long phrases of ordinary
words pass and common passwords with digits appended do not.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MIN_STRENGTH = 3
# zxcvbn refuses longer input (its matching is quadratic); the first 72 characters decide anyway.
_ESTIMATE_CHARS = 72


def password_problems(username: str, password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"The password must have at least {MIN_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        problems.append("The password must not contain the username.")
    if password != password.strip():
        problems.append("The password must not start or end with a space.")
    if not problems and not strong_enough(username, password):
        problems.append("That password is too easy to guess: use a phrase of four or more unrelated words.")
    return problems


def strong_enough(username: str, password: str) -> bool:
    estimate = zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=[username, "hhdesk", "health home"])
    return int(estimate["score"]) >= MIN_STRENGTH


def username_problems(username: str) -> list[str]:
    if not username or not all(ch.isalnum() or ch in "._-" for ch in username) or len(username) > 64:
        return ["A username is 1 to 64 letters, digits, dots, dashes or underscores."]
    return []
