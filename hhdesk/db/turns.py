"""Work that must not run twice at the same moment, whichever workstation starts it.

In a store file every writing transaction begins with BEGIN IMMEDIATE, so writers already take turns. On an
agency's server they run side by side; a transaction-level advisory lock (released at commit or rollback,
so a crashed workstation cannot leave it held) makes the few kinds of work below take turns there too.
After the lock, each statement under READ COMMITTED sees what the previous holder committed: an export
finds the run that the other workstation just recorded, and the control numbers it just used; an import
finds the members, contacts and file hash that the other workstation's import just stored.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import text
from sqlalchemy.orm import Session


class Turn(IntEnum):
    """The advisory lock keys hhdesk uses (any constants, distinct from the audit log's)."""

    BILLING_FILES = 7_310_586_410_277_416_962  # exports and correction files: runs and control numbers
    IMPORTS = 7_310_586_410_277_416_963  # roster, contacts and outreach-elsewhere files: checked, then stored


def take_turn(session: Session, turn: Turn) -> None:
    """Wait until no other transaction holds ``turn``, then hold it until this one ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(turn)})
