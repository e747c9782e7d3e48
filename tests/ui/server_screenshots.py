"""Screenshots of the window connected to an agency's PostgreSQL server: the login that names the server, the
caseload and a member's chart, as a care manager sees them there.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.server_screenshots [OUT_DIR]
It starts a throwaway server as the tests do (tests/pg/server.py: TLS 1.3, SCRAM), fills it with the demo
agency (`hhdesk demo --store URL`'s code), writes the PNGs and stops the server.
"""

from __future__ import annotations

from benchmarks.throwaway_server import throwaway_server
from hhdesk.services.agency import ServerAddress, login
from hhdesk.services.connection_file import write_connection_file
from hhdesk.tools.demo import DEMO_STAFF_PASSWORD, build_demo_agency
from hhdesk.ui.dialogs.login import LoginDialog
from hhdesk.ui.views.member_chart import MemberChartWindow
from tests.ui.screenshot_support import (
    find_member,
    out_dir_argument,
    save,
    screenshot_session,
    settle,
    show_main_window,
)

DATABASE = "riverside"


def main() -> None:
    out = out_dir_argument()
    with screenshot_session(out) as (application, scratch), throwaway_server() as server:
        if server is None:
            return
        server.create_database(DATABASE)
        address = ServerAddress.parse(server.url(DATABASE))
        build_demo_agency(address, server.superuser, server.superuser_password, members=60)

        connection_file = scratch / "riverside.hhserver"
        write_connection_file(connection_file, server.url(DATABASE))
        dialog = LoginDialog(server.url(DATABASE), "mperez")
        dialog.show()
        settle(application)
        save(dialog, out / "server-login.png")
        dialog.close()

        app = login(address, "mperez", DEMO_STAFF_PASSWORD)
        try:
            window = show_main_window(application, app, 1600, 1000)
            save(window, out / "server-caseload.png")
            chart = MemberChartWindow(app, find_member(app).member_id, "contacts")
            chart.resize(1366, 768)
            chart.show()
            settle(application, pause=0.05)
            save(chart, out / "server-chart.png")
            chart.close()
            window.close()
        finally:
            app.close()


if __name__ == "__main__":
    main()
