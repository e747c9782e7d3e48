"""Whether a contacts file was imported before: the SHA-256 that its import left in the audit log.

In a store file the import reads the audit log itself. On an agency's server only administrators may read
the audit log, so everyone who may import asks a narrow function the set-up role owns (made by the schema's
migration 0005, granted by `hhdesk.db.roles`), which tells when and by whom, and nothing else.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hhdesk.db.models import AuditEvent


def contacts_file_imported(session: Session, digest: str) -> tuple[str, str] | None:
    """(when, by whom) the contacts file with this SHA-256 was last imported; None if never."""
    if session.get_bind().dialect.name == "postgresql":
        found = session.execute(text("SELECT at, username FROM hhdesk_contacts_file_imported(:digest)"),
                                {"digest": digest}).first()
    else:
        found = session.execute(
            select(AuditEvent.at, AuditEvent.username)
            .where(AuditEvent.action == "contacts_import", AuditEvent.detail.contains(f"sha256 {digest}"))
            .order_by(AuditEvent.id.desc()).limit(1)
        ).first()
    return (found[0], found[1]) if found else None
