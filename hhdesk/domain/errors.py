"""The one error type the domain raises when a rule is broken."""

from __future__ import annotations


class DomainError(ValueError):
    """A rule was broken; the message is for the user."""
