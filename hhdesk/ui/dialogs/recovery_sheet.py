"""The recovery key on paper: shown in lines of whole groups, and printed with the agency's name and date.

Both first-run paths show it once: a store made on this computer, and the agency's host.
"""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrinter


def key_lines(key: str, groups_per_line: int = 5) -> list[str]:
    """The key in lines of whole groups, so that it never wraps inside a group (separators are ignored
    when the key is typed back)."""
    groups = key.split("-")
    return ["-".join(groups[i : i + groups_per_line]) for i in range(0, len(groups), groups_per_line)]


STORE_KEY_OPENS = ("This key opens the agency's hhdesk store if every administrator password is lost. Keep this page "
                   "in a locked place, away from the computer. Anyone holding it together with a copy of the "
                   "store can read every record.")
HOST_KEY_OPENS = ("This key opens the agency's host backups, and the host's database service, if every "
                  "administrator password is lost. Keep this page in a locked place, away from the host. Anyone "
                  "holding it together with a copy of a backup can read every record.")


def recovery_sheet_html(agency_name: str, key: str, on: date, opens: str = STORE_KEY_OPENS) -> str:
    """The printed page: who it belongs to, when it was made, the key, and what to do with it."""
    agency = html.escape(agency_name)
    return f"""
    <h2>hhdesk recovery key</h2>
    <p><b>Agency:</b> {agency}<br><b>Created:</b> {on.strftime("%B %d, %Y")}</p>
    <p style="font-family: 'DejaVu Sans Mono', 'Courier New', monospace; font-size: 16pt;
       border: 1px solid #888; padding: 12px;">{"<br>".join(html.escape(line) for line in key_lines(key))}</p>
    <p>{html.escape(opens)}</p>
    <p>Stored at: ______________________ &nbsp; By: ______________________</p>
    """


def print_recovery_sheet(printer: QPrinter, agency_name: str, key: str, today: date,
                         opens: str = STORE_KEY_OPENS) -> None:
    document = QTextDocument()
    document.setDefaultFont(QFont("DejaVu Sans", 11))
    document.setHtml(recovery_sheet_html(agency_name, key, today, opens))
    document.print_(printer)
