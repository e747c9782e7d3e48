"""Screenshots of the first-run wizard's team pages on one screen size: a workstation joining the agency's host (its
join file read, the fingerprint to compare) and the host's own setup page, filled in.

Run under a virtual display of the size wanted, once per size:
  xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.ui.team_screenshots
  xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.ui.team_screenshots
It starts a throwaway server (tests/pg/server.py), creates an agency in it, writes a join file for it, and names
the PNGs after the screen: team-join-1600x1000.png, team-host-1600x1000.png, ... The host's last page
(team-host-ready-*.png) comes from a real setup through the page: a cluster made in a scratch folder under /tmp
(root runs it as the postgres account), stopped and removed afterwards; the scheduler's files go to the scratch
folder, and the service is not registered to start with the computer.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWizard

from benchmarks.throwaway_server import throwaway_server
from hhdesk.errors import UserError
from hhdesk.services import host_setup
from hhdesk.services.agency import ServerAddress, create_agency
from hhdesk.services.join_file import write_join_file
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui.dialogs.setup_wizard import SetupWizard
from tests.ui.screenshot_support import out_dir_argument, save, screenshot_session, settle

DATABASE = "riverside"
PASSWORD = "a long admin passphrase"


def _show(application: QApplication, wizard: QWizard) -> None:
    """The wizard at the size it asks for, but never larger than the screen's free area, in its middle."""
    screen = application.primaryScreen().availableGeometry()
    hint = wizard.sizeHint()
    wizard.resize(min(max(hint.width(), 760), screen.width()), min(max(hint.height(), 600), screen.height() - 40))
    wizard.move(screen.center() - wizard.rect().center())
    wizard.show()
    settle(application, pause=0.05)


def main() -> None:
    out = out_dir_argument()
    with screenshot_session(out) as (application, scratch), throwaway_server() as server:
        if server is None:
            return
        size = application.primaryScreen().size()
        suffix = f"{size.width()}x{size.height()}"
        server.create_database(DATABASE)
        create_agency(ServerAddress.parse(server.url(DATABASE)), server.superuser, server.superuser_password,
                      AgencyInfo(name="Riverside Health Home"), "dana", PASSWORD, "Dana Whitfield")
        details = server.join_details(DATABASE, addresses=("192.168.1.20",), computer_name="FRONT-DESK-PC")
        details = replace(details, organization="Riverside Health Home")
        join_file = scratch / "riverside.hhjoin"
        write_join_file(join_file, details)

        wizard = SetupWizard(scratch / "new.hhdesk")
        wizard.intro_page.workstation.setChecked(True)
        _show(application, wizard)
        save(wizard, out / f"team-welcome-{suffix}.png")
        wizard.next()
        wizard.join_page.path.setText(str(join_file))
        wizard.join_page.path.editingFinished.emit()
        wizard.join_page.path.setText("E:\\riverside.hhjoin")  # as a USB stick reads on Windows
        wizard.join_page.matches.setChecked(True)
        settle(application, pause=0.05)
        save(wizard, out / f"team-join-{suffix}.png")
        wizard.close()

        wizard = SetupWizard(scratch / "new.hhdesk")
        wizard.intro_page.host.setChecked(True)
        _show(application, wizard)
        wizard.next()
        page = wizard.host_page
        page.data_folder.setText("C:\\hhdesk-host")
        page.join_file.setText("C:\\hhdesk-host\\riverside.hhjoin")
        page.organization.setText("Riverside Health Home")
        page.admin.setText("dana")
        page.passwords.first.setText(PASSWORD)
        page.passwords.second.setText(PASSWORD)
        page.import_store.setText("C:\\Users\\dana\\AppData\\Local\\hhdesk\\hhdesk.hhdesk")
        page.import_password.setText(PASSWORD)
        settle(application, pause=0.05)
        save(wizard, out / f"team-host-{suffix}.png")
        wizard.close()
        _host_ready(application, out / f"team-host-ready-{suffix}.png")


def _host_ready(application: QApplication, png: Path) -> None:
    """The page after a real setup: the join file, the fingerprint, the recovery key, the checks."""
    folder = Path(tempfile.mkdtemp(prefix="hhdesk-screenshot-host-"))
    folder.chmod(0o755)  # the service account passes through it to its cluster
    data_dir = folder / "hhdesk-host"

    def setup(request: host_setup.HostSetupRequest, progress: Any) -> host_setup.HostSetupReport:
        return host_setup.setup_host(replace(request, start_at_boot=False, schedule_folder=folder / "scheduler",
                                             addresses=("192.168.1.20", "127.0.0.1")), progress)

    wizard = SetupWizard(folder / "new.hhdesk", host_setup=setup)
    try:
        wizard.intro_page.host.setChecked(True)
        _show(application, wizard)
        wizard.next()
        page = wizard.host_page
        page.data_folder.setText(str(data_dir))
        page.join_file.setText(str(data_dir / "riverside.hhjoin"))
        page.organization.setText("Riverside Health Home")
        page.admin.setText("dana")
        page.passwords.first.setText(PASSWORD)
        page.passwords.second.setText(PASSWORD)
        page.unencrypted.setChecked(True)
        page.reason.setText("Screenshot on a test machine whose disk is not encrypted")
        wizard.next()
        deadline = time.monotonic() + 300
        while wizard.currentPage() is not wizard.host_ready_page and time.monotonic() < deadline:
            settle(application, pause=0.2)
        if wizard.currentPage() is not wizard.host_ready_page:
            raise SystemExit(f"The host's setup did not finish: {page.message.text()}")
        settle(application, pause=0.1)
        save(wizard, png)
    finally:
        wizard.hide()
        with contextlib.suppress(UserError):
            host_setup.host_stop(data_dir)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
