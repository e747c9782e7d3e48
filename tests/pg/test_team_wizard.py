"""The first-run wizard's team pages: a workstation joins the agency's host (the real service, a real server) and
logs in; the host page hands its form to the host's setup and shows what the workstations need.

The host page's tests replace `setup_host` with a test double that writes a real join file for the test server:
creating a host cluster is that module's own tests' work (tests/pg/test_host_setup.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from hhdesk.cli.common import default_store
from hhdesk.errors import UserError
from hhdesk.services import host_setup, workstation_join
from hhdesk.services.host_checks import HostCheck
from hhdesk.services.host_setup import HostSetupReport, HostSetupRequest
from hhdesk.services.join_file import write_join_file
from hhdesk.ui import workers
from hhdesk.ui.app import Shell
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.setup_wizard import SetupWizard
from hhdesk.ui.dialogs.team_setup_pages import fingerprint_lines
from hhdesk.ui.main_window import MainWindow
from tests.pg.conftest import AgencyDatabase
from tests.pg.server import HOST_NAME
from tests.ui.immediate_pool import ImmediatePool


@pytest.fixture(autouse=True)
def immediate_jobs() -> Iterator[None]:
    previous = workers.use_pool(ImmediatePool())
    yield
    workers.use_pool(previous)


def _click(qtbot: Any, wizard: QWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button.isEnabled(), f"{button.text()} is not enabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _to_join_page(qtbot: Any, wizard: SetupWizard, join_file: Path) -> None:
    wizard.intro_page.workstation.setChecked(True)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.join_page
    wizard.join_page.path.setText(str(join_file))
    wizard.join_page.path.editingFinished.emit()


def test_a_workstation_joins_from_the_wizard_and_logs_in(qtbot: Any, agency: AgencyDatabase, tmp_path: Path) -> None:
    details = agency.server.join_details(agency.database)
    join_file = tmp_path / "riverside.hhjoin"
    write_join_file(join_file, details)
    quits: list[bool] = []
    shell = Shell(tmp_path / "no-store-here.hhdesk", quit=lambda: quits.append(True))
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    _to_join_page(qtbot, wizard, join_file)
    page = wizard.join_page
    assert page.organization.text() == "Hudson Valley Health Home"
    assert page.fingerprint.text() == fingerprint_lines(details.fingerprint)
    assert page.fingerprint.text().count("\n") == 3  # 32 pairs, eight to a line
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish.text() == "&Join the host" and not finish.isEnabled(), "the fingerprint is compared first"
    page.matches.setChecked(True)
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    login = shell.login
    assert login is not None and shell.wizard is None and not quits
    assert login.notice.text().startswith("This computer now works on the agency's host")
    assert isinstance(shell.store_path, str) and HOST_NAME in shell.store_path
    login.username.setText(agency.admin)
    login.password.setText(agency.admin_password)
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    assert isinstance(shell.window, MainWindow)
    shell.window.app.close()
    shell.window.close()

    # The next start: the joined host is the default store; no wizard, no offer to create a store
    again = Shell(default_store(), quit=lambda: None)
    again.start()
    assert again.wizard is None and again.login is not None
    again.login.close()


def test_the_wizard_refuses_a_computer_that_is_not_the_host(qtbot: Any, agency: AgencyDatabase,
                                                           tmp_path: Path) -> None:
    server = agency.server
    join_file = tmp_path / "riverside.hhjoin"
    write_join_file(join_file, server.join_details(agency.database, pinned=server.stranger))
    wizard = SetupWizard(tmp_path / "no-store-here.hhdesk")
    qtbot.addWidget(wizard)
    wizard.show()
    _to_join_page(qtbot, wizard, join_file)
    wizard.join_page.matches.setChecked(True)
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.isVisible() and wizard.currentPage() is wizard.join_page
    assert wizard.join_page.message.text().startswith("The computer at 127.0.0.1 is not the agency's host")
    assert wizard.joined_host is None and workstation_join.joined_host() is None


def test_a_damaged_join_file_is_said_on_the_page(qtbot: Any, tmp_path: Path) -> None:
    join_file = tmp_path / "riverside.hhjoin"
    join_file.write_text("not json")
    wizard = SetupWizard(tmp_path / "no-store-here.hhdesk")
    qtbot.addWidget(wizard)
    wizard.show()
    _to_join_page(qtbot, wizard, join_file)
    assert wizard.join_page.message.text() == ("riverside.hhjoin is not an hhdesk join file: ask the administrator "
                                               "for a new join file.")
    assert not wizard.join_page.details_form.isVisible()


# ---- the host page, with a test double for host_setup.setup_host --------------------------------------------------

RECOVERY_KEY = "P7EF-DLV7-5NX4-WYI4-5WKZ-7KSJ-LNSJ-Z32A-ADYA-NMO3-AD3O-6R4V-IPOA"


@pytest.fixture
def host_setup_double(monkeypatch: pytest.MonkeyPatch, agency: AgencyDatabase) -> list[HostSetupRequest]:
    """Stands in for the host's setup: says its steps, writes a real join file for the test server's agency (whose
    administrator is then the form's), and reports its checks. An unencrypted disk without a reason is refused,
    as the real setup refuses it."""
    asked: list[HostSetupRequest] = []

    def setup_host(request: HostSetupRequest, progress: Callable[[str], None]) -> HostSetupReport:
        asked.append(request)
        progress("Checking this computer")
        if request.allow_unencrypted_disk is None:
            raise UserError("The data folder's disk is not encrypted: turn on disk encryption (BitLocker, FileVault "
                            "or LUKS), or give a reason to go on without it.")
        progress("Creating the agency's database")
        request.data_dir.mkdir(parents=True)
        details = agency.server.join_details(agency.database)
        write_join_file(request.join_file, details)
        return HostSetupReport(request.join_file, details.fingerprint, "postgresql://…", [
            HostCheck("Operating system", True, "Linux, supported", False),
            HostCheck("Disk encryption", False, "The disk is not encrypted; the administrator went on: "
                      f"{request.allow_unencrypted_disk}", True),
            HostCheck("Sleep", None, "hhdesk could not tell whether this computer sleeps", False)],
            recovery_key=RECOVERY_KEY, nightly_backup="The nightly backup runs every night at 03:15.")

    monkeypatch.setattr(host_setup, "setup_host", setup_host)
    return asked


def _fill_host_page(wizard: SetupWizard, tmp_path: Path, admin: str, password: str) -> None:
    page = wizard.host_page
    page.data_folder.setText(str(tmp_path / "host-data"))
    page.join_file.setText(str(tmp_path / "host-data" / "riverside.hhjoin"))
    page.organization.setText("Hudson Valley Health Home")
    page.admin.setText(admin)
    page.passwords.first.setText(password)
    page.passwords.second.setText(password)


def test_the_host_page_sets_up_shows_the_fingerprint_and_logs_in(qtbot: Any, agency: AgencyDatabase,
                                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 host_setup_double: list[HostSetupRequest]) -> None:
    shell = Shell(tmp_path / "no-store-here.hhdesk", quit=lambda: None)
    shell.start()
    wizard = shell.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    wizard.intro_page.host.setChecked(True)
    _click(qtbot, wizard, QWizard.WizardButton.NextButton)
    page = wizard.host_page
    assert wizard.currentPage() is page
    _fill_host_page(wizard, tmp_path, agency.admin, agency.admin_password)
    commit = wizard.button(QWizard.WizardButton.CommitButton)
    assert commit.text() == "&Set up this computer" and commit.isEnabled()

    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)  # refused: the disk is not encrypted
    assert page.message.text().startswith("The data folder's disk is not encrypted")
    assert wizard.currentPage() is page and page.passwords.first.text() == agency.admin_password

    page.unencrypted.setChecked(True)
    assert not commit.isEnabled(), "an override needs its reason"
    page.reason.setText("The encrypted laptop arrives next week; the office is locked")
    _click(qtbot, wizard, QWizard.WizardButton.CommitButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.host_ready_page)
    request = host_setup_double[-1]
    assert (request.org, request.admin, request.port, request.import_store) == (
        "Hudson Valley Health Home", agency.admin, 5432, None)
    assert request.allow_unencrypted_disk == "The encrypted laptop arrives next week; the office is locked"
    assert request.data_dir == tmp_path / "host-data"

    ready = wizard.host_ready_page
    fingerprint = agency.server.join_details(agency.database).fingerprint
    assert ready.fingerprint.text() == fingerprint_lines(fingerprint)
    assert ready.join_file.text() == str(tmp_path / "host-data" / "riverside.hhjoin")
    assert ready.findings.text().splitlines() == [
        "✓  Operating system: Linux, supported",
        "✗  Disk encryption: The disk is not encrypted; the administrator went on: The encrypted laptop arrives "
        "next week; the office is locked",
        "?  Sleep: hhdesk could not tell whether this computer sleeps"]
    assert not page.passwords.first.text(), "the password is not kept on the page"
    sheet = ready.sheet_html()
    assert "Hudson Valley Health Home" in sheet and fingerprint.split(":")[0] in sheet
    assert all(line in sheet for line in fingerprint_lines(fingerprint).splitlines())

    assert ready.runs_by_itself.text() == "The nightly backup runs every night at 03:15."
    # The new agency's recovery key is shown once, and the page cannot be left until it is kept.
    assert ready.key_box.isVisible()
    assert ready.recovery_key.text().splitlines() == [
        "P7EF-DLV7-5NX4-WYI4-5WKZ", "7KSJ-LNSJ-Z32A-ADYA-NMO3", "AD3O-6R4V-IPOA"]
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    told: list[str] = []
    monkeypatch.setattr(common, "inform", lambda _parent, _title, text: told.append(text))
    wizard.reject()
    assert wizard.isVisible() and told and "recovery key" in told[0]
    ready.key_confirm.setChecked(True)
    assert finish.isEnabled()

    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)  # "Log in": this computer joins its own host
    login = shell.login
    assert login is not None and login.username.text() == agency.admin
    login.password.setText(agency.admin_password)
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    assert isinstance(shell.window, MainWindow)
    shell.window.app.close()
    shell.window.close()


def test_the_window_says_why_the_host_cannot_be_reached_and_tries_again(qtbot: Any, pg_server: Any, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from tests.pg.server import free_port

    join_file = tmp_path / "riverside.hhjoin"
    write_join_file(join_file, pg_server.join_details("nowhere", port=free_port()))
    host = workstation_join.join(join_file)
    said: list[str] = []
    answers = iter([QMessageBox.StandardButton.Retry, QMessageBox.StandardButton.Close])

    def warning(_parent: Any, _title: str, text: str, *_args: Any) -> QMessageBox.StandardButton:
        said.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "warning", warning)
    quits: list[bool] = []
    shell = Shell(default_store(), quit=lambda: quits.append(True))
    assert shell.store_path == host
    shell.start()
    assert len(said) == 2 and said[0].startswith("The agency's host does not accept connections on port")
    assert quits == [True] and shell.login is None and shell.wizard is None
