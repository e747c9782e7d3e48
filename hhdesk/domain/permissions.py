"""Who may do what: the permission matrix, enforced by every service call (ARCHITECTURE.md, HIPAA).

Admins hold every permission: in a five-person agency the administrator is usually the director, who also
covers for staff. Billing clerks see demographics, consent and billing, never clinical notes (minimum
necessary), and may record a consent form so that they can fix a month before it closes.
"""

from __future__ import annotations

from enum import StrEnum

from hhdesk.domain.enums import Role


class Permission(StrEnum):
    VIEW_MEMBERS = "view_members"  # caseload and demographics
    VIEW_CLINICAL = "view_clinical"  # conditions, care plans, contacts, transitions, referrals
    EDIT_DEMOGRAPHICS = "edit_demographics"
    RECORD_CONSENT = "record_consent"
    EDIT_ENROLMENT = "edit_enrolment"  # segments, tiers
    EDIT_CLINICAL = "edit_clinical"
    ASSIGN_CASELOAD = "assign_caseload"
    MANAGE_DIRECTORY = "manage_directory"
    PRINT_DOCUMENTS = "print_documents"
    IMPORT_DATA = "import_data"
    BILLING = "billing"  # preview and export
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_AUDIT = "view_audit"
    ROTATE_KEY = "rotate_key"


_CLINICAL_WORK = {
    Permission.VIEW_MEMBERS,
    Permission.VIEW_CLINICAL,
    Permission.EDIT_DEMOGRAPHICS,
    Permission.RECORD_CONSENT,
    Permission.EDIT_ENROLMENT,
    Permission.EDIT_CLINICAL,
    Permission.MANAGE_DIRECTORY,
    Permission.PRINT_DOCUMENTS,
}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        _CLINICAL_WORK | {Permission.ASSIGN_CASELOAD, Permission.IMPORT_DATA, Permission.BILLING,
                          Permission.BACKUP, Permission.RESTORE}
    ),
    Role.CARE_MANAGER: frozenset(_CLINICAL_WORK),
    Role.BILLING: frozenset(
        {Permission.VIEW_MEMBERS, Permission.EDIT_DEMOGRAPHICS, Permission.RECORD_CONSENT, Permission.BILLING}
    ),
    Role.READ_ONLY: frozenset({Permission.VIEW_MEMBERS, Permission.VIEW_CLINICAL}),
}


def allows(role: Role | str, permission: Permission) -> bool:
    return permission in MATRIX[Role(role)]


def describe(permission: Permission) -> str:
    return permission.value.replace("_", " ")


class StoreSecret(StrEnum):
    """Keys that only some roles hold, besides the store key (in a store file's key slots).

    A role holds a secret when it has the permission the secret guards. On an agency's server the grants
    of the server itself do this instead, and there are no such secrets.
    """

    CLINICAL = "clinical"  # clinical free text is encrypted under it, so a billing clerk's key reads none
    AUDIT_SEALING = "audit_sealing"  # signs the audit log's seals, so only administrators can vouch for it


GUARDED_BY: dict[StoreSecret, Permission] = {
    StoreSecret.CLINICAL: Permission.VIEW_CLINICAL,
    StoreSecret.AUDIT_SEALING: Permission.VIEW_AUDIT,
}


def secrets_for(role: Role | str) -> frozenset[StoreSecret]:
    """The secrets a user of this role holds in their key slot."""
    return frozenset(secret for secret, permission in GUARDED_BY.items() if allows(role, permission))
