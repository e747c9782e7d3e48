"""The member header's alerts: what each is made of, and the registry that features add theirs to.

A feature (the member record itself, care plans, contacts, …) calls ``register`` when it is imported, with a
place in the header's order; ``alerts_for`` asks every provider in that order. Features depend on this
module, never on each other, to show something in the header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from hhdesk.db.models import Member
from hhdesk.domain import segments as domain_segments
from hhdesk.domain.enums import MemberStatus
from hhdesk.domain.program_profile import ProgramProfile
from hhdesk.services.context import Actor
from hhdesk.services.settings import Settings


@dataclass(frozen=True)
class Alert:
    """Something the care manager should see at once in the chart header."""

    code: str
    message: str
    severity: str = "warning"  # warning | info


@dataclass(frozen=True)
class AlertContext:
    """What an alert provider may look at. ``session`` is read-only by convention."""

    session: Session
    member: Member
    actor: Actor
    on: date
    status: MemberStatus
    segments: tuple[domain_segments.Segment, ...]
    consents: tuple[domain_segments.ConsentRecord, ...]
    tiers: tuple[domain_segments.TierPeriod, ...]
    profile: ProgramProfile
    settings: Settings


AlertProvider = Callable[[AlertContext], Iterable[Alert]]

_providers: dict[str, tuple[int, AlertProvider]] = {}


def register(key: str, provider: AlertProvider, *, place: int) -> None:
    """Show ``provider``'s alerts in the header at ``place`` (lower first); a key registered again is replaced."""
    _providers[key] = (place, provider)


def providers() -> dict[str, AlertProvider]:
    """The providers by key, in the header's order."""
    return {key: provider for key, (_, provider) in sorted(_providers.items(), key=lambda item: item[1][0])}


def alerts_for(ctx: AlertContext) -> tuple[Alert, ...]:
    return tuple(alert for provider in providers().values() for alert in provider(ctx))
