"""How every `hhdesk print` action writes its PDF: the --out folder is checked before anything is read or
audited, and the file is written whole or not at all."""

from __future__ import annotations

import argparse
from pathlib import Path

from hhdesk.errors import UserError
from hhdesk.private_files import write_private_file_atomically


def add_out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="where to write the PDF")


def check_out(out: Path) -> Path:
    """Refuse an --out whose folder does not exist before anything is read or audited."""
    out = out.expanduser()
    if not out.parent.exists():
        raise UserError(f"The folder {out.parent} does not exist; choose another --out.")
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name, e.g. {out / 'document.pdf'}.")
    return out


def write_pdf(out: Path, pdf: bytes) -> None:
    """Write the whole PDF or nothing (a half-written file would print as a broken page)."""
    try:
        write_private_file_atomically(out, pdf)
    except OSError as exc:
        raise UserError(f"Could not write {out}: {exc.strerror or 'the disk said no'}.") from None
    print(f"Wrote {out}")
