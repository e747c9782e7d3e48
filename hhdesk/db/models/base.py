"""Declarative base with a naming convention, so Alembic batch migrations can name every constraint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from hhdesk.clock import SYSTEM_CLOCK, utc_naive

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return utc_naive(SYSTEM_CLOCK.now())


class Versioned:
    """A record that two people may edit at once, from two windows or two workstations.

    ``row_version`` is SQLAlchemy's version counter: every UPDATE says ``WHERE row_version = <the version
    read>`` and raises StaleDataError when another save got there first, so nothing is overwritten
    silently. ``changed_by``/``changed_at`` say who saved it last and when, for the sentence that refuses
    the second save; they are on the row because most roles may not read the audit log on a server.
    """

    # Server defaults only: bulk inserts (imports) leave these out; the ORM numbers versions itself.
    row_version: Mapped[int] = mapped_column(server_default="1")
    changed_by: Mapped[str] = mapped_column(String(64), server_default="")
    changed_at: Mapped[datetime | None]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.row_version}
