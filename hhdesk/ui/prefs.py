"""This computer's window preferences (last username, window size), kept beside the data folder.

Only layout and the last username live here, never member data: the store holds everything else.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from hhdesk.config import data_dir


def prefs() -> QSettings:
    return QSettings(str(data_dir() / "window.ini"), QSettings.Format.IniFormat)
