"""Screenshots of the first-run wizard's team pages on one screen size: a workstation joining the agency's host (its
join file read, the fingerprint to compare) and the host's own setup page, filled in.

Run under a virtual display of the size wanted, once per size:
  xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.ui.team_screenshots
  xvfb-run -a -s "-screen 0 1366x768x24" env QT_QPA_PLATFORM=xcb .venv/bin/python -m tests.ui.team_screenshots
It starts a throwaway server (tests/pg/server.py), creates an agency in it, writes a join file for it, and names
the PNGs after the screen: team-join-1600x1000.png, team-host-1600x1000.png, ...
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QApplication, QWizard

from benchmarks.throwaway_server import throwaway_server
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


if __name__ == "__main__":
    main()
