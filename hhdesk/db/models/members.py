"""A member and what belongs to the enrolment record: conditions, consents, segments, tiers, files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hhdesk.db.models.base import Base, Versioned, utcnow


class Member(Versioned, Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    medicaid_id: Mapped[str] = mapped_column(String(20), unique=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    # Case- and accent-folded "last first preferred", so that "nunez" finds Núñez with an index.
    name_key: Mapped[str] = mapped_column(String(300), index=True)
    dob: Mapped[date] = mapped_column(index=True)
    sex: Mapped[str] = mapped_column(String(20), default="")
    gender_identity: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(60), default="English")
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone_alt: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    plan_id: Mapped[str] = mapped_column(String(60), default="")
    pcp_id: Mapped[int | None] = mapped_column(ForeignKey("directory_entries.id", ondelete="SET NULL"))
    care_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # JSON list of the program profile's appropriateness criteria codes that apply (NY).
    appropriateness_json: Mapped[str] = mapped_column(Text, default="[]")
    # When the appropriateness criteria were last assessed (NY re-checks children's every year).
    appropriateness_checked_on: Mapped[date | None]
    # Health Home Plus population (smi | hiv) or empty; an AOT order is recorded in aot_orders.
    hh_plus_population: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    segments: Mapped[list[EnrolmentSegment]] = relationship(
        back_populates="member", order_by="EnrolmentSegment.start_date", cascade="all, delete-orphan"
    )


class Condition(Base):
    __tablename__ = "conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    icd10: Mapped[str] = mapped_column(String(10), default="")
    description: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(30))
    at_risk: Mapped[bool] = mapped_column(default=False)
    noted_on: Mapped[date | None]
    resolved_on: Mapped[date | None]


class Attachment(Base):
    """A scanned form or signed page, kept inside the encrypted store."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # consent | withdrawal | opt_out
    form_type: Mapped[str] = mapped_column(String(40), default="")
    signed_on: Mapped[date]
    signed_by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentSegment(Base):
    """A dated outreach or enrolled period. Segments of one member never overlap (services check)."""

    __tablename__ = "enrolment_segments"
    __table_args__ = (Index("ix_segments_member_start", "member_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # outreach | enrolled
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="segments")


class TierPeriod(Base):
    """The acuity tier from effective_date until the next row's effective_date."""

    __tablename__ = "tier_history"
    __table_args__ = (Index("ix_tiers_member_effective", "member_id", "effective_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    tier: Mapped[str] = mapped_column(String(20))
    effective_date: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")


class AotOrder(Base):
    """An Assisted Outpatient Treatment court order: its first and last day (open while end_date is null)."""

    __tablename__ = "aot_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutreachElsewhere(Base):
    """A month in which another Health Home or care management agency billed outreach for this member."""

    __tablename__ = "outreach_elsewhere"
    __table_args__ = (UniqueConstraint("member_id", "service_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    service_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    agency: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20), default="chart")  # chart | import
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
