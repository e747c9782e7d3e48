"""Only verified TLS: a weak address, a wrong certificate or a wrong name each fail with one sentence saying which."""

from __future__ import annotations

import pytest

from hhdesk.errors import InsecureConnection, ServerUnreachable, UserError, WrongPassword
from hhdesk.services.agency import ServerAddress, login
from tests.pg.conftest import AgencyDatabase
from tests.pg.server import TestServer, free_port


@pytest.mark.parametrize(("query", "named"), [
    ("sslmode=disable", "sslmode=disable"),
    ("sslmode=require&sslrootcert=/x.crt", "sslmode=require"),
    ("sslmode=verify-ca&sslrootcert=/x.crt", "sslmode=verify-ca"),
    ("sslmode=prefer&sslrootcert=/x.crt", "sslmode=prefer"),
    ("sslrootcert=/x.crt&channel_binding=prefer", "channel_binding=prefer"),
    ("sslmode=verify-full", "does not name the server's certificate"),
    ("sslrootcert=system", "does not name the server's certificate"),
    ("sslrootcert=/x.crt&password=secret", "must not contain a password"),
])
def test_a_weak_address_is_refused_before_anything_is_sent(query: str, named: str) -> None:
    with pytest.raises(InsecureConnection) as caught:
        ServerAddress.parse(f"postgresql://db.example.org:5432/agency?{query}")
    assert named in str(caught.value)
    assert str(caught.value).count(". ") == 0 and str(caught.value).endswith(".")  # one sentence


def test_a_password_in_the_address_itself_is_refused() -> None:
    with pytest.raises(InsecureConnection, match="must not contain a password"):
        ServerAddress.parse("postgresql://ann:secret@db.example.org/agency?sslrootcert=/x.crt")


def test_an_address_without_sslmode_gets_verify_full(agency: AgencyDatabase) -> None:
    url = agency.url.replace("sslmode=verify-full&", "")
    app = login(ServerAddress.parse(url), agency.admin, agency.admin_password)
    try:
        with app.read(None) as session:
            row = session.connection().exec_driver_sql(
                "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").one()
            dsn = session.connection().connection.dbapi_connection.info.get_parameters()
        assert tuple(row) == (True, "TLSv1.3")
        assert dsn["sslmode"] == "verify-full" and dsn["channel_binding"] == "require"
    finally:
        app.close()


def test_a_wrong_certificate_is_named(agency: AgencyDatabase) -> None:
    url = agency.server.url(agency.database, ca_file=agency.server.wrong_ca_file)
    with pytest.raises(InsecureConnection, match="certificate that this workstation does not trust"):
        login(ServerAddress.parse(url), agency.admin, agency.admin_password)


def test_a_name_not_in_the_certificate_is_named(agency: AgencyDatabase) -> None:
    url = agency.server.url(agency.database, host="records.example.org", extra="&hostaddr=127.0.0.1")
    with pytest.raises(InsecureConnection, match="not made out to the name records.example.org"):
        login(ServerAddress.parse(url), agency.admin, agency.admin_password)


def test_a_missing_certificate_file_is_named(agency: AgencyDatabase, tmp_path) -> None:
    url = agency.server.url(agency.database, ca_file=tmp_path / "nowhere.crt")
    with pytest.raises(InsecureConnection, match="nowhere.crt does not exist"):
        login(ServerAddress.parse(url), agency.admin, agency.admin_password)


def test_a_wrong_password_and_an_unknown_user_say_so(agency: AgencyDatabase) -> None:
    with pytest.raises(WrongPassword, match="Wrong user name or password"):
        login(agency.address, agency.admin, "not the password at all")
    with pytest.raises(WrongPassword, match="Wrong user name or password"):
        login(agency.address, "nobody_here", agency.admin_password)


def test_a_stopped_server_is_named(pg_server: TestServer) -> None:
    url = pg_server.url("agency", host="127.0.0.1").replace(f":{pg_server.port}/", f":{free_port()}/")
    with pytest.raises(ServerUnreachable, match="No database server answers at 127.0.0.1"):
        login(ServerAddress.parse(url), "anyone", "any password at all")


def test_a_missing_database_is_named(pg_server: TestServer) -> None:
    with pytest.raises(ServerUnreachable, match="There is no database 'no_such_agency'"):
        login(ServerAddress.parse(pg_server.url("no_such_agency")), pg_server.superuser,
              pg_server.superuser_password)


def test_an_empty_database_points_to_init(pg_server: TestServer, empty_database: str) -> None:
    with pytest.raises(UserError, match="holds no hhdesk agency yet"):
        login(ServerAddress.parse(pg_server.url(empty_database)), pg_server.superuser,
              pg_server.superuser_password)


def test_the_command_line_prints_the_sentence(agency: AgencyDatabase, monkeypatch, capsys) -> None:
    from hhdesk.cli.main import main

    monkeypatch.setenv("HHDESK_PASSWORD", agency.admin_password)
    url = agency.server.url(agency.database, ca_file=agency.server.wrong_ca_file)
    assert main(["members", "list", "--store", url, "--user", agency.admin]) == 1
    err = capsys.readouterr().err
    assert err.startswith("hhdesk: The server at localhost:") and err.count("\n") == 1
