"""Transitions of care (docs/domain.md §8): episodes, their checklists, discharge, closing, the summary PDF.

Times. The notification and discharge are moments a care manager types from a phone call ("the hospital
called at 9:30"), so they are stored as naive *local* wall-clock times, and "overdue" compares them with
the agency's wall clock (:func:`local_now`, from the session's clock). Contact dates are dates without a time.

Checklist templates. One JSON template per setting ships in ``resources/checklists/<setting>.json``. An
administrator may edit a template (:func:`save_template`); the edited copy is checked with the domain's
``ChecklistTemplate.from_dict`` and written to ``<data folder>/checklists/<setting>.json``, which then takes
precedence over the bundled file (:func:`reset_template` removes it). The data folder is per computer
(``hhdesk.config.data_dir()``), so an agency using several computers edits the template on each. A copy
that can no longer be read (edited by hand outside hhdesk) is ignored in favour of the bundled template,
so that opening an episode never fails for it; :func:`list_templates` shows the problem to the admin.
Each episode copies its items when it is opened, so editing a template never changes open episodes.

Automatic completions (product decisions): opening the episode completes "episode opened", recording the
discharge with a destination completes "discharge date and destination recorded", closing the episode
with the care-plan review confirmed completes "care plan reviewed", and a TC contact completes "member
contacted" (see :mod:`hhdesk.services.contacts`).

Readmission: a new admission (not an emergency-department visit) within 30 days of the discharge of an
earlier episode of the member (not an ED visit) is flagged (:func:`hhdesk.domain.checklists.is_readmission`).
"""

from __future__ import annotations

# One module per job: the shared words, limits and wall clock (basics), the checklist templates
# (templates), what is shown and returned (read_models), reading episodes (queries), every change to an
# episode and its checklist (changes) and the transition summary PDF (summary).
from hhdesk.services.transitions.basics import (
    EPISODE_CLOSED,
    FACILITY_CATEGORIES,
    MAX_TEXT,
    MIN_REASON_LENGTH,
    NO_EPISODE,
    NO_ITEM,
    NOTIFIED_HOW_CHOICES,
    SETTING_LABELS,
    local_now,
    setting_label,
)
from hhdesk.services.transitions.changes import (
    close_episode,
    mark_item_done,
    mark_item_not_applicable,
    open_episode,
    overlap_warnings,
    record_discharge,
    reopen_episode,
    reopen_item,
    row_timing,
)
from hhdesk.services.transitions.queries import (
    facility_choices,
    get_episode,
    list_episodes,
    member_episodes,
    row_state,
)
from hhdesk.services.transitions.read_models import (
    ChecklistItemView,
    EpisodeInput,
    EpisodeRow,
    EpisodeView,
    FacilityChoice,
)
from hhdesk.services.transitions.summary import (
    TransitionSummaryParts,
    render_transition_summary_pdf,
    transition_summary_parts,
)
from hhdesk.services.transitions.templates import (
    TemplateInfo,
    list_templates,
    load_template,
    override_folder,
    reset_template,
    save_template,
    template_as_json,
    template_info,
)

__all__ = [
    "ChecklistItemView",
    "EPISODE_CLOSED",
    "EpisodeInput",
    "EpisodeRow",
    "EpisodeView",
    "FACILITY_CATEGORIES",
    "FacilityChoice",
    "MAX_TEXT",
    "MIN_REASON_LENGTH",
    "NOTIFIED_HOW_CHOICES",
    "NO_EPISODE",
    "NO_ITEM",
    "SETTING_LABELS",
    "TemplateInfo",
    "TransitionSummaryParts",
    "close_episode",
    "facility_choices",
    "get_episode",
    "list_episodes",
    "list_templates",
    "load_template",
    "local_now",
    "mark_item_done",
    "mark_item_not_applicable",
    "member_episodes",
    "open_episode",
    "overlap_warnings",
    "override_folder",
    "record_discharge",
    "render_transition_summary_pdf",
    "reopen_episode",
    "reopen_item",
    "reset_template",
    "row_state",
    "row_timing",
    "save_template",
    "setting_label",
    "template_as_json",
    "template_info",
    "transition_summary_parts",
]
