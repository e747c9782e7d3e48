"""`hhdesk --smoke-test`: prove that this build of the program starts and does the essentials, then exit.

It runs on a throw-away store in a temporary folder, offscreen, so it is safe on any machine, a build
server included: create a store (the migrations run), log in, write a member and find it again, look up
an ICD-10-CM code (the code set is a package's data file), render a care-plan packet with the bundled
fonts, check the Qt bindings, load that PDF with Qt's PDF module, open the main window and close it
(which logs out and makes the daily backup). Every step prints one line with its time; the first step
that fails prints ``smoke test failed at <step>: <reason>`` and the exit status is 1.

Its main use is the frozen program (`make dist` runs `dist/hhdesk/hhdesk --smoke-test`): a missing data
file, hidden import or Qt plugin shows up here, not on a clinic's desk. Everything it stores is made up.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from hhdesk import __version__
from hhdesk.errors import UserError

SMOKE_AGENCY = "Smoke Test Agency"
SMOKE_USERNAME = "smoke_admin"
SMOKE_MEDICAID_ID = "ZZ99999Z"
SMOKE_LAST_NAME = "Smoketest"
SMOKE_ICD10_CODE = "E11.9"  # type 2 diabetes without complications: in every yearly code set
FONT_EMBEDDED_MARKER = b"/FontFile2"
"""What a PDF holds for each embedded TrueType font (ReportLab embeds subsets of the bundled DejaVu)."""

WINDOW_CLOSE_TIMEOUT_S = 60.0


class SmokeCheckFailed(Exception):
    """A step ran but its result was wrong; the message says what was expected."""

    is_check_failure = True  # as hhdesk.ui.smoke.QtSmokeFailed: the message is the whole reason


@dataclass
class _Run:
    """What the steps hand each other, and what must be cleaned up after them."""

    folder: Path
    password: str = field(default_factory=lambda: "smoke-" + secrets.token_urlsafe(18))
    session: Any = None  # hhdesk.services.context.AppSession once logged in
    member_id: int | None = None
    pdf_path: Path | None = None
    qt: Any = None  # what hhdesk.ui.smoke.start_qt returned

    @property
    def store_path(self) -> Path:
        return self.folder / "smoke.hhdesk"


def run_smoke_test(out: TextIO | None = None) -> int:
    """Run every step; 0 when all passed, 1 (with the failing step and its reason printed) otherwise."""
    out = out if out is not None else sys.stdout
    started = time.perf_counter()
    _say(out, f"hhdesk {__version__} smoke test ({'frozen' if getattr(sys, 'frozen', False) else 'source'})")
    with _smoke_environment() as folder:
        run = _Run(folder)
        try:
            for name, step in _steps():
                step_started = time.perf_counter()
                try:
                    detail = step(run)
                except Exception as exc:  # any failure ends the test with its reason
                    _say(out, f"smoke test failed at {name}: {_reason(exc)}")
                    return 1
                elapsed = time.perf_counter() - step_started
                _say(out, f"  {name:<22} ok  {elapsed:6.2f} s" + (f"  ({detail})" if detail else ""))
        finally:
            _clean_up(run)
    _say(out, f"smoke test passed in {time.perf_counter() - started:.2f} s")
    return 0


# ---- steps ------------------------------------------------------------------------------------------


def _create_store(run: _Run) -> str:
    from hhdesk.db.store import schema_head
    from hhdesk.services import users
    from hhdesk.services.settings import AgencyInfo

    users.create_store(run.store_path, AgencyInfo(name=SMOKE_AGENCY), SMOKE_USERNAME, run.password,
                       "Smoke Test")
    return f"schema {schema_head()}"


def _log_in(run: _Run) -> str:
    from hhdesk.services import users

    run.session = users.login(run.store_path, SMOKE_USERNAME, run.password)
    return f"role {run.session.actor.role.value}"


def _write_member(run: _Run) -> str:
    from hhdesk.services import members

    details = members.MemberDetails(
        medicaid_id=SMOKE_MEDICAID_ID, last_name=SMOKE_LAST_NAME, first_name="Zoë", dob=date(1970, 1, 1),
    )
    created = members.create_member(run.session, details)
    if not created.created:
        raise SmokeCheckFailed("the new member was taken for a duplicate in an empty store")
    run.member_id = created.member_id
    return ""


def _read_member(run: _Run) -> str:
    from hhdesk.services import caseload

    rows = caseload.search(run.session, caseload.CaseloadQuery(text=SMOKE_MEDICAID_ID))
    if [row.member_id for row in rows] != [run.member_id]:
        raise SmokeCheckFailed(f"a search by Medicaid ID found {len(rows)} members, expected the one written")
    if rows[0].last_name != SMOKE_LAST_NAME or rows[0].first_name != "Zoë":
        raise SmokeCheckFailed("the member read back differs from the one written")
    return ""


def _export_list(run: _Run) -> str:
    """The caseload as an Excel workbook, read back: proves the bundle holds the spreadsheet writer."""
    import zipfile

    from hhdesk.exports.tables import Table, Workbook
    from hhdesk.services import caseload, list_exports

    rows = caseload.search(run.session, caseload.CaseloadQuery())
    out = run.folder / "caseload.xlsx"
    table = Table("Caseload", ["Last name", "First name"], [[r.last_name, r.first_name] for r in rows])
    done = list_exports.export_list(run.session, list_exports.ListKind.CASELOAD, "Caseload", Workbook([table]), out)
    with zipfile.ZipFile(out) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    if "Zoë" not in sheet:
        raise SmokeCheckFailed("the exported workbook does not hold the member's name")
    return f"{done.rows} row, {out.stat().st_size // 1024} KB"


def _read_payer_answer(_run: _Run) -> str:
    """A payer's 999 validated by pyx12: proves the bundle holds pyx12 and its X12 maps."""
    from hhdesk.exports.x12_responses import validate

    isa = f"ISA*00*{'':10}*00*{'':10}*ZZ*{'PAYER':<15}*ZZ*{'AGENCY':<15}*261201*1200*^*00501*000000501*0*T*:~"
    accepted = (isa + "GS*FA*PAYER*AGENCY*20261201*1200*501*X*005010X231A1~ST*999*0001*005010X231A1~"
                "AK1*HC*1*005010X223A2~AK2*837*0001*005010X223A2~IK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*501~"
                "IEA*1*000000501~")
    if validate(accepted):
        raise SmokeCheckFailed("pyx12 refused a valid 999 acknowledgement")
    if not validate(accepted.replace("IK5*A~", "IK5*Q~")):
        raise SmokeCheckFailed("pyx12 accepted a 999 with an unknown code")
    return "a valid 999 accepted, a wrong one refused"


def _icd10_codes(run: _Run) -> str:
    from hhdesk.domain import conditions

    description = conditions.icd10_description(SMOKE_ICD10_CODE)
    if not description:
        raise SmokeCheckFailed(f"the ICD-10-CM code set does not know {SMOKE_ICD10_CODE}")
    return f"{SMOKE_ICD10_CODE}: {description}"


def _render_packet(run: _Run) -> str:
    from hhdesk.documents import packet, samples

    pdf = packet.render_packet(samples.sample_packet(), samples.sample_letterhead())
    if not pdf.startswith(b"%PDF-"):
        raise SmokeCheckFailed("the packet renderer did not return a PDF")
    if FONT_EMBEDDED_MARKER not in pdf:
        raise SmokeCheckFailed("the packet PDF has no embedded TrueType font (bundled fonts not used)")
    run.pdf_path = run.folder / "packet.pdf"
    run.pdf_path.write_bytes(pdf)
    return f"{len(pdf) // 1024} KB"


def _probe_host(run: _Run) -> str:
    # A workstation proves the agency's host with its pinned certificate before it sends a password: the
    # build must carry Python's TLS and load a certificate as joining does.
    import socket

    from hhdesk.db.cluster import make_certificate
    from hhdesk.db.host_probe import Answer, probe_host

    certificate, _key = make_certificate(["hhdesk-host"], ["127.0.0.1"])
    pinned = run.folder / "host.crt"
    pinned.write_bytes(certificate)
    with socket.socket() as unused:  # a port that nothing listens on once this closes
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = probe_host("127.0.0.1", port, "hhdesk-host", pinned, timeout=2.0)
    if result.answer is not Answer.REFUSED:
        raise SmokeCheckFailed(f"a closed port was taken for {result.answer.value}, not a stopped service")
    return "pinned certificate loaded; a closed port told as a stopped service"


def _start_qt(run: _Run) -> str:
    from hhdesk.ui import smoke as ui_smoke

    run.qt = ui_smoke.start_qt()
    return f"Qt {run.qt.qt_version}, platform {run.qt.platform}"


def _check_bindings(run: _Run) -> str:
    from hhdesk.ui import smoke as ui_smoke

    return ui_smoke.check_bindings()


def _load_pdf(run: _Run) -> str:
    from hhdesk.ui import smoke as ui_smoke

    assert run.pdf_path is not None
    pages = ui_smoke.check_pdf(run.pdf_path)
    return f"{pages} pages"


def _open_window(run: _Run) -> str:
    from hhdesk.ui import smoke as ui_smoke

    return ui_smoke.open_and_close_main_window(run.session, timeout_s=WINDOW_CLOSE_TIMEOUT_S)


def _steps() -> list[tuple[str, Callable[[_Run], str]]]:
    return [
        ("create store", _create_store),
        ("log in", _log_in),
        ("write member", _write_member),
        ("read member", _read_member),
        ("export list (.xlsx)", _export_list),
        ("read a payer's 999", _read_payer_answer),
        ("ICD-10-CM code set", _icd10_codes),
        ("render packet PDF", _render_packet),
        ("probe a host (TLS)", _probe_host),
        ("start Qt", _start_qt),
        ("Qt bindings refcounts", _check_bindings),
        ("load PDF with QtPdf", _load_pdf),
        ("open main window", _open_window),
    ]


# ---- plumbing ---------------------------------------------------------------------------------------


@contextmanager
def _smoke_environment() -> Iterator[Path]:
    """A temporary folder that is also the data folder (window prefs, logs, backups), offscreen Qt unless
    the caller chose a platform; the environment is put back afterwards, for callers in the same process."""
    saved = {name: os.environ.get(name) for name in ("HHDESK_DATA_DIR", "QT_QPA_PLATFORM")}
    with tempfile.TemporaryDirectory(prefix="hhdesk-smoke-", ignore_cleanup_errors=True) as temp:
        folder = Path(temp)
        os.environ["HHDESK_DATA_DIR"] = str(folder / "data")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        try:
            yield folder
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _clean_up(run: _Run) -> None:
    """Close what the steps opened, so the temporary folder can go (Windows keeps open files)."""
    if run.session is not None:
        run.session.close()  # a second close after the window's log out is harmless


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UserError) or getattr(exc, "is_check_failure", False):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _say(out: TextIO | None, line: str) -> None:
    # A windowed build on Windows has no console: sys.stdout is None there, and the exit status speaks.
    if out is not None:
        print(line, file=out, flush=True)
