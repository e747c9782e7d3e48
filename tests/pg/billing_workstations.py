"""A billing clerk's workstation for the concurrency tests: its own process, its own login, one export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any


def export_month(url: str, username: str, password: str, month: str, out: str, reason: str | None,
                 today: date, start: Any) -> str:
    """Log in, wait for the other workstations (``start``, a barrier), export; 'exported' or the refusal."""
    from hhdesk.errors import UserError
    from hhdesk.services import billing
    from hhdesk.services.agency import ServerAddress, login

    app = login(ServerAddress.parse(url), username, password)
    try:
        start.wait()
        try:
            billing.export(app, month, "837i", Path(out), reason=reason, today=today)
        except billing.AlreadyExported:
            return "already exported"
        except UserError as exc:
            return f"refused: {exc}"
        return "exported"
    finally:
        app.close()
