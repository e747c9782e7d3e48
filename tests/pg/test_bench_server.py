"""`hhdesk bench --engine postgresql` at a tiny size on the test server: every figure is measured, written and
judged; the workstations log in as themselves; the audit chain is checked. Timings are never asserted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hhdesk.cli.main import main
from hhdesk.errors import UserError
from hhdesk.services import agency as agency_service
from hhdesk.services import audit
from hhdesk.tools.bench_server import WORKSTATION_PREFIX, ServerBenchOptions, figure_keys, run_server_bench
from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER
from tests.pg.conftest import AgencyDatabase
from tests.pg.server import TestServer


@pytest.fixture(scope="module")
def bench_server(pg_server: TestServer) -> Iterator[TestServer]:
    """A server of the bench's own: the bench agency's login roles (the demo's) belong to a whole server, and
    `hhdesk demo --store URL` makes the same ones on the shared test server."""
    server = TestServer(pg_server.binaries)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def _setup_url(server: TestServer, database: str) -> str:
    return server.url(database).replace("postgresql://", f"postgresql://{server.superuser}@", 1)


@pytest.mark.slow
def test_the_server_bench_fills_an_empty_database_and_runs_each_load(
        bench_server: TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg_server, empty_database = bench_server, "bench"
    pg_server.create_database(empty_database)
    url = _setup_url(pg_server, empty_database)
    out = tmp_path / "server.json"
    monkeypatch.setenv("PGPASSWORD", pg_server.superuser_password)

    code = main(["bench", "--engine", "postgresql", "--store", url, "--members", "12", "--runs", "1",
                 "--charts", "2", "--workstations", "1", "2", "--seconds", "1", "--think-ms", "0",
                 "--out", str(out)])

    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in data["figures"]}
    assert list(figures) == figure_keys([1, 2])
    for key, figure in figures.items():
        assert figure["runs"] >= 1, f"{key} was not measured: {figure['note']}"
        assert figure["median"] > 0 and figure["load_average"] is not None, key
    assert figures["search_name"]["result"] in ("met", "missed")  # the single-workstation goals apply
    assert figures["load2_search"]["note"].startswith("load average")
    assert data["context"]["store"]["built"] is True and data["context"]["store"]["members"] == 12
    assert data["context"]["audit_chain"]["intact"] is True
    assert [run["workstations"] for run in data["details"]["load_runs"]] == [1, 2]

    # Each workstation was its own login role, and every chart it opened is in the audit log as its own.
    app = agency_service.login(agency_service.ServerAddress.parse(pg_server.url(empty_database)), DEMO_USER,
                               DEMO_PASSWORD)
    try:
        with app.read(None) as session:
            assert audit.verify_chain(session).ok
            viewers = set(session.connection().exec_driver_sql(
                "SELECT DISTINCT username FROM audit_events WHERE action = 'member_viewed'").scalars())
    finally:
        app.close()
    assert {f"{WORKSTATION_PREFIX}01", f"{WORKSTATION_PREFIX}02"} <= viewers
    printed = capsys.readouterr().out
    assert "2 workstations: member chart, every tab's data" in printed
    assert "The audit chain after the load runs" in printed

    # A second run reuses the agency the bench made.
    again = run_server_bench(ServerBenchOptions(url=url, setup_password=pg_server.superuser_password,
                                                members=12, runs=1, charts=2, workstations=()))
    assert again.context["store"]["built"] is False
    reused = again.figure("fill_import")
    assert reused is not None and reused.note == "reused"

    # Another empty database on the same server is refused before anything is built: the logins are taken.
    pg_server.create_database(f"{empty_database}_again")
    with pytest.raises(UserError, match="login roles"):
        run_server_bench(ServerBenchOptions(url=_setup_url(pg_server, f"{empty_database}_again"),
                                            setup_password=pg_server.superuser_password, workstations=()))


def test_an_agency_the_bench_did_not_make_is_refused(agency: AgencyDatabase) -> None:
    url = _setup_url(agency.server, agency.database)
    with pytest.raises(UserError, match="did not make"):
        run_server_bench(ServerBenchOptions(url=url, setup_password=agency.server.superuser_password,
                                            workstations=()))


def test_the_server_bench_needs_a_server_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--engine", "postgresql"]) != 0
    assert "needs --store postgresql://" in capsys.readouterr().err
    assert main(["bench", "--store", "postgresql://localhost/agency?sslrootcert=ca.crt"]) != 0
    assert "add --engine postgresql" in capsys.readouterr().err
