"""SQL that differs between the engines, behind one name each, for the services' queries.

The services write one query for both engines; where SQLite and PostgreSQL need different SQL, the
difference is compiled here (SQLAlchemy's ``@compiles``), so no service names an engine.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class iso_date_text(FunctionElement):  # used like the SQL function it compiles to
    """A date column as its ISO text, 'YYYY-MM-DD', parsed once per distinct day rather than once per row.

    SQLite stores dates as that text already, so the column is selected as it is; PostgreSQL formats it.
    """

    type = String()
    inherit_cache = True


@compiles(iso_date_text)
def _iso_date_text_as_stored(element: iso_date_text, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(iso_date_text, "postgresql")
def _iso_date_text_formatted(element: iso_date_text, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"
