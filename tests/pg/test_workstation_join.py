"""A workstation joins the agency's host with a join file, finds it again when its address changes, and says in one
sentence why not when it cannot: a computer that is not the host, a stopped service, nothing answering, a wrong
password. Every case against a real PostgreSQL server."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hhdesk.cli.main import main
from hhdesk.db import host_probe
from hhdesk.errors import InsecureConnection, ServerUnreachable, WrongPassword
from hhdesk.services import workstation_join
from hhdesk.services.agency import ServerAddress, login
from hhdesk.services.join_file import write_join_file
from tests.pg.conftest import AgencyDatabase, binaries_or_skip
from tests.pg.server import HOST_NAME, TestServer, free_port


@pytest.fixture(autouse=True)
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's workstation: its own data folder."""
    folder = tmp_path / "workstation"
    monkeypatch.setenv("HHDESK_DATA_DIR", str(folder))
    return folder


def _join_file(tmp_path: Path, details) -> Path:
    path = tmp_path / "riverside.hhjoin"
    write_join_file(path, details)
    return path


def _said() -> tuple[list[str], Callable[[str], None]]:
    heard: list[str] = []
    return heard, heard.append


def test_a_joined_workstation_logs_in_by_the_fixed_name_at_the_known_address(agency: AgencyDatabase,
                                                                            tmp_path: Path, workstation: Path) -> None:
    details = agency.server.join_details(agency.database)
    host = workstation_join.join(_join_file(tmp_path, details))
    assert workstation_join.joined_host() == host
    assert host.certificate_path.read_text() == details.certificate_pem
    assert host.folder.is_relative_to(workstation)
    heard, say = _said()
    url = workstation_join.reach(host, say)
    address = ServerAddress.parse(url)
    assert (address.host, heard) == (HOST_NAME, [])
    app = login(address, agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            where = session.connection().exec_driver_sql("SELECT inet_server_addr()::text, ssl FROM pg_stat_ssl "
                                                         "WHERE pid = pg_backend_pid()").one()
        assert tuple(where) == ("127.0.0.1/32", True)
    finally:
        app.close()


def test_every_command_without_store_uses_the_joined_host(agency: AgencyDatabase, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _join_file(tmp_path, agency.server.join_details(agency.database))
    assert main(["join", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Joined Hudson Valley Health Home's host" in out and "The host answers with its certificate at 127.0.0.1" in out
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    assert main(["users", "list", "--user", agency.admin]) == 0
    assert agency.admin in capsys.readouterr().out


def test_a_join_file_given_as_store_works_without_joining(agency: AgencyDatabase, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, workstation: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _join_file(tmp_path, agency.server.join_details(agency.database))
    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    assert main(["users", "list", "--store", str(path), "--user", agency.admin]) == 0
    assert agency.admin in capsys.readouterr().out
    assert workstation_join.joined_host() is None  # not made the default


def test_a_different_certificate_at_the_address_is_named_and_nothing_is_kept(agency: AgencyDatabase,
                                                                          tmp_path: Path, workstation: Path) -> None:
    server = agency.server
    path = _join_file(tmp_path, server.join_details(agency.database, pinned=server.stranger))
    with pytest.raises(InsecureConnection) as caught:
        workstation_join.join(path)
    assert str(caught.value).startswith("The computer at 127.0.0.1 is not the agency's host, or its certificate "
                                        "changed: ")
    assert workstation_join.joined_host() is None and not (workstation / "hosts").exists()
    # the same file used directly: the connection is refused before any password is sent
    host = workstation_join.host_from_join_file(path)
    with pytest.raises(InsecureConnection, match="is not the agency's host, or its certificate changed"):
        workstation_join.reach(host, _said()[1])


def test_a_moved_host_is_found_at_another_known_address_and_remembered(agency: AgencyDatabase,
                                                                       tmp_path: Path) -> None:
    # 127.0.0.2 is this computer too, where nothing listens: the address the host had before it moved
    details = agency.server.join_details(agency.database, addresses=("127.0.0.2", "127.0.0.1"))
    host = workstation_join.join(_join_file(tmp_path, details))
    heard, say = _said()
    url = workstation_join.reach(host, say)
    assert heard == ["The host has a new address, 127.0.0.1; hhdesk will use it from now on."]
    assert "hostaddr=127.0.0.1" in url
    again = workstation_join.joined_host()
    assert again is not None and again.details.addresses == ("127.0.0.1", "127.0.0.2")
    heard.clear()
    workstation_join.reach(again, say)
    assert heard == []
    login(ServerAddress.parse(url), agency.admin, agency.admin_password).close()


def test_a_moved_host_is_found_by_its_computer_name(agency: AgencyDatabase, tmp_path: Path) -> None:
    details = agency.server.join_details(agency.database, addresses=("127.0.0.2",), computer_name="localhost")
    host = workstation_join.join(_join_file(tmp_path, details))
    heard, say = _said()
    url = workstation_join.reach(host, say)
    assert heard == ["The host has a new address, 127.0.0.1; hhdesk will use it from now on."]
    login(ServerAddress.parse(url), agency.admin, agency.admin_password).close()
    again = workstation_join.joined_host()
    assert again is not None and again.details.addresses[0] == "127.0.0.1"


def test_a_wrong_password_is_named(agency: AgencyDatabase, tmp_path: Path) -> None:
    host = workstation_join.join(_join_file(tmp_path, agency.server.join_details(agency.database)))
    url = workstation_join.reach(host, _said()[1])
    with pytest.raises(WrongPassword, match=f"Wrong user name or password for the server at {HOST_NAME}"):
        login(ServerAddress.parse(url), agency.admin, "not the password at all")


@pytest.fixture(scope="module")
def stopped_host(request: pytest.FixtureRequest) -> Iterator[TestServer]:
    """A second server of its own, so that stopping it leaves the others running."""
    server = TestServer(binaries_or_skip(request))
    server.start()
    server.create_database("stopped")
    yield server
    server.stop()


def test_a_stopped_service_is_named(stopped_host: TestServer, tmp_path: Path) -> None:
    host = workstation_join.join(_join_file(tmp_path, stopped_host.join_details("stopped")))
    workstation_join.find(host, _said()[1])  # answers while it runs
    stopped_host._run(stopped_host.binaries / "pg_ctl", "-D", stopped_host.data, "-m", "fast", "-w", "stop")
    with pytest.raises(ServerUnreachable) as caught:
        workstation_join.reach(host, _said()[1])
    assert str(caught.value).startswith(f"The agency's host does not accept connections on port {stopped_host.port} "
                                        "at 127.0.0.1: its database service is stopped")


def test_nothing_answering_at_all_is_named(pg_server: TestServer, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A port where the computer takes the connection and then says nothing, as a switched-off host's
    # address behind a router does: the probe waits, then gives up.
    monkeypatch.setattr(host_probe, "PROBE_TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", free_port()))
        silent.listen(4)
        port = silent.getsockname()[1]
        details = pg_server.join_details("nowhere", port=port, computer_name="hhdesk-host-pc.invalid")
        host = workstation_join.join(_join_file(tmp_path, details))  # a host that is off now can still be joined
        with pytest.raises(ServerUnreachable) as caught:
            workstation_join.reach(host, _said()[1])
    assert str(caught.value) == ("The agency's host does not answer at 127.0.0.1 or by its name hhdesk-host-pc.invalid: "
                                 "it may be switched off, asleep or off the network; check that it is on and "
                                 "connected, then try again.")


def test_the_join_command_refuses_a_stranger_in_one_sentence(agency: AgencyDatabase, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    server = agency.server
    path = _join_file(tmp_path, server.join_details(agency.database, pinned=server.stranger))
    assert main(["join", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hhdesk: The computer at 127.0.0.1 is not the agency's host") and err.count("\n") == 1


def test_the_workstation_file_names_the_agency(agency: AgencyDatabase, tmp_path: Path, workstation: Path) -> None:
    details = agency.server.join_details(agency.database)
    workstation_join.join(_join_file(tmp_path, details))
    assert json.loads((workstation / "workstation.json").read_text()) == {"agency_host": details.agency_id}


def test_a_missing_join_file_as_store_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "list", "--store", str(tmp_path / "gone.hhjoin"), "--user", "ann"]) == 1
    assert capsys.readouterr().err == (f"hhdesk: There is no join file at {tmp_path / 'gone.hhjoin'}: ask the "
                                       "administrator for a new join file.\n")


def test_a_join_file_as_store_cannot_replace_the_joined_certificate(agency: AgencyDatabase, tmp_path: Path) -> None:
    server = agency.server
    details = server.join_details(agency.database)
    joined = workstation_join.join(_join_file(tmp_path, details))
    other = tmp_path / "other" / "riverside.hhjoin"
    other.parent.mkdir()
    write_join_file(other, replace(details, certificate_pem=server.join_details(
        agency.database, pinned=server.stranger).certificate_pem, fingerprint=""))
    with pytest.raises(InsecureConnection, match="shows another certificate than the one this workstation keeps"):
        workstation_join.host_from_join_file(other)
    assert joined.certificate_path.read_text() == details.certificate_pem
