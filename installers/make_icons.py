"""Make the application icon files from resources/icons/hhdesk.svg (run it again after changing the SVG).

    .venv/bin/python installers/make_icons.py

Writes resources/icons/hhdesk.png (256 px, the window and About icon), hhdesk.ico (Windows: 16 to 256 px)
and hhdesk.icns (macOS: 16 to 1024 px). Qt draws the SVG at each size (so small sizes are drawn, not
scaled down from a big bitmap); Pillow, which ReportLab already brings along, writes .ico and .icns. The
generated files are committed, so a build needs neither step.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
PNG_SIZE = 256
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return Image.open(io.BytesIO(bytes(data))).convert("RGBA")


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "hhdesk.svg"))
    if not renderer.isValid():
        print("make_icons: resources/icons/hhdesk.svg is not a valid SVG", file=sys.stderr)
        return 1
    images = {size: render(renderer, size) for size in sorted(set(ICO_SIZES) | set(ICNS_SIZES))}
    images[PNG_SIZE].save(ICONS / "hhdesk.png", optimize=True)
    # Pillow writes each requested size from the image it is given, so hand it the largest one and the
    # hand-drawn smaller ones through append_images.
    largest_ico = images[max(ICO_SIZES)]
    largest_ico.save(ICONS / "hhdesk.ico", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    images[max(ICNS_SIZES)].save(ICONS / "hhdesk.icns",
                                 append_images=[images[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)])
    for name in ("hhdesk.png", "hhdesk.ico", "hhdesk.icns"):
        print(f"wrote resources/icons/{name} ({(ICONS / name).stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
