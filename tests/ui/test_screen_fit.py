"""Every window fits the screens clinics have: a 1366×768 laptop (taskbar 40 px), and the same at 150 % scaling
(910×485 logical pixels). The available screen geometry is set small here; each dialog is shown and every
button it has must lie inside that area. Windows remember their size per user; the PDF preview zooms and
prints with Ctrl+P."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from hhdesk.domain.enums import ConsentKind, DirectoryKind, ReferralCategory, TransitionSetting
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import careplans, directory, enrolment, members, referrals, transitions, users, worklist
from hhdesk.services.billing import ExportFormat
from hhdesk.services.context import AppSession
from hhdesk.services.referrals import NewReferral
from hhdesk.services.transitions import EpisodeInput
from hhdesk.ui import window_placement
from hhdesk.ui.dialogs import pdf_preview
from hhdesk.ui.dialogs.about import AboutDialog
from hhdesk.ui.dialogs.billing_export import ExportDialog
from hhdesk.ui.dialogs.careplan_dialogs import SharedWithPcpDialog, SignCarePlanDialog
from hhdesk.ui.dialogs.change_password import ChangePasswordDialog
from hhdesk.ui.dialogs.directory_dialogs import AddToCareTeamDialog, CareTeamLinkDialog, DirectoryEntryDialog
from hhdesk.ui.dialogs.enrolment_dialogs import (
    AppropriatenessDialog,
    ConsentDialog,
    ImageViewer,
    SegmentDialog,
    TierDialog,
)
from hhdesk.ui.dialogs.import_contacts import ImportContactsDialog
from hhdesk.ui.dialogs.login import LoginDialog
from hhdesk.ui.dialogs.member_dialogs import AssignDialog, NewMemberDialog
from hhdesk.ui.dialogs.pdf_preview import PdfPreviewDialog
from hhdesk.ui.dialogs.print_packets import PrintPacketsDialog
from hhdesk.ui.dialogs.recover import RecoverDialog
from hhdesk.ui.dialogs.referral_dialogs import NewReferralDialog, StatusChangeDialog
from hhdesk.ui.dialogs.roster_import import RosterImportDialog
from hhdesk.ui.dialogs.setup_wizard import SetupWizard
from hhdesk.ui.dialogs.transition_dialogs import (
    CloseEpisodeDialog,
    DischargeDialog,
    DoneAtDialog,
    NotApplicableDialog,
    OpenEpisodeDialog,
)
from hhdesk.ui.dialogs.users import AddUserDialog, EditUserDialog, SetPasswordDialog
from hhdesk.ui.views.chart_conditions import CategoryDialog, FreeTextConditionDialog
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.ui.conftest import ADMIN, UiStore

LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 with a 40-pixel taskbar
LAPTOP_150 = QRect(0, 0, 910, 485)  # the same at 150 % scaling, in Qt's logical pixels
NOW = datetime(2026, 11, 20, 10, 0)


@pytest.fixture
def screen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[QRect], None]]:
    """Install the placement filter and set the available screen geometry the windows see; the filter goes
    again afterwards, so that later tests see the application as they expect it."""
    window_placement.install(QApplication.instance())

    def set_area(area: QRect) -> None:
        monkeypatch.setattr(window_placement, "available_geometry", lambda _widget: QRect(area))

    set_area(LAPTOP)
    yield set_area
    window_placement.uninstall()


def two_page_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=letter)
    for number in (1, 2):
        page.drawString(72, 720, f"Page {number}")
        page.showPage()
    page.save()
    return out.getvalue()


def assert_on_screen(window: QWidget, area: QRect) -> None:
    frame = window.frameGeometry()
    assert area.contains(frame), f"{type(window).__name__} at {frame} is not inside {area}"
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisibleTo(window) and b.width() > 0]
    assert buttons, f"{type(window).__name__} shows no buttons"
    for button in buttons:
        top_left = button.mapTo(window, QPoint(0, 0)) + window.geometry().topLeft()
        rect = QRect(top_left, button.size())
        # A button scrolled out of a scroll area is reachable by scrolling; the dialog's own buttons are not
        # inside one, so they must be in the area as they are.
        if _in_scroll_area(button):
            continue
        assert area.contains(rect), f"{type(window).__name__}: “{button.text()}” at {rect} is off {area}"


def _in_scroll_area(widget: QWidget) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


@pytest.fixture
def world(ui_store_with_members: UiStore, login_as: Callable[[str], AppSession]) -> dict[str, Any]:
    """As the administrator: Núñez with a consent, a care plan draft, an episode and a referral."""
    admin = login_as(ADMIN)
    member = members.find_by_medicaid_id(admin, "AB12345C")
    assert member is not None
    housing = directory.create_entry(admin, directory.DirectoryEntryInput(
        name="Dutchess Housing Coalition", phone="(845) 555-0300", categories=("housing",)))
    pcp = directory.create_entry(admin, directory.DirectoryEntryInput(
        name="Dr. Ana Ortiz", kind=DirectoryKind.PERSON, organisation="Hudson Family Medicine", categories=("pcp",)))
    link = directory.add_to_care_team(admin, member, pcp.id, "pcp", True)
    draft = careplans.create_first_draft(admin, member)
    episode = transitions.open_episode(admin, member, EpisodeInput(
        TransitionSetting.INPATIENT_MEDICAL, (NOW - timedelta(days=2)).date(), NOW - timedelta(days=2),
        facility_name="Albany Medical Center"), now=NOW)
    referral = referrals.create_referral(admin, NewReferral(
        member_id=member, directory_entry_id=housing.id, category=ReferralCategory.HOUSING,
        reason="Lives in a shelter", consent_to_share=True, sent_on=NOW.date()), today=NOW.date())
    condition = enrolment.add_condition(admin, member, icd10="E11.9")
    return {
        "admin": admin, "member": member, "link": link, "draft": draft, "episode": episode,
        "row": referrals.member_referrals(admin, member, today=NOW.date())[0], "condition": condition,
        "user": next(u for u in users.list_users(admin) if u.username == "cm1"), "referral": referral,
    }


def dialog_factories(w: dict[str, Any], store: Path) -> Iterator[Callable[[], QWidget]]:
    app, member = w["admin"], w["member"]
    episode = w["episode"]
    yield lambda: AboutDialog(store_path=store)
    yield lambda: ExportDialog(ServiceMonth(2026, 10), ExportFormat.CSV, [])
    yield lambda: SignCarePlanDialog(app, w["draft"], "Núñez, José", None, today=NOW.date())
    yield lambda: SharedWithPcpDialog(app, w["draft"], today=NOW.date())
    yield lambda: ChangePasswordDialog(app)
    yield lambda: DirectoryEntryDialog(app)
    yield lambda: AddToCareTeamDialog(app, member, "Núñez, José")
    yield lambda: CareTeamLinkDialog(app, w["link"])
    yield lambda: SegmentDialog(app, member, "disenrol", "Núñez, José")
    yield lambda: ConsentDialog(app, member, ConsentKind.CONSENT, "Núñez, José")
    yield lambda: TierDialog(app, member)
    yield lambda: AppropriatenessDialog(app, member, ())
    yield lambda: ImageViewer(window_placement_test_png(), "Signature page")
    yield lambda: ImportContactsDialog(app)
    yield lambda: LoginDialog(store)
    yield lambda: NewMemberDialog(app)
    yield lambda: AssignDialog(app, [member])
    yield lambda: PdfPreviewDialog(two_page_pdf(), "Referral letter", "letter.pdf", rerender=lambda _p: b"")
    yield lambda: PrintPacketsDialog(app, [member])
    yield lambda: RecoverDialog(store, ADMIN)
    yield lambda: NewReferralDialog(app, member, "Núñez, José", today=NOW.date())
    yield lambda: StatusChangeDialog(app, w["row"], today=NOW.date())
    yield lambda: RosterImportDialog(app)
    yield lambda: SetupWizard(store.with_name("new.hhdesk"))
    yield lambda: OpenEpisodeDialog(app, member, now=NOW)
    yield lambda: DischargeDialog(app, episode, now=NOW)
    yield lambda: CloseEpisodeDialog(app, episode)
    yield lambda: NotApplicableDialog(app, episode.items[1])
    yield lambda: DoneAtDialog(app, episode.items[1])
    yield lambda: AddUserDialog(app)
    yield lambda: EditUserDialog(app, w["user"])
    yield lambda: SetPasswordDialog(app, "cm1")
    yield lambda: CategoryDialog(app, w["condition"])
    yield lambda: FreeTextConditionDialog(app, member)
    yield lambda: MemberChartWindow(app, member, "transitions")


def window_placement_test_png() -> bytes:
    from hhdesk.documents.samples import sample_logo_png

    return sample_logo_png(600, 1400)  # a tall scanned page


@pytest.mark.parametrize("area", [LAPTOP, LAPTOP_150], ids=["1366x768", "1366x768-at-150%"])
def test_every_dialog_shows_its_buttons_on_a_small_screen(qtbot: Any, screen: Any, world: dict[str, Any],
                                                         ui_store: UiStore, area: QRect) -> None:
    screen(area)
    checked = 0
    for make in dialog_factories(world, ui_store.path):
        window = make()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        assert_on_screen(window, area)
        window.close()
        checked += 1
    assert checked >= 35


def test_the_main_window_fits_and_stays_within_the_screen_on_every_section(
        qtbot: Any, screen: Any, ui_store_with_members: UiStore, login_as: Any, main_window: Any) -> None:
    screen(LAPTOP_150)
    window = main_window(login_as(ADMIN))
    for key in window.section_keys():
        window.show_section(key)
        QApplication.processEvents()
        assert window.width() <= LAPTOP_150.width(), f"{key} widens the window to {window.width()}"
        assert window.minimumSizeHint().width() <= LAPTOP_150.width(), key
        assert LAPTOP_150.contains(window.frameGeometry()), key


def test_windows_remember_their_size_per_user(qtbot: Any, screen: Any, world: dict[str, Any],
                                             login_as: Any) -> None:
    placement = window_placement.placement()
    assert placement is not None
    placement.set_user(ADMIN)
    chart = MemberChartWindow(world["admin"], world["member"])
    qtbot.addWidget(chart)
    chart.show()
    assert LAPTOP.contains(chart.frameGeometry())
    chart.setGeometry(100, 80, 1000, 560)
    chart.close()

    again = MemberChartWindow(world["admin"], world["member"])
    qtbot.addWidget(again)
    again.show()
    assert again.geometry() == QRect(100, 80, 1000, 560)
    again.close()

    placement.set_user("cm1")
    theirs = MemberChartWindow(login_as("cm1"), world["member"])
    qtbot.addWidget(theirs)
    theirs.show()
    assert theirs.size() != again.size()
    theirs.close()

    # A dialog gets its size back, and still opens where Qt puts it.
    first = PdfPreviewDialog(two_page_pdf(), "Letter", "letter.pdf")
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 420)
    first.close()
    second = PdfPreviewDialog(two_page_pdf(), "Letter", "letter.pdf")
    qtbot.addWidget(second)
    second.show()
    assert second.size().toTuple() == (700, 420) and LAPTOP.contains(second.frameGeometry())
    second.close()

    # A size remembered on a bigger screen is cut down to fit a smaller one.
    placement.set_user(ADMIN)
    screen(LAPTOP_150)
    small = MemberChartWindow(world["admin"], world["member"])
    qtbot.addWidget(small)
    small.show()
    assert LAPTOP_150.contains(small.frameGeometry())
    small.close()


def test_the_pdf_preview_zooms_and_prints_with_ctrl_p(qtbot: Any, screen: Any, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    preview = PdfPreviewDialog(two_page_pdf(), "Letter", "letter.pdf")
    qtbot.addWidget(preview)
    preview.show()
    with qtbot.waitActive(preview):
        preview.activateWindow()
    fitting = pdf_preview.QPdfView.ZoomMode.FitToWidth
    assert preview.view.zoomMode() == fitting and not preview.fit_button.isEnabled()
    fitted = preview.zoom_factor()
    preview.zoom_in()
    assert preview.zoom_factor() > fitted and preview.zoom_label.text() == f"{round(preview.zoom_factor() * 100)} %"
    preview.zoom_out()
    preview.zoom_out()
    assert preview.zoom_factor() < fitted
    for _ in range(20):
        preview.zoom_out()
    assert preview.zoom_factor() == pdf_preview.ZOOM_STEPS[0] and not preview.zoom_out_button.isEnabled()
    qtbot.keyClick(preview, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomMode() == fitting and preview.fit_button.isEnabled() is False
    qtbot.keyClick(preview, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert preview.view.zoomMode() != fitting and preview.zoom_factor() > fitted

    printed = tmp_path / "printed.pdf"

    def fake_printer(_parent: Any, _pages: int) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        return printer

    monkeypatch.setattr(pdf_preview, "ask_printer", fake_printer)
    qtbot.keyClick(preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: preview.printed_pages == 2)  # a button's shortcut clicks it after a flash
    assert printed.read_bytes().startswith(b"%PDF")


def _sideways(root: QWidget) -> list[str]:
    """What in `root` would need a horizontal scroll bar: the screen itself, or a list's columns."""
    from PySide6.QtWidgets import QAbstractScrollArea, QTableView

    found = []
    for area in [root, *root.findChildren(QAbstractScrollArea)]:
        if not isinstance(area, QAbstractScrollArea) or not area.isVisibleTo(root.window()):
            continue
        if isinstance(area, QTableView):
            columns = area.horizontalHeader().length()
            if columns > area.viewport().width():
                found.append(f"the list “{area.accessibleName()}” is {columns} px wide in {area.viewport().width()}")
        elif area.horizontalScrollBar().maximum() > 0:
            found.append(f"{type(area).__name__} scrolls {area.horizontalScrollBar().maximum()} px sideways")
    return found


def test_the_lists_fit_a_laptop_at_150_percent_without_scrolling_sideways(
        qtbot: Any, screen: Any, world: dict[str, Any], login_as: Any, main_window: Any) -> None:
    """Worklist, caseload (with the supervisor's counts), billing, referrals and directory, and the chart's
    contacts, care plan and referrals: filters and buttons wrap, columns share the width, long text is
    elided."""
    screen(LAPTOP_150)
    window = main_window(world["admin"])
    window.resize(LAPTOP_150.width(), LAPTOP_150.height() - window_placement.TITLE_BAR_ALLOWANCE)
    problems = []
    for key in ("worklist", "caseload", "referrals", "directory", "billing"):
        section = window.show_section(key)
        if key == "worklist":  # everyone's: the longest count and the care manager column
            section.whose.setCurrentIndex(section.whose.findData(worklist.ALL))
            assert section.items, "the worklist shows what is due"
        qtbot.wait(200)  # the columns are fitted once the resizes have settled
        problems += [f"{key}: {problem}" for problem in _sideways(window.sections.currentWidget())]
    chart = MemberChartWindow(world["admin"], world["member"], "contacts")
    qtbot.addWidget(chart)
    chart.show()
    chart.resize(LAPTOP_150.width(), LAPTOP_150.height() - window_placement.TITLE_BAR_ALLOWANCE)
    for key in ("contacts", "care_plan", "referrals"):
        chart.show_tab(key)
        qtbot.wait(200)
        problems += [f"chart {key}: {problem}" for problem in _sideways(chart)]
    assert problems == []


def test_the_chart_header_wraps_a_long_pcp_name_on_a_laptop_at_150_percent(qtbot: Any) -> None:
    """The PCP's name and practice wrap to a second line instead of running off the chart's right edge."""
    from hhdesk.ui.views.member_chart import ChartHeader

    header = ChartHeader()
    qtbot.addWidget(header)
    header.values["pcp"].setText("Thomas Brennan, MD, Amsterdam Family Practice and Community Health Partners")
    assert header.minimumSizeHint().width() <= LAPTOP_150.width()
