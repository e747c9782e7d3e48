"""Has anyone changed the agency's records since this window last looked? A cheap number to poll.

Every change the services make writes an audit event in the same transaction, so the id of the newest
event that records a change moves exactly when someone's change commits — in another window on this
computer (two windows on one store file) or on another workstation (an agency's server). A window asks
every few seconds and reads its lists again only when the number moved. Polling was chosen over the
server's LISTEN/NOTIFY: it is one indexed read that works the same on both engines, needs no connection
held open per workstation nor a thread to wait on it, and cannot miss a change when a connection drops.
Reads are audited too (a chart opened, a list exported); they change no list, so they do not count.
"""

from __future__ import annotations

from sqlalchemy import select

from hhdesk.db.models import AuditEvent
from hhdesk.services.context import AppSession

# Audit actions that record a look, a login or a copy, not a change to any record a list shows.
READ_ACTIONS = frozenset({
    "attachment_opened", "attachment_viewed", "backup", "billing_preview", "export_list", "lock", "login",
    "login_failed", "logout", "member_viewed", "print", "quality_report_viewed", "referral_letter_printed",
    "unlock", "verify",
})


def last_change(app: AppSession) -> int:
    """A number that grows whenever anyone's change to the records commits (0 for none yet)."""
    with app.read(None) as session:
        newest = session.execute(
            select(AuditEvent.id).where(AuditEvent.action.not_in(READ_ACTIONS))
            .order_by(AuditEvent.id.desc()).limit(1)
        ).scalar()
    return newest or 0
