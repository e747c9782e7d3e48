"""The checklist templates: the bundled one per setting, the admin's edited copy in the data folder, and reading them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hhdesk.config import data_dir
from hhdesk.domain import checklists as domain_checklists
from hhdesk.domain.checklists import (
    ChecklistTemplate,
    TemplateError,
)
from hhdesk.domain.enums import (
    TransitionSetting,
)
from hhdesk.domain.permissions import Permission
from hhdesk.errors import ValidationFailed
from hhdesk.private_files import write_private_file_atomically
from hhdesk.resources_path import resource_path
from hhdesk.services.context import AppSession


def override_folder() -> Path:
    return data_dir() / "checklists"


def _bundled_path(setting: TransitionSetting) -> Path:
    return resource_path(f"checklists/{setting.value}.json")


def _override_path(setting: TransitionSetting) -> Path:
    return override_folder() / f"{setting.value}.json"


@dataclass(frozen=True)
class TemplateInfo:
    """A setting's template as the admin screen lists it."""

    setting: TransitionSetting
    template: ChecklistTemplate
    edited: bool  # an admin's copy in the data folder is in use
    problem: str = ""  # the admin's copy could not be read; the bundled template is used


def _read_template(path: Path, setting: TransitionSetting) -> ChecklistTemplate:
    template = domain_checklists.template_from_json(path.read_text(encoding="utf-8"))
    if template.setting != setting:
        raise TemplateError([f"The file is for the setting {template.setting.value}, not {setting.value}."])
    return template


def template_info(setting: TransitionSetting) -> TemplateInfo:
    override = _override_path(setting)
    problem = ""
    if override.exists():
        try:
            return TemplateInfo(setting, _read_template(override, setting), edited=True)
        except (TemplateError, OSError, UnicodeDecodeError) as exc:
            problems = exc.problems if isinstance(exc, TemplateError) else ("The file could not be read.",)
            problem = "The edited template cannot be used, so the bundled one is: " + " ".join(problems)
    return TemplateInfo(setting, _read_template(_bundled_path(setting), setting), edited=False, problem=problem)


def load_template(setting: TransitionSetting) -> ChecklistTemplate:
    """The template in use for a setting: the admin's copy if there is a valid one, else the bundled one."""
    return template_info(setting).template


def list_templates() -> list[TemplateInfo]:
    return [template_info(setting) for setting in TransitionSetting]


def save_template(app: AppSession, setting: TransitionSetting, data: dict | str) -> ChecklistTemplate:
    """Check an edited template (a dict, or the JSON text) and make it the one in use for the setting."""
    app.require(Permission.MANAGE_SETTINGS)
    try:
        template = (domain_checklists.template_from_json(data) if isinstance(data, str)
                    else ChecklistTemplate.from_dict(data))
    except TemplateError as exc:
        raise ValidationFailed(str(exc), list(exc.problems)) from None
    if template.setting != setting:
        raise ValidationFailed(f"The template is for the setting {template.setting.value}, not {setting.value}.")
    path = _override_path(setting)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file_atomically(path, domain_checklists.template_to_json(template).encode("utf-8"))
    with app.work(Permission.MANAGE_SETTINGS) as uow:
        uow.audit("checklist_template_saved", "checklist_template", setting.value,
                  detail=f"{len(template.items)} items")
    return template


def reset_template(app: AppSession, setting: TransitionSetting) -> ChecklistTemplate:
    """Go back to the bundled template for a setting."""
    app.require(Permission.MANAGE_SETTINGS)
    path = _override_path(setting)
    if path.exists():
        path.unlink()
        with app.work(Permission.MANAGE_SETTINGS) as uow:
            uow.audit("checklist_template_reset", "checklist_template", setting.value)
    return load_template(setting)


def template_as_json(setting: TransitionSetting) -> str:
    """The template in use, as the JSON text an admin edits."""
    return json.dumps(load_template(setting).to_dict(), indent=2, ensure_ascii=False) + "\n"
