"""Help > About hhdesk: the version, where the store and the log are, and the licences of what is bundled.

The list of bundled components and their licence files is data (resources/licenses/components.json), so
the installers, this dialog and the smoke test agree on it. Choosing a component shows its licence texts.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hhdesk import __version__
from hhdesk.resources_path import resource_path
from hhdesk.ui.logs import log_file
from hhdesk.ui.window_placement import preferred_size

COMPONENTS_FILE = "licenses/components.json"
ICON_FILE = "icons/hhdesk.png"


@dataclass(frozen=True)
class BundledComponent:
    """Something the program ships that is not ours, and the licence it comes under."""

    name: str
    what: str
    licence: str
    files: tuple[str, ...]  # relative to resources/

    def licence_text(self) -> str:
        """The component's licence files, one after another (a missing one is named, not skipped)."""
        parts = []
        for relative in self.files:
            path = resource_path(relative)
            try:
                body = path.read_text(encoding="utf-8")
            except OSError:
                body = "(this licence file is missing from this copy of hhdesk)\n"
            parts.append(f"==== {Path(relative).name} ====\n\n{body}")
        return "\n\n".join(parts)


def bundled_components() -> list[BundledComponent]:
    data = json.loads(resource_path(COMPONENTS_FILE).read_text(encoding="utf-8"))
    return [
        BundledComponent(item["name"], item["what"], item["licence"], tuple(item["files"]))
        for item in data["components"]
    ]


def missing_licence_files(components: list[BundledComponent]) -> list[str]:
    return sorted({f for c in components for f in c.files if not resource_path(f).is_file()})


class AboutDialog(QDialog):
    """Version, paths, and a list of bundled components with their licences."""

    def __init__(self, parent: QWidget | None = None, *, store_path: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About hhdesk")
        preferred_size(self, 760, 560)
        self.components = bundled_components()

        icon = QLabel()
        icon_path = resource_path(ICON_FILE)
        if icon_path.is_file():
            icon.setPixmap(QIcon(str(icon_path)).pixmap(64, 64))
        title = QLabel(f"hhdesk {__version__}")
        title.setProperty("role", "heading")
        tagline = QLabel("Care management and billing for Medicaid Health Home agencies.")
        built_with = QLabel(f"Qt {qVersion()} · PySide6 {PySide6.__version__}")
        built_with.setProperty("role", "muted")
        heading = QVBoxLayout()
        for widget in (title, tagline, built_with):
            heading.addWidget(widget)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        lines = []
        if store_path is not None:
            lines.append(f"Store: {store_path}")
        lines.append(f"Log file: {log_file()}")
        if getattr(sys, "frozen", False):
            lines.append(f"Program folder: {Path(sys.executable).parent}")
        self.paths = QLabel("\n".join(lines))
        self.paths.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.paths.setWordWrap(True)

        intro = QLabel(
            "hhdesk includes the software below, each under its own licence. Qt and PySide6 are used under "
            "the GNU LGPL v3 as separate libraries that you may replace; choose Qt 6 to read how."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Bundled software")
        for component in self.components:
            item = QListWidgetItem(f"{component.name} — {component.licence}")
            item.setToolTip(component.what)
            self.list.addItem(item)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setAccessibleName("Licence text")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list)
        splitter.addWidget(self.text)
        splitter.setSizes([180, 320])
        self.list.currentRowChanged.connect(self._show_licence)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.paths)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        if self.components:
            self.list.setCurrentRow(0)

    def _show_licence(self, row: int) -> None:
        if 0 <= row < len(self.components):
            component = self.components[row]
            self.text.setPlainText(f"{component.name}: {component.what}\n\n{component.licence_text()}")
            self.text.moveCursor(self.text.textCursor().MoveOperation.Start)

    def missing_licence_files(self) -> list[str]:
        return missing_licence_files(self.components)
