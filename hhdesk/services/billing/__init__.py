"""Monthly billing: preview every member-month with its verdict, export the files, keep the record of exports.

The rules are the domain's (`hhdesk.domain.billing_rules`); the files are written by `hhdesk.exports`. The
preview gathers the facts the rules read, in a handful of set-based queries over the month and the 13 months
before it (the outreach look-back), groups them per member in Python, and runs the evaluator once per member.

Speed (10,000 members and 500,000 contacts in under 2 seconds): no query per member and no ORM objects for
contacts. Dates are read as the store's ISO text and parsed once per distinct day; contact modes and
core-service strings are turned into enums once per distinct value. Only contacts carrying a core service
are read (no other contact can qualify a month), the earlier months' contacts only for members with an
outreach segment in the month (only an outreach month looks back), and segments, consents, care plans
and tiers only for members with a segment in the month.

History is cut at 13 months before the month: an outreach month older than that is taken as not counted.
The evaluator chains look-backs as far as the member's first outreach month, so for a member in outreach for
more than 13 months in a row the answer could in principle differ from one computed over all time; the
window is the one the billing design chose (docs/billing.md §6).

Each export is a `BillingRun` row, with the control numbers it used stored in the same transaction, and a
`billing_export` audit event. A month already exported in the same format needs a reason, which is kept.
"""

from __future__ import annotations

# One module per job: the words (labels), what is shown and returned (read_models), the profile and claim
# settings (profile), the month's preview (preview), past exports (history) and exporting (exporting).
from hhdesk.services.billing.exporting import claim_file_path, default_file_name, export, write_planned_files
from hhdesk.services.billing.history import history
from hhdesk.services.billing.labels import (
    FORMAT_LABELS,
    NOTE_WORDS,
    POPULATION_WORDS,
    RATE_STATUS_WORDS,
    REASON_WORDS,
    ExportFormat,
    code_labels,
    describe_rate_period,
    minimum_words,
    reason_text,
)
from hhdesk.services.billing.preview import HISTORY_MONTHS, ProgressCallback, format_totals, preview
from hhdesk.services.billing.profile import (
    RateRow,
    billing_profile,
    check_billing_settings,
    claim_settings_from,
    claim_settings_problems,
    profile_choices,
    profile_from_settings,
    rate_rows,
    recommended_claim_format,
    save_billing_settings,
)
from hhdesk.services.billing.read_models import (
    AlreadyExported,
    BillingPreview,
    BillingPreviewRow,
    BillingRunInfo,
    ExportOutcome,
    PastFilingLimit,
    RateTotal,
    parse_format,
    parse_month,
)

__all__ = [
    "FORMAT_LABELS",
    "HISTORY_MONTHS",
    "NOTE_WORDS",
    "POPULATION_WORDS",
    "RATE_STATUS_WORDS",
    "REASON_WORDS",
    "AlreadyExported",
    "BillingPreview",
    "BillingPreviewRow",
    "BillingRunInfo",
    "ExportFormat",
    "ExportOutcome",
    "PastFilingLimit",
    "ProgressCallback",
    "RateRow",
    "RateTotal",
    "billing_profile",
    "check_billing_settings",
    "claim_file_path",
    "claim_settings_from",
    "claim_settings_problems",
    "code_labels",
    "default_file_name",
    "describe_rate_period",
    "export",
    "format_totals",
    "history",
    "minimum_words",
    "parse_format",
    "parse_month",
    "preview",
    "profile_choices",
    "profile_from_settings",
    "rate_rows",
    "reason_text",
    "recommended_claim_format",
    "save_billing_settings",
    "write_planned_files",
]
