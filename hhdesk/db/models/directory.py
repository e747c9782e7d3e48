"""The directory of providers and community agencies, and each member's care team."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hhdesk.db.models.base import Base, Versioned


class DirectoryEntry(Versioned, Base):
    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # person | organisation
    name: Mapped[str] = mapped_column(String(200), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    specialty: Mapped[str] = mapped_column(String(120), default="")
    npi: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    # Service categories joined by ';' (ReferralCategory values and 'pcp', 'hospital', 'pharmacy', ...).
    categories: Mapped[str] = mapped_column(String(400), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class CareTeamMember(Base):
    __tablename__ = "care_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    directory_entry_id: Mapped[int] = mapped_column(ForeignKey("directory_entries.id"))
    role: Mapped[str] = mapped_column(String(60))
    consent_to_share: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
