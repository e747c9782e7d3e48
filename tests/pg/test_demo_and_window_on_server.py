"""`hhdesk demo --store URL` fills an empty database; the window opens on a server's URL or connection file,
and its login's password logs in to the server."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from hhdesk.db.server_copy import row_counts
from hhdesk.errors import UserError
from hhdesk.services import caseload
from hhdesk.services.agency import ServerAddress, login
from hhdesk.services.connection_file import read_connection_file, write_connection_file
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_agency
from hhdesk.ui.app import Shell
from hhdesk.ui.dialogs.login import LoginDialog
from hhdesk.ui.views.admin_backups import BackupsTab
from tests.cli.conftest import run
from tests.pg.conftest import AgencyDatabase
from tests.pg.server import TestServer


def test_the_demo_fills_an_empty_database_and_every_demo_account_logs_in(
        pg_server: TestServer, empty_database: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PGPASSWORD", pg_server.superuser_password)
    url = pg_server.url(empty_database).replace("postgresql://", f"postgresql://{pg_server.superuser}@", 1)
    code, out, err = run(capsys, "demo", "--store", url, "--members", "30", "--no-gui")
    assert (code, err) == (0, ""), out
    address = ServerAddress.parse(pg_server.url(empty_database))
    app = login(address, DEMO_USER, DEMO_PASSWORD)
    try:
        with app.read(None) as session:
            counts = row_counts(session.connection())
    finally:
        app.close()
    assert counts["members"] == 30 and counts["contacts"] > 100 and counts["billing_runs"] > 0
    manager = login(address, "mperez", DEMO_STAFF_PASSWORD)
    try:
        assert len(caseload.search(manager, caseload.CaseloadQuery(care_manager=None))) == 30
    finally:
        manager.close()
    with pytest.raises(UserError, match="already holds an hhdesk agency"):
        build_demo_agency(address, pg_server.superuser, pg_server.superuser_password, members=5,
                          today=date(2026, 11, 20))


def test_a_connection_file_names_the_server_and_its_certificate_beside_it(agency: AgencyDatabase,
                                                                          tmp_path: Path) -> None:
    folder = tmp_path / "handed-out"
    folder.mkdir()
    (folder / "agency-ca.crt").write_bytes(agency.address.root_certificate.read_bytes())
    url = agency.url.split("sslrootcert=")[0] + "sslrootcert=agency-ca.crt"
    write_connection_file(folder / "riverside.hhserver", url)
    resolved = ServerAddress.parse(read_connection_file(folder / "riverside.hhserver"))
    assert resolved.root_certificate == (folder / "agency-ca.crt").resolve()
    app = login(resolved, agency.admin, agency.admin_password)
    app.close()
    (folder / "broken.hhserver").write_text("url = nothing\n", encoding="utf-8")
    with pytest.raises(UserError, match="is not an hhdesk connection file"):
        read_connection_file(folder / "broken.hhserver")


def test_the_window_logs_in_to_the_server_with_the_users_password(qtbot: Any, agency: AgencyDatabase,
                                                                  tmp_path: Path) -> None:
    write_connection_file(tmp_path / "agency.hhserver", agency.url)
    shell = Shell(tmp_path / "agency.hhserver")
    shell.start()
    dialog = shell.login
    assert isinstance(dialog, LoginDialog)
    qtbot.addWidget(dialog)
    assert dialog.server is not None and dialog.server.display == agency.address.display
    dialog.username.setText(agency.admin)
    dialog.password.setText("not the password")
    assert not dialog.try_login()
    assert dialog.message.text().startswith("Wrong user name or password for the server")
    dialog.password.setText(agency.admin_password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window = shell.window
    assert window is not None
    qtbot.addWidget(window)
    assert window.store_label.text() == f"Server: {agency.address.display}"
    window.show_section("admin")
    backups = BackupsTab(window)  # the Admin section's Backups tab, as it is on a server
    assert backups.backup_button.isVisibleTo(backups) and not backups.restore_button.isVisibleTo(backups)
    window.app.close()
    window.close()
