"""Every change to a referral: making it, moving its status, its outcome, its follow-up date, consent to share."""

from __future__ import annotations

from datetime import date

from hhdesk.db.models import (
    DirectoryEntry,
    Referral,
    ReferralStatusChange,
)
from hhdesk.domain import referral_rules
from hhdesk.domain.enums import ReferralCategory, ReferralMethod, ReferralStatus
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.services import settings
from hhdesk.services.context import AppSession
from hhdesk.services.member_records import get_member
from hhdesk.services.referrals.labels import METHOD_LABELS, NO_AGENCY
from hhdesk.services.referrals.listing import _detail
from hhdesk.services.referrals.read_models import NewReferral, ReferralDetail
from hhdesk.services.referrals.shared import (
    _check_goal,
    _domain,
    _get_referral,
    _put_on_care_team,
    _referral_to_change,
    _text,
)


def create_referral(app: AppSession, new: NewReferral, today: date | None = None) -> ReferralDetail:
    """Record a referral that has been (or is being) sent today or earlier; returns it with its history."""
    today = today or app.clock.today()
    problems: list[str] = []
    reason = _text(new.reason, "Reason for referral", problems, required=True)
    need = _text(new.need, "What the member needs", problems)
    request = _text(new.request, "What we are asking", problems)
    try:
        category = ReferralCategory(new.category)
    except ValueError:
        problems.append("Category: choose one from the list.")
    try:
        method = ReferralMethod(new.sent_how)
    except ValueError:
        problems.append("How it was sent: letter, fax, phone or portal.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    sent_on = new.sent_on or today
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        member = get_member(session, new.member_id)
        entry = session.get(DirectoryEntry, new.directory_entry_id)
        if entry is None or not entry.active:
            raise ValidationFailed(NO_AGENCY)
        _check_goal(session, member.id, new.goal_id)
        follow_up_on = new.follow_up_on
        if follow_up_on is None:
            days = settings.read_all(session).referral_follow_up_days
            follow_up_on = _domain(referral_rules.default_follow_up, sent_on, days)
        _domain(referral_rules.validate_new_referral, sent_on, follow_up_on, today)
        referral = Referral(
            member_id=member.id, directory_entry_id=entry.id, category=category.value, reason=reason,
            need=need, request=request, goal_id=new.goal_id, sent_on=sent_on, sent_how=method.value,
            status=ReferralStatus.SENT.value, status_on=sent_on, follow_up_on=follow_up_on,
            created_by_id=app.actor.user_id,
        )
        referral.changes.append(ReferralStatusChange(
            status=ReferralStatus.SENT.value, changed_on=sent_on, note=f"Sent by {METHOD_LABELS[method].lower()}",
            changed_by_id=app.actor.user_id,
        ))
        session.add(referral)
        session.flush()
        uow.audit("referral_created", "referral", referral.id, member.id,
                  f"category {category.value}, agency {entry.id}, sent by {method.value}")
        if new.consent_to_share:
            _put_on_care_team(uow, member.id, entry.id, category, sent_on, referral.id)
        session.flush()
        return _detail(session, referral, today)


def change_status(app: AppSession, referral_id: int, new_status: ReferralStatus, changed_on: date,
                  note: str = "", outcome: str | None = None, today: date | None = None, *,
                  next_follow_up_on: date | None = None, seen_version: int | None = None) -> ReferralDetail:
    """Move a referral to ``new_status`` on ``changed_on`` (domain rules: order of statuses and dates).

    The change is kept as a status history row with its note and audited; ``outcome``, when given,
    replaces the outcome in words at the same time. ``next_follow_up_on`` moves the follow-up date of a
    referral that stays open (after an acceptance, the next check is on how the service is going).
    ``seen_version``: the referral's `ReferralRow.version` when the form opened; a referral someone else
    changed since is not changed (ChangedByOther names them).
    """
    today = today or app.clock.today()
    problems: list[str] = []
    note = _text(note, "Note", problems)
    if outcome is not None:
        outcome = _text(outcome, "Outcome", problems)
    try:
        new_status = ReferralStatus(new_status)
    except ValueError:
        problems.append("Status: choose one from the list.")
    if problems:
        raise ValidationFailed(problems[0], problems)
    with app.work(Permission.EDIT_CLINICAL) as uow:
        session = uow.session
        referral = _referral_to_change(session, referral_id, seen_version)
        current = ReferralStatus(referral.status)
        last_change_on = referral.status_on if current is not ReferralStatus.SENT else None
        _domain(referral_rules.validate_transition, current, new_status, changed_on, referral.sent_on,
                last_change_on, today=today)
        if next_follow_up_on is not None:
            if referral_rules.is_closed(new_status):
                raise ValidationFailed("A closed referral needs no follow-up date.")
            if next_follow_up_on < changed_on:
                raise ValidationFailed("The next follow-up date is before the date of this status change.")
        referral.status = new_status.value
        referral.status_on = changed_on
        referral.changes.append(ReferralStatusChange(
            status=new_status.value, changed_on=changed_on, note=note, changed_by_id=app.actor.user_id,
        ))
        detail = f"{current.value} -> {new_status.value}"
        if next_follow_up_on is not None and next_follow_up_on != referral.follow_up_on:
            referral.follow_up_on = next_follow_up_on
            detail += ", follow_up_on"
        if outcome is not None and outcome != referral.outcome:
            referral.outcome = outcome
            detail += ", outcome"
        session.flush()
        uow.audit("referral_status_changed", "referral", referral.id, referral.member_id, detail)
        return _detail(session, referral, today)


def record_outcome(app: AppSession, referral_id: int, outcome: str, today: date | None = None, *,
                   seen_version: int | None = None) -> ReferralDetail:
    """Replace the outcome in words (what came of the referral); audited without the words.
    ``seen_version`` as for :func:`change_status`."""
    problems: list[str] = []
    outcome = _text(outcome, "Outcome", problems)
    if problems:
        raise ValidationFailed(problems[0], problems)
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _referral_to_change(uow.session, referral_id, seen_version)
        if outcome != referral.outcome:
            referral.outcome = outcome
            uow.session.flush()  # the detail carries the version this change made
            uow.audit("referral_updated", "referral", referral.id, referral.member_id, "fields: outcome")
        return _detail(uow.session, referral, today)


def set_follow_up(app: AppSession, referral_id: int, follow_up_on: date | None,
                  today: date | None = None, *, seen_version: int | None = None) -> ReferralDetail:
    """Move the follow-up date of an open referral (after chasing the agency, for instance).
    ``seen_version`` as for :func:`change_status`."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _referral_to_change(uow.session, referral_id, seen_version)
        if referral_rules.is_closed(ReferralStatus(referral.status)):
            raise ValidationFailed("This referral is closed: it needs no follow-up.")
        if follow_up_on is not None and follow_up_on < referral.sent_on:
            raise ValidationFailed("The follow-up date is before the date sent.")
        if follow_up_on != referral.follow_up_on:
            referral.follow_up_on = follow_up_on
            uow.session.flush()
            uow.audit("referral_updated", "referral", referral.id, referral.member_id, "fields: follow_up_on")
        return _detail(uow.session, referral, today)


def record_consent_to_share(app: AppSession, referral_id: int, today: date | None = None) -> ReferralDetail:
    """The member agreed that we share with the referral's agency: tick it on the care team."""
    today = today or app.clock.today()
    with app.work(Permission.EDIT_CLINICAL) as uow:
        referral = _get_referral(uow.session, referral_id)
        _put_on_care_team(uow, referral.member_id, referral.directory_entry_id,
                          ReferralCategory(referral.category), today, referral.id)
        uow.session.flush()
        return _detail(uow.session, referral, today)
