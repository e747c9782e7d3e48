"""Where hhdesk keeps its files, by platform (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir

APP_NAME = "hhdesk"
STORE_FILENAME = "hhdesk.hhdesk"


def data_dir() -> Path:
    override = os.environ.get("HHDESK_DATA_DIR")
    return Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))


def default_store_path() -> Path:
    return data_dir() / STORE_FILENAME


def log_dir() -> Path:
    override = os.environ.get("HHDESK_DATA_DIR")
    return Path(override) / "logs" if override else Path(user_log_dir(APP_NAME, appauthor=False))


def keyslots_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".keys")


def backups_dir(store_path: Path) -> Path:
    return store_path.parent / "backups"
