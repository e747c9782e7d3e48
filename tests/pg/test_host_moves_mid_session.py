"""The agency's host gets a new address while people work (the router gave it another one and it restarted): an
open session finds it again at its next read or save, as a workstation does at start, says so once, and goes on;
a host that is gone for good gives the sentence it gives at start, and nothing typed in the window is lost.

The host is a server of its own, on this computer's loopback addresses: it listens on 127.0.0.2 while the
session opens, then "moves" to 127.0.0.1 (restarted there, which also drops every pooled connection)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hhdesk.cli.main import main
from hhdesk.errors import ServerUnreachable
from hhdesk.services import settings, users, workstation_join
from hhdesk.services.agency import ServerAddress, create_agency, login
from hhdesk.services.context import AppSession
from hhdesk.services.join_file import write_join_file
from hhdesk.services.settings import AgencyInfo
from tests.pg.conftest import ADMIN_PASSWORD, binaries_or_skip
from tests.pg.server import TestServer

OLD_ADDRESS = "127.0.0.2"  # where the host is when the session opens
NEW_ADDRESS = "127.0.0.1"  # where the router puts it meanwhile
MOVED = f"The host has a new address, {NEW_ADDRESS}; hhdesk will use it from now on."


class MovingHost:
    """A server that can be restarted on another loopback address, or stopped."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.listening = NEW_ADDRESS  # where TestServer.start() puts it
        self.databases = 0
        (server.data / "pg_hba.conf").write_text("hostssl all all 127.0.0.0/8 scram-sha-256\n")

    def listen_on(self, addresses: str) -> None:
        """Restart the server listening on ``addresses`` only (started if it was stopped)."""
        if addresses == self.listening:
            return
        with (self.server.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '{addresses}'\n")  # the last line wins
        action = "restart" if self.listening else "start"
        done = self.server._run(self.server.binaries / "pg_ctl", "-D", self.server.data, "-l", self.server.log,
                                "-m", "fast", "-w", "-t", "60", action)
        assert done.returncode == 0, done.stderr
        self.listening = addresses

    def move(self) -> None:
        self.listen_on(NEW_ADDRESS)

    def disappear(self) -> None:
        done = self.server._run(self.server.binaries / "pg_ctl", "-D", self.server.data, "-m", "fast", "-w", "stop")
        assert done.returncode == 0, done.stderr
        self.listening = ""


@pytest.fixture(scope="module")
def moving_server(request: pytest.FixtureRequest) -> Iterator[MovingHost]:
    server = TestServer(binaries_or_skip(request))
    server.start()
    yield MovingHost(server)
    server.stop()


@dataclass(frozen=True)
class Agency:
    host: MovingHost
    database: str
    admin: str


@pytest.fixture
def agency(moving_server: MovingHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Agency:
    """A new agency on the host, and this test's workstation (its own data folder); the host at OLD_ADDRESS."""
    monkeypatch.setenv("HHDESK_DATA_DIR", str(tmp_path / "workstation"))
    moving_server.listen_on(NEW_ADDRESS)  # where the server's own test helpers reach it
    moving_server.databases += 1
    database, admin = f"moving{moving_server.databases}", f"adm_moving{moving_server.databases}"
    server = moving_server.server
    server.create_database(database)
    create_agency(ServerAddress.parse(server.url(database)), server.superuser, server.superuser_password,
                  AgencyInfo(name="Hudson Valley Health Home"), admin, ADMIN_PASSWORD, "Ada Admin")
    moving_server.listen_on(OLD_ADDRESS)
    return Agency(moving_server, database, admin)


def _join(agency: Agency, tmp_path: Path, *, addresses: tuple[str, ...] = (OLD_ADDRESS, NEW_ADDRESS),
          computer_name: str = "") -> workstation_join.JoinedHost:
    path = tmp_path / "riverside.hhjoin"
    write_join_file(path, agency.host.server.join_details(agency.database, addresses=addresses,
                                                          computer_name=computer_name))
    return workstation_join.join(path)


def _open_session(agency: Agency, tmp_path: Path, heard: list[str], **join: Any) -> AppSession:
    """Join, find the host where it is now (at OLD_ADDRESS: nothing to say), log in and listen."""
    url = workstation_join.reach(_join(agency, tmp_path, **join), heard.append)
    app = login(ServerAddress.parse(url), agency.admin, ADMIN_PASSWORD)
    workstation_join.tell_when_host_moves(app, heard.append)
    assert heard == []
    return app


def _server_address(app: AppSession) -> str:
    with app.read(None) as session:
        return str(session.connection().exec_driver_sql("SELECT host(inet_server_addr())").scalar())


def test_the_next_save_finds_the_moved_host_at_another_known_address_and_says_so_once(agency: Agency,
                                                                                     tmp_path: Path) -> None:
    heard: list[str] = []
    app = _open_session(agency, tmp_path, heard)
    try:
        assert _server_address(app) == OLD_ADDRESS  # a pooled connection to the old address
        agency.host.move()
        settings.update_agency(app, AgencyInfo(name="Hudson Valley Health Home East"))
        assert heard == [MOVED]
        assert settings.get_agency(app).name == "Hudson Valley Health Home East"
        assert _server_address(app) == NEW_ADDRESS
        assert heard == [MOVED], "said once"
    finally:
        app.close()
    remembered = workstation_join.joined_host()
    assert remembered is not None and remembered.details.addresses == (NEW_ADDRESS, OLD_ADDRESS)


def test_a_host_moved_to_an_address_it_never_had_is_found_by_its_computer_name(agency: Agency,
                                                                             tmp_path: Path) -> None:
    heard: list[str] = []
    app = _open_session(agency, tmp_path, heard, addresses=(OLD_ADDRESS,), computer_name="localhost")
    try:
        agency.host.move()
        assert [u.username for u in users.list_users(app)] == [agency.admin]
        assert heard == [MOVED]
    finally:
        app.close()


def test_a_login_after_the_move_goes_to_the_new_address_without_saying_it_again(agency: Agency,
                                                                              tmp_path: Path) -> None:
    # The window's log out and log in again keeps the address it started with: the one the host left.
    heard: list[str] = []
    first = _open_session(agency, tmp_path, heard)
    old_url = first.store.address.url  # type: ignore[attr-defined]  # a ServerStore
    try:
        agency.host.move()
        assert _server_address(first) == NEW_ADDRESS and heard == [MOVED]
    finally:
        first.close()
    again = login(ServerAddress.parse(old_url), agency.admin, ADMIN_PASSWORD)
    try:
        workstation_join.tell_when_host_moves(again, heard.append)
        assert _server_address(again) == NEW_ADDRESS and heard == [MOVED]
    finally:
        again.close()


def test_connections_that_fail_together_look_once_and_the_first_listener_hears_it(agency: Agency,
                                                                                   tmp_path: Path) -> None:
    # The window's thread and its worker's can both find their connection gone when the host moves.
    old = ServerAddress.parse(_join(agency, tmp_path).url())
    finder = workstation_join.finder_for(old)
    assert finder is not None
    agency.host.move()
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(finder, [old] * 4))
    assert {address.hostaddr for address in found} == {NEW_ADDRESS}
    heard: list[str] = []
    finder.tell_to(heard.append)  # the window opens after the login that found it
    assert heard == [MOVED]
    assert workstation_join.finder_for(ServerAddress.parse(agency.host.server.url(agency.database))) is None, \
        "a server named by its own certificate file is not a joined host to look for"


def test_a_host_that_disappeared_gives_the_sentence_it_gives_at_start(agency: Agency, tmp_path: Path) -> None:
    heard: list[str] = []
    app = _open_session(agency, tmp_path, heard)
    try:
        agency.host.disappear()
        with pytest.raises(ServerUnreachable) as caught:
            settings.update_agency(app, AgencyInfo(name="Hudson Valley Health Home East"))
        assert str(caught.value).startswith(f"The agency's host does not accept connections on port "
                                            f"{agency.host.server.port} at {OLD_ADDRESS}: its database service is "
                                            "stopped")
        assert heard == []
        agency.host.move()  # back, at its new address: the same session goes on
        assert settings.get_agency(app).name == "Hudson Valley Health Home"
        assert heard == [MOVED]
    finally:
        app.close()


def test_a_command_running_when_the_host_moves_finishes_and_says_so_on_stderr(
        agency: Agency, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "riverside.hhjoin"
    write_join_file(path, agency.host.server.join_details(agency.database, addresses=(OLD_ADDRESS, NEW_ADDRESS)))
    assert main(["join", str(path)]) == 0
    capsys.readouterr()
    list_users = users.list_users

    def moved_meanwhile(app: AppSession) -> Any:  # the host moves while the command runs
        agency.host.move()
        return list_users(app)

    monkeypatch.setattr(users, "list_users", moved_meanwhile)
    monkeypatch.setenv("HHDESK_PASSWORD", ADMIN_PASSWORD)
    assert main(["users", "list", "--user", agency.admin]) == 0
    out, err = capsys.readouterr()
    assert agency.admin in out
    assert err == f"hhdesk: {MOVED}\n"


def test_the_window_says_it_beside_the_saved_message_and_keeps_a_form_when_the_host_is_gone(
        qtbot: Any, agency: Agency, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hhdesk.ui.dialogs import common
    from hhdesk.ui.main_window import MainWindow
    from hhdesk.ui.views.member_caseload import MemberCaseloadView

    # closing the window with a form still open asks what to do with it: here, without a modal box
    monkeypatch.setattr(common, "ask_save_discard_cancel", lambda *_args: "discard")
    heard: list[str] = []
    app = _open_session(agency, tmp_path, heard)
    window = MainWindow(app)
    qtbot.addWidget(window)
    try:
        view = window.show_section("caseload")
        assert isinstance(view, MemberCaseloadView)
        dialog = view.open_new_member()
        _fill(dialog, "AB12345C", "Rivera")
        agency.host.move()
        assert dialog.save()
        assert window.statusBar().currentMessage() == "Member added."
        window.statusBar().clearMessage()  # its few seconds pass
        assert window.host_notice.text() == MOVED and window.host_notice.isVisibleTo(window)

        dialog = view.open_new_member()
        _fill(dialog, "CD67890E", "Okafor")
        agency.host.disappear()
        assert not dialog.save()
        assert dialog.message.text().startswith("The agency's host does not accept connections")
        assert (dialog.medicaid_id.text(), dialog.last_name.text()) == ("CD67890E", "Okafor"), "nothing is lost"
        assert dialog.isVisible()
        agency.host.move()
        assert dialog.save(), "the same form saves once the host is back"
    finally:
        window.app.close()
        window.close()


def _fill(dialog: Any, medicaid_id: str, last_name: str) -> None:
    dialog.medicaid_id.setText(medicaid_id)
    dialog.last_name.setText(last_name)
    dialog.first_name.setText("Ana")
    dialog.dob.set_value(date(1980, 4, 2))
