"""All models, imported here so that Base.metadata knows every table."""

from hhdesk.db.models.agency import Agency, Setting
from hhdesk.db.models.audit import AuditEvent
from hhdesk.db.models.base import Base
from hhdesk.db.models.billing import BillingClaim, BillingResponseFile, BillingRun
from hhdesk.db.models.careplans import CarePlanGoal, CarePlanIntervention, CarePlanNeed, CarePlanVersion
from hhdesk.db.models.contacts import Contact
from hhdesk.db.models.directory import CareTeamMember, DirectoryEntry
from hhdesk.db.models.members import (
    AotOrder,
    Attachment,
    Condition,
    Consent,
    EnrolmentSegment,
    Member,
    OutreachElsewhere,
    TierPeriod,
)
from hhdesk.db.models.payers import MemberPayerPeriod, Payer
from hhdesk.db.models.referrals import Referral, ReferralStatusChange
from hhdesk.db.models.transitions import ChecklistItem, TransitionEpisode
from hhdesk.db.models.users import User

__all__ = [
    "Agency", "AotOrder", "Attachment", "AuditEvent", "Base", "BillingClaim", "BillingResponseFile", "BillingRun",
    "CarePlanGoal", "CarePlanIntervention", "CarePlanNeed", "CarePlanVersion", "CareTeamMember", "ChecklistItem",
    "Condition", "Consent", "Contact", "DirectoryEntry", "EnrolmentSegment", "Member", "MemberPayerPeriod",
    "OutreachElsewhere", "Payer", "Referral", "ReferralStatusChange", "Setting", "TierPeriod", "TransitionEpisode",
    "User",
]
