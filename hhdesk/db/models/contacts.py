"""Contacts (encounters) with the core services they delivered: the evidence for billing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hhdesk.db.clinical_text import ClinicalText
from hhdesk.db.models.base import Base, Versioned, utcnow


class Contact(Versioned, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_member_date", "member_id", "contact_date"),
        Index("ix_contacts_date", "contact_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    contact_date: Mapped[date]
    mode: Mapped[str] = mapped_column(String(20))
    with_whom: Mapped[str] = mapped_column(String(20), default="member")
    minutes: Mapped[int] = mapped_column(default=0)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Core service codes joined by ';' in the order CM;CC;TC;FS;RS;IT; empty when none.
    core_services: Mapped[str] = mapped_column(String(30), default="")
    note: Mapped[str] = mapped_column(ClinicalText("contacts.note"), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
