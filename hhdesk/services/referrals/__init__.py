"""Closed-loop referrals to community and social supports (docs/domain.md §9).

A referral goes from a member to a directory entry; its status moves by the rules in
:mod:`hhdesk.domain.referral_rules`, and every move is kept as a dated ``ReferralStatusChange`` row (the
first row is the sending itself) and audited. Referrals are clinical: reading them needs
``VIEW_CLINICAL``, changing them ``EDIT_CLINICAL``, printing a letter ``PRINT_DOCUMENTS`` as well.

Decisions where the issue is silent:

* **Consent to share.** A letter is printed only when the member's consent to share with *that* agency is
  recorded: the agency is on the member's care team with "consent to share" ticked (the care team's flag
  is the one place that says "this member agreed we may talk to this organisation"). Making a referral
  with ``consent_to_share=True``, or :func:`record_consent_to_share` later, puts the agency on the care team
  with the flag set. The letter's statement then cites the member's Health Home consent form (its signing
  date) when one is in effect, and otherwise says the member agreed to the sharing. A member whose Health
  Home consent was withdrawn, or who opted out, gets no letter until a new consent is on file.
* **Whose contact details.** The letter is signed by the member's assigned care manager; without one, by
  whoever made the referral; without that, by whoever prints it. Their phone falls back to the agency's,
  and the fax is always the agency's (staff have no fax of their own).
* **The care manager filter** means the member's care manager (the caseload), not who typed the referral.
* **The summary** applies the category, agency and care manager filters but not the status ones: a
  summary of only the completed referrals would say nothing.
* **Reference.** The letter quotes ``R-<id>`` so that the agency's reply can be matched to the referral.
"""

from __future__ import annotations

# One module per job: the words and limits (labels), what is taken in and shown (read_models), the steps
# reading and changing share (shared), listing and reading referrals (listing), choosing an agency and a goal
# (choices), every change to a referral (changes), the summary (summary) and the letter (letter).
from hhdesk.services.referrals.changes import (
    change_status,
    create_referral,
    record_consent_to_share,
    record_outcome,
    set_follow_up,
)
from hhdesk.services.referrals.choices import (
    agencies_for,
    default_follow_up_on,
    goal_choices,
    has_consent_to_share,
    referred_agencies,
)
from hhdesk.services.referrals.labels import (
    CATEGORY_LABELS,
    CONSENT_ROLE_PREFIX,
    MAX_TEXT,
    METHOD_LABELS,
    NO_AGENCY,
    NO_REFERRAL,
    STATUS_LABELS,
    reference,
    status_choices,
)
from hhdesk.services.referrals.letter import (
    letter_content,
    print_letter,
)
from hhdesk.services.referrals.listing import (
    get_referral,
    list_referrals,
    member_referrals,
)
from hhdesk.services.referrals.read_models import (
    AgencyChoice,
    GoalChoice,
    NewReferral,
    ReferralDetail,
    ReferralFilter,
    ReferralLetter,
    ReferralRow,
    ReferralSummaryReport,
    StatusChangeView,
    SummaryLine,
)
from hhdesk.services.referrals.summary import (
    summarise,
)

__all__ = [
    "AgencyChoice",
    "CATEGORY_LABELS",
    "CONSENT_ROLE_PREFIX",
    "GoalChoice",
    "MAX_TEXT",
    "METHOD_LABELS",
    "NO_AGENCY",
    "NO_REFERRAL",
    "NewReferral",
    "ReferralDetail",
    "ReferralFilter",
    "ReferralLetter",
    "ReferralRow",
    "ReferralSummaryReport",
    "STATUS_LABELS",
    "StatusChangeView",
    "SummaryLine",
    "agencies_for",
    "change_status",
    "create_referral",
    "default_follow_up_on",
    "get_referral",
    "goal_choices",
    "has_consent_to_share",
    "letter_content",
    "list_referrals",
    "member_referrals",
    "print_letter",
    "record_consent_to_share",
    "record_outcome",
    "reference",
    "referred_agencies",
    "set_follow_up",
    "status_choices",
    "summarise",
]
