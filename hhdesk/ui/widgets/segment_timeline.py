"""A member's enrolment history as a bar over time: outreach amber, enrolled green, gaps left empty.

Consent forms are marked on the bar (a green tick mark for a consent, red for a withdrawal or opt-out), and
today is a dashed line, so the care manager sees at a glance whether the member is enrolled without consent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from hhdesk.ui.widgets.text import format_date

OUTREACH_COLOUR = QColor("#e9a23b")
ENROLLED_COLOUR = QColor("#2e8b57")
CONSENT_COLOUR = QColor("#1e6b3a")
WITHDRAWAL_COLOUR = QColor("#b3261e")
AXIS_COLOUR = QColor("#8a98a2")
TEXT_COLOUR = QColor("#26343d")


@dataclass(frozen=True)
class TimelineSegment:
    kind: str  # outreach | enrolled
    start: date
    end: date | None  # inclusive; None while open


@dataclass(frozen=True)
class TimelineMark:
    day: date
    withdraws: bool  # a withdrawal or opt-out rather than a consent


class SegmentTimeline(QWidget):
    """Paints segments and consent marks between the first date and today (or the last end)."""

    BAR_TOP = 30
    BAR_HEIGHT = 22

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.segments: list[TimelineSegment] = []
        self.marks: list[TimelineMark] = []
        self.today = today
        self.setMinimumHeight(92)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Enrolment timeline")

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(520, 92)

    def set_history(self, segments: Sequence[TimelineSegment], marks: Sequence[TimelineMark],
                    today: date) -> None:
        self.segments = list(segments)
        self.marks = list(marks)
        self.today = today
        self.setToolTip(self._describe())
        self.update()

    def clear(self) -> None:
        self.set_history([], [], self.today)

    def span(self) -> tuple[date, date]:
        days = [s.start for s in self.segments] + [m.day for m in self.marks]
        ends = [s.end for s in self.segments if s.end] + [self.today]
        first = min(days) if days else self.today - timedelta(days=180)
        last = max(ends)
        # A little room either side, and at least three months, so a new segment is not a sliver.
        if (last - first).days < 90:
            first = last - timedelta(days=90)
        margin = timedelta(days=max(7, (last - first).days // 25))
        return first - margin, last + margin

    def x_of(self, day: date, rect: QRectF) -> float:
        first, last = self.span()
        total = max((last - first).days, 1)
        return rect.left() + rect.width() * (day - first).days / total

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(12, self.BAR_TOP, max(self.width() - 24, 10), self.BAR_HEIGHT)
        small = QFont(self.font())
        small.setPointSizeF(max(self.font().pointSizeF() - 1, 7))
        painter.setFont(small)

        painter.setPen(QPen(AXIS_COLOUR, 1))
        painter.setBrush(QColor("#f1f4f6"))
        painter.drawRoundedRect(area, 4, 4)
        if not self.segments:
            painter.setPen(TEXT_COLOUR)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "No outreach or enrolment yet")
        for segment in self.segments:
            left = self.x_of(segment.start, area)
            right = self.x_of((segment.end or self.today) + timedelta(days=1), area)
            colour = ENROLLED_COLOUR if segment.kind == "enrolled" else OUTREACH_COLOUR
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            bar = QRectF(left, area.top() + 1, max(right - left, 3), area.height() - 2)
            painter.drawRect(bar)
            if bar.width() > 60:
                painter.setPen(QColor("white"))
                text = "Enrolled" if segment.kind == "enrolled" else "Outreach"
                painter.drawText(bar.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, text)

        for mark in self.marks:
            x = self.x_of(mark.day, area)
            colour = WITHDRAWAL_COLOUR if mark.withdraws else CONSENT_COLOUR
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            top = area.top() - 3
            painter.drawPolygon(QPolygonF([QPointF(x - 5, top - 8), QPointF(x + 5, top - 8), QPointF(x, top)]))

        x_today = self.x_of(self.today, area)
        painter.setPen(QPen(TEXT_COLOUR, 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x_today, area.top() - 12), QPointF(x_today, area.bottom() + 4))

        painter.setPen(TEXT_COLOUR)
        label_y = area.bottom() + 16
        metrics = painter.fontMetrics()
        # Dates under the bar where a segment starts, and "today"; a label that would touch another is
        # left out (the table below lists every date).
        def place(x: float, text: str) -> tuple[float, float]:
            width = metrics.horizontalAdvance(text)
            left = min(max(x - width / 2, area.left()), area.right() - width)
            return left, left + width

        today_span = place(x_today, "today")
        painter.drawText(QPointF(today_span[0], label_y), "today")
        taken = [today_span]
        for segment in self.segments:
            text = segment.start.strftime("%m/%Y")
            left, right = place(self.x_of(segment.start, area), text)
            if any(left < other_right + 8 and right + 8 > other_left for other_left, other_right in taken):
                continue
            painter.drawText(QPointF(left, label_y), text)
            taken.append((left, right))
        self._legend(painter, area)
        painter.end()

    def _legend(self, painter: QPainter, area: QRectF) -> None:
        y = area.bottom() + 34
        x = area.left()
        for colour, text in ((OUTREACH_COLOUR, "Outreach"), (ENROLLED_COLOUR, "Enrolled")):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRect(QRectF(x, y - 9, 12, 10))
            painter.setPen(TEXT_COLOUR)
            painter.drawText(QPointF(x + 16, y), text)
            x += 16 + painter.fontMetrics().horizontalAdvance(text) + 18
        for colour, text in ((CONSENT_COLOUR, "Consent signed"), (WITHDRAWAL_COLOUR, "Withdrawal / opt-out")):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(QPolygonF([QPointF(x, y - 9), QPointF(x + 10, y - 9), QPointF(x + 5, y)]))
            painter.setPen(TEXT_COLOUR)
            painter.drawText(QPointF(x + 14, y), text)
            x += 14 + painter.fontMetrics().horizontalAdvance(text) + 18

    def _describe(self) -> str:
        if not self.segments:
            return "No outreach or enrolment yet."
        parts = []
        for s in self.segments:
            until = format_date(s.end) if s.end else "now"
            parts.append(f"{s.kind.capitalize()} {format_date(s.start)} to {until}")
        return "\n".join(parts)

