"""Transitions of care: an admission or discharge episode and its checklist."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hhdesk.db.clinical_text import ClinicalText
from hhdesk.db.models.base import Base, Versioned, utcnow


class TransitionEpisode(Versioned, Base):
    __tablename__ = "transition_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    setting: Mapped[str] = mapped_column(String(30))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("directory_entries.id", ondelete="SET NULL"))
    facility_name: Mapped[str] = mapped_column(String(200), default="")
    admitted_on: Mapped[date]
    discharged_on: Mapped[date | None]
    discharged_at: Mapped[datetime | None]
    discharge_destination: Mapped[str] = mapped_column(String(200), default="")
    notified_at: Mapped[datetime]
    notified_how: Mapped[str] = mapped_column(String(60), default="")
    is_readmission: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[datetime | None]
    care_plan_reviewed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(ClinicalText("transition_episodes.note"), default="")
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[ChecklistItem]] = relationship(
        order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("transition_episodes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(300))
    anchor: Mapped[str] = mapped_column(String(20))  # notification | discharge
    due_hours: Mapped[int | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    not_applicable_reason: Mapped[str] = mapped_column(ClinicalText("checklist_items.not_applicable_reason"),
                                                       default="")
