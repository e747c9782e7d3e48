"""The names of files hhdesk prints into (PDF packets and care plans), from an agency's pattern.

A file name is seen by anyone who sees the folder, a mail attachment or a print queue, so the default
pattern carries no member name and no Medicaid ID: only the document, hhdesk's own member number and
the date. An agency that wants names in file names (a locked-down folder, say) may say so in the pattern.

Placeholders: ``{document}`` (e.g. ``packet``), ``{member_number}`` (hhdesk's internal number of the
member, meaningless outside the store), ``{date}`` (YYYY-MM-DD), ``{medicaid_id}``, ``{last_name}``,
``{first_name}``. Every value is folded to ASCII letters, digits and hyphens, so a name is safe on every
file system and cannot leave the chosen folder.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date

DEFAULT_PATTERN = "{document}-member-{member_number}-{date}"
PLACEHOLDERS = ("document", "member_number", "date", "medicaid_id", "last_name", "first_name")
MAX_STEM_LENGTH = 120


@dataclass(frozen=True)
class FileNameFacts:
    document: str
    member_number: int
    day: date
    medicaid_id: str = ""
    last_name: str = ""
    first_name: str = ""


def pattern_problems(pattern: str) -> list[str]:
    """What is wrong with a pattern, in the words of the settings screen; empty when it can be used."""
    if not pattern.strip():
        return ["The file name pattern is empty: use at least {document} and {member_number}."]
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in string.Formatter().parse(pattern)
                  if name is not None]
    except ValueError:
        return ["The file name pattern has a { without its } (or the other way round)."]
    names = [name for name, _spec, _conversion in fields]
    if any(spec or conversion for _name, spec, conversion in fields):
        return ["Write each placeholder of the file name pattern plainly, e.g. {date}, with nothing after its name."]
    unknown = sorted({name for name in names if name not in PLACEHOLDERS})
    if unknown:
        return [f"The file name pattern may use only {', '.join('{' + p + '}' for p in PLACEHOLDERS)}."]
    if "member_number" not in names and "medicaid_id" not in names:
        return ["The file name pattern needs {member_number} (or {medicaid_id}), so that each member's file "
                "has its own name."]
    return []


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def file_stem(pattern: str, facts: FileNameFacts) -> str:
    """The file name without its extension. A pattern with problems falls back to the default one."""
    if pattern_problems(pattern):
        pattern = DEFAULT_PATTERN
    values = {
        "document": _slug(facts.document),
        "member_number": str(facts.member_number),
        "date": facts.day.isoformat(),
        "medicaid_id": _slug(facts.medicaid_id),
        "last_name": _slug(facts.last_name),
        "first_name": _slug(facts.first_name),
    }
    stem = _slug(pattern.format(**values))[:MAX_STEM_LENGTH].strip("-")
    return stem or f"member-{facts.member_number}"
