"""A small connection file that an administrator hands to each workstation instead of a long URL.

``riverside.hhserver`` (an INI file)::

    [agency server]
    url = postgresql://office-pc:5432/riverside?sslmode=verify-full&sslrootcert=riverside-ca.crt

A relative ``sslrootcert`` is the certificate file beside the connection file, so the administrator copies
one folder (the two files) to each workstation. No user name or password goes in it: each person types
their own at the login.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hhdesk.errors import UserError

SUFFIX = ".hhserver"
SECTION = "agency server"


def is_connection_file(text: str | Path | None) -> bool:
    return text is not None and str(text).lower().endswith(SUFFIX)


def read_connection_file(path: Path) -> str:
    """The server's URL from a connection file, with its certificate's path made absolute; UserError if not."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except FileNotFoundError:
        raise UserError(f"There is no connection file at {path}: ask your administrator for it.") from None
    except (OSError, UnicodeDecodeError, configparser.Error):
        raise UserError(f"{path.name} is not an hhdesk connection file (it needs an [{SECTION}] section with "
                        "url = postgresql://…): ask your administrator for a new one.") from None
    url = parser.get(SECTION, "url", fallback="").strip()
    if not url:
        raise UserError(f"{path.name} names no server (url = postgresql://… under [{SECTION}]): ask your "
                        "administrator for a new one.")
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    fixed = [(name, str((path.parent / value).resolve()) if name == "sslrootcert" and value != "system"
              and not Path(value).expanduser().is_absolute() else value) for name, value in query]
    return urlunsplit(parts._replace(query=urlencode(fixed)))


def write_connection_file(path: Path, url: str) -> None:
    """Write a connection file for ``url`` (as the administrator hands it out)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser[SECTION] = {"url": url}
    with open(path, "w", encoding="utf-8") as handle:
        parser.write(handle)
