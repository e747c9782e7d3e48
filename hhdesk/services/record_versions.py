"""Two people editing the same record: the second save is refused with who changed it and when.

A form remembers the record's version when it opens it (``seen_version``); saving locks the row (so two
saves at the same moment queue, on a server as in a file) and compares. A save over a copy older than what
is stored raises ChangedByOther naming the person and the time of the save that came in between; the
form keeps what the user typed. The ORM's version counter (`hhdesk.db.models.base.Versioned`) backs this
up for any write that does not come through a form: it refuses an UPDATE of a row changed meanwhile.

Who and when come from the row itself (``changed_by``/``changed_at``, set on every flush below), not from
the audit log: on an agency's server most roles may append to the audit log but not read it.
"""

from __future__ import annotations

from datetime import UTC
from typing import TypeVar

from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hhdesk.db.models import User
from hhdesk.db.models.base import Versioned, utcnow
from hhdesk.errors import ChangedByOther

ACTOR_KEY = "hhdesk_username"
RecordT = TypeVar("RecordT", bound=Versioned)


def act_as(session: Session, username: str) -> None:
    """Name the person whose saves this session makes (the unit of work does this)."""
    session.info[ACTOR_KEY] = username


@event.listens_for(Session, "before_flush")
def _stamp_changes(session: Session, _context: object, _instances: object) -> None:
    username = session.info.get(ACTOR_KEY)
    if username is None:
        return
    now = utcnow()
    for row in (*session.new, *session.dirty):
        if isinstance(row, Versioned) and (row in session.new or session.is_modified(row)):
            row.changed_by = username
            row.changed_at = now


def lock_for_edit(session: Session, model: type[RecordT], row_id: int, seen_version: int | None,
                  what: str, *, from_form: bool = True) -> RecordT | None:
    """The row, locked until the save commits, or None if it is gone; ChangedByOther if it changed since
    the user opened it (``seen_version`` None: the caller read it in this same transaction, no check).
    ``from_form`` False: a one-click action (a button, no typed values), whose refusal says so."""
    row = session.get(model, row_id, with_for_update=True, populate_existing=True)
    if row is not None and seen_version is not None and row.row_version != seen_version:
        raise changed_by_other(session, row, what, from_form=from_form)
    return row


def touch(row: Versioned) -> None:
    """Count a change to a record's child rows (a care plan's tree) as a change to the record itself."""
    flag_modified(row, "changed_by")


def changed_by_other(session: Session, row: Versioned, what: str, *, from_form: bool = True) -> ChangedByOther:
    who = "Someone"
    if row.changed_by:
        full_name = session.execute(select(User.full_name).where(User.username == row.changed_by)).scalar()
        who = f"{full_name} ({row.changed_by})" if full_name and full_name != row.changed_by else row.changed_by
    when = ""
    if row.changed_at is not None:
        local = row.changed_at.replace(tzinfo=UTC).astimezone()
        when = f" on {local:%m/%d/%Y} at {local:%H:%M}"
    if not from_form:
        return ChangedByOther(
            f"{who} changed {what}{when}, after you opened it, so nothing was changed. Their change is shown "
            "now: do it again if it is still needed.")
    return ChangedByOther(
        f"{who} changed {what}{when}, after you opened it, so your changes were not saved; they are still in "
        "the form. Save again to replace theirs with yours, or undo your changes to see theirs.")


def stale_save() -> ChangedByOther:
    """The sentence for a save that lost a race no form check saw (the ORM's version counter caught it)."""
    return ChangedByOther("Someone else saved the same record at the same moment, so nothing was saved. Open it "
                          "again to see their change, then make yours.")


__all__ = ["act_as", "changed_by_other", "lock_for_edit", "stale_save", "touch"]
