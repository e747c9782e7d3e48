"""Two quality measures from the CMS Health Home Core Set, computed from what hhdesk records (docs/domain.md §11).

hhdesk sees transition episodes, their checklists and the agency's contacts, not claims. Both measures
follow the HEDIS definitions in shape and say plainly where they simplify; their numbers are for the
agency's own quality work and are not comparable with rates a state computes from claims.

Follow-up after hospitalisation for mental illness (modelled on HEDIS FUH), :func:`followup_after_psych`:

* Denominator: discharges from an ``inpatient_psychiatric`` episode dated in the period (inclusive).
  No age limit (hhdesk does not pass ages; FUH counts members aged 6 and older), no diagnosis filter
  (the setting stands for it), no continuous-enrolment or hospice rules.
* Exclusion, as FUH: a discharge followed, on the day of discharge or within 30 days after it, by an
  admission to any inpatient setting (medical, psychiatric, detox/rehab, skilled nursing; not an ED
  visit). When the later stay is psychiatric its own discharge is in the denominator if it falls in the
  period, which is FUH's "count only the last discharge".
* Numerator: follow-up 1 to 7 days (and 1 to 30 days) after the discharge; a follow-up on the day of
  discharge does not count (as in FUH). Evidence of a follow-up (:class:`FollowUpEvidence`) is, for the
  same member:

  1. a checklist item ``bh_followup_7d`` or ``bh_followup_30d`` (of any episode) marked done, dated by
     the day it was done: the care manager confirms the member saw a behavioural-health provider, and
     should date the item by the visit; or
  2. a contact *with a provider* carrying transitional care (TC) in a mode that reaches someone
     (in person, phone, video or collateral): the care manager accompanying the member to, or confirming
     the visit with, the treating provider.

  Source 2 is what hhdesk can see in contacts alone (docs/domain.md §11). It is looser than FUH, which needs a
  visit *with* a mental-health provider: a TC call to a PCP's office also counts. The details name the
  source of each follow-up, so a report can show how many rest on contacts; the service can pass only
  checklist evidence if the agency prefers the stricter reading.
* A discharge near the end of the period whose 30 days have not yet passed counts as not followed up
  so far: choose a period that ended at least 30 days ago for a final rate.

Plan all-cause readmissions, 30 days (modelled on HEDIS PCR), :func:`readmissions_30d`:

* Denominator: discharges from ``inpatient_medical`` or ``inpatient_psychiatric`` episodes dated in the
  period. A discharge that is itself a readmission is also an index discharge (as in PCR).
* Numerator: those followed by an admission to either setting on the day of discharge or within 30 days
  after it (the same window as :func:`hhdesk.domain.checklists.is_readmission`). Unlike PCR, no transfer
  merging, no exclusion of planned admissions, no risk adjustment and no age limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from hhdesk.domain.checklists import (
    BH_FOLLOWUP_7D_KEY,
    BH_FOLLOWUP_30D_KEY,
    READMISSION_WINDOW_DAYS,
    days_after_discharge,
)
from hhdesk.domain.enums import (
    ChecklistItemStatus,
    ContactMode,
    CoreService,
    TransitionSetting,
    WithWhom,
    label,
)
from hhdesk.domain.errors import DomainError

FOLLOW_UP_SHORT_DAYS = 7
FOLLOW_UP_LONG_DAYS = 30

INPATIENT_SETTINGS: frozenset[TransitionSetting] = frozenset(
    {TransitionSetting.INPATIENT_MEDICAL, TransitionSetting.INPATIENT_PSYCHIATRIC}
)
# Any stay in a bed, as opposed to an emergency-department visit: what interrupts an outpatient follow-up.
ADMISSION_SETTINGS: frozenset[TransitionSetting] = frozenset(TransitionSetting) - {
    TransitionSetting.EMERGENCY_DEPARTMENT
}
BH_FOLLOWUP_KEYS: frozenset[str] = frozenset({BH_FOLLOWUP_7D_KEY, BH_FOLLOWUP_30D_KEY})
PROVIDER_FOLLOWUP_MODES: frozenset[ContactMode] = frozenset(
    {ContactMode.IN_PERSON, ContactMode.PHONE, ContactMode.VIDEO, ContactMode.COLLATERAL}
)


@dataclass(frozen=True, slots=True)
class EpisodeFacts:
    """What the measures need from a transition episode."""

    episode_id: Hashable
    member_key: Hashable  # the member's internal id; never shown in a measure report
    setting: TransitionSetting
    admitted_on: date
    discharged_on: date | None


class EvidenceSource(StrEnum):
    CHECKLIST_ITEM = "checklist_item"
    CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class FollowUpEvidence:
    """A sign that the member had behavioural-health follow-up on a date (see the module docstring)."""

    member_key: Hashable
    on: date
    source: EvidenceSource


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def evidence_from_checklist_item(
    member_key: Hashable, item_key: str, status: ChecklistItemStatus, done_on: date | None
) -> FollowUpEvidence | None:
    """Evidence from a done ``bh_followup_7d`` / ``bh_followup_30d`` item, else ``None``."""
    if item_key not in BH_FOLLOWUP_KEYS or status != ChecklistItemStatus.DONE or done_on is None:
        return None
    return FollowUpEvidence(member_key, _as_date(done_on), EvidenceSource.CHECKLIST_ITEM)


def evidence_from_contact(
    member_key: Hashable,
    contact_date: date,
    mode: ContactMode,
    with_whom: WithWhom,
    services: Collection[CoreService],
) -> FollowUpEvidence | None:
    """Evidence from a contact with a provider carrying TC in a mode that reaches someone, else ``None``."""
    if with_whom != WithWhom.PROVIDER or CoreService.TC not in services or mode not in PROVIDER_FOLLOWUP_MODES:
        return None
    return FollowUpEvidence(member_key, _as_date(contact_date), EvidenceSource.CONTACT)


@dataclass(frozen=True, slots=True)
class FollowUpDetail:
    """One psychiatric discharge of the period and what became of it."""

    episode_id: Hashable
    member_key: Hashable
    discharged_on: date
    excluded_because: str | None  # set: the discharge is not in the denominator
    followed_up_on: date | None  # earliest follow-up 1 to 30 days after discharge
    followed_up_by: EvidenceSource | None
    within_7_days: bool
    within_30_days: bool


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """Follow-up after a psychiatric stay: the two rates and the discharge-by-discharge details."""

    denominator: int
    numerator_7: int
    numerator_30: int
    rate_7: float | None  # None when the denominator is 0
    rate_30: float | None
    excluded: int
    details: tuple[FollowUpDetail, ...]


@dataclass(frozen=True, slots=True)
class ReadmissionDetail:
    """One inpatient discharge of the period and the first admission that followed it within 30 days."""

    episode_id: Hashable
    member_key: Hashable
    discharged_on: date
    readmission_episode_id: Hashable | None
    readmitted_on: date | None

    @property
    def readmitted(self) -> bool:
        return self.readmission_episode_id is not None


@dataclass(frozen=True, slots=True)
class ReadmissionResult:
    denominator: int
    numerator: int
    rate: float | None  # None when the denominator is 0
    details: tuple[ReadmissionDetail, ...]


def _check_period(start: date, end: date) -> None:
    if start > end:
        raise DomainError("The start of the period is after its end.")


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _discharged_in(episode: EpisodeFacts, start: date, end: date) -> bool:
    return episode.discharged_on is not None and start <= _as_date(episode.discharged_on) <= end


def _first_admission_after(
    episode: EpisodeFacts, others: Iterable[EpisodeFacts], settings: frozenset[TransitionSetting]
) -> EpisodeFacts | None:
    """The earliest other episode in ``settings`` admitted 0 to 30 days after ``episode``'s discharge."""
    if episode.discharged_on is None:
        return None
    candidates = [
        other
        for other in others
        if other is not episode
        and other.episode_id != episode.episode_id
        and other.setting in settings
        and 0 <= days_after_discharge(episode.discharged_on, other.admitted_on) <= READMISSION_WINDOW_DAYS
    ]
    return min(candidates, key=lambda other: _as_date(other.admitted_on), default=None)


def _by_member(episodes: Iterable[EpisodeFacts]) -> dict[Hashable, list[EpisodeFacts]]:
    grouped: dict[Hashable, list[EpisodeFacts]] = defaultdict(list)
    for episode in episodes:
        grouped[episode.member_key].append(episode)
    return grouped


def followup_after_psych(
    episodes: Iterable[EpisodeFacts],
    evidence: Iterable[FollowUpEvidence],
    start: date,
    end: date,
) -> MeasureResult:
    """Follow-up within 7 and 30 days after a psychiatric discharge in ``start``..``end`` (inclusive).

    ``episodes`` should hold every episode of the members concerned, including admissions after ``end``
    (they decide exclusions); ``evidence`` every follow-up from ``start`` to 30 days after ``end``.
    """
    _check_period(start, end)
    episodes_by_member = _by_member(episodes)
    evidence_by_member: dict[Hashable, list[FollowUpEvidence]] = defaultdict(list)
    for item in evidence:
        evidence_by_member[item.member_key].append(item)

    details: list[FollowUpDetail] = []
    for member_episodes in episodes_by_member.values():
        for episode in member_episodes:
            if episode.setting != TransitionSetting.INPATIENT_PSYCHIATRIC or not _discharged_in(episode, start, end):
                continue
            discharged_on = _as_date(episode.discharged_on)
            readmission = _first_admission_after(episode, member_episodes, ADMISSION_SETTINGS)
            if readmission is not None:
                day = days_after_discharge(discharged_on, readmission.admitted_on)
                when = "on the day of discharge" if day == 0 else f"{day} {'day' if day == 1 else 'days'} after discharge"
                details.append(
                    FollowUpDetail(
                        episode_id=episode.episode_id,
                        member_key=episode.member_key,
                        discharged_on=discharged_on,
                        excluded_because=f"Admitted again ({label(readmission.setting).lower()}) {when}.",
                        followed_up_on=None,
                        followed_up_by=None,
                        within_7_days=False,
                        within_30_days=False,
                    )
                )
                continue
            in_window = [
                item
                for item in evidence_by_member.get(episode.member_key, ())
                if 1 <= days_after_discharge(discharged_on, item.on) <= FOLLOW_UP_LONG_DAYS
            ]
            # Earliest first; on a tie prefer the checklist, the stronger evidence.
            first = min(
                in_window,
                key=lambda item: (item.on, item.source != EvidenceSource.CHECKLIST_ITEM),
                default=None,
            )
            days = days_after_discharge(discharged_on, first.on) if first else None
            details.append(
                FollowUpDetail(
                    episode_id=episode.episode_id,
                    member_key=episode.member_key,
                    discharged_on=discharged_on,
                    excluded_because=None,
                    followed_up_on=first.on if first else None,
                    followed_up_by=first.source if first else None,
                    within_7_days=days is not None and days <= FOLLOW_UP_SHORT_DAYS,
                    within_30_days=days is not None,
                )
            )
    details.sort(key=lambda detail: (detail.discharged_on, str(detail.episode_id)))
    counted = [detail for detail in details if detail.excluded_because is None]
    numerator_7 = sum(detail.within_7_days for detail in counted)
    numerator_30 = sum(detail.within_30_days for detail in counted)
    return MeasureResult(
        denominator=len(counted),
        numerator_7=numerator_7,
        numerator_30=numerator_30,
        rate_7=_rate(numerator_7, len(counted)),
        rate_30=_rate(numerator_30, len(counted)),
        excluded=len(details) - len(counted),
        details=tuple(details),
    )


def readmissions_30d(episodes: Iterable[EpisodeFacts], start: date, end: date) -> ReadmissionResult:
    """Inpatient discharges in ``start``..``end`` (inclusive) followed by an inpatient admission within 30
    days. Pass every episode of the members, including admissions up to 30 days after ``end``."""
    _check_period(start, end)
    details: list[ReadmissionDetail] = []
    for member_episodes in _by_member(episodes).values():
        for episode in member_episodes:
            if episode.setting not in INPATIENT_SETTINGS or not _discharged_in(episode, start, end):
                continue
            readmission = _first_admission_after(episode, member_episodes, INPATIENT_SETTINGS)
            details.append(
                ReadmissionDetail(
                    episode_id=episode.episode_id,
                    member_key=episode.member_key,
                    discharged_on=_as_date(episode.discharged_on),
                    readmission_episode_id=readmission.episode_id if readmission else None,
                    readmitted_on=_as_date(readmission.admitted_on) if readmission else None,
                )
            )
    details.sort(key=lambda detail: (detail.discharged_on, str(detail.episode_id)))
    numerator = sum(detail.readmitted for detail in details)
    return ReadmissionResult(
        denominator=len(details),
        numerator=numerator,
        rate=_rate(numerator, len(details)),
        details=tuple(details),
    )
