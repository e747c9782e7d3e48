"""An importing workstation for the concurrency tests: its own process, its own login, one import of one file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def import_file(url: str, username: str, password: str, kind: str, path: str, skip_duplicates: bool,
                today: date, start: Any) -> dict[str, Any]:
    """Log in, wait for the other workstations (``start``, a barrier), import; what the report says."""
    from hhdesk.services import billing_facts, contacts_import, roster_import
    from hhdesk.services.agency import ServerAddress, login

    app = login(ServerAddress.parse(url), username, password)
    try:
        start.wait()
        if kind == "contacts":
            contacts = contacts_import.import_contacts(app, Path(path), skip_duplicates=skip_duplicates, today=today)
            return {"imported": contacts.imported, "skipped": contacts.skipped,
                    "errors": [problem.message for problem in contacts.errors], "summary": contacts.summary()}
        if kind == "roster":
            roster = roster_import.import_roster(app, Path(path), today=today)
            return {"created": roster.members_created, "updated": roster.members_updated,
                    "unchanged": roster.members_unchanged, "errors": [message for _, message in roster.errors]}
        outreach = billing_facts.import_outreach_elsewhere(app, Path(path), today=today)
        return {"imported": outreach.imported, "already": outreach.already_on_file,
                "errors": [problem.message for problem in outreach.errors]}
    finally:
        app.close()
