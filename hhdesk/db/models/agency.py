"""The agency that owns the store, and its settings."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hhdesk.db.models.base import Base


class Agency(Base):
    """One row: who the agency is, for letterheads and claim files."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    npi: Mapped[str] = mapped_column(String(10), default="")
    medicaid_provider_id: Mapped[str] = mapped_column(String(40), default="")
    logo_png: Mapped[bytes | None] = mapped_column(default=None)
    # Set when the agency's host computer is set up (hhdesk.services.host_setup); its join file carries it.
    agency_id: Mapped[str] = mapped_column(String(36), default="", server_default="")


class Setting(Base):
    """A typed setting stored as JSON text; defaults live in services.settings."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
