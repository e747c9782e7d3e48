"""What the audit lock costs on an agency's server: every audited action queues briefly on one lock.

Run: .venv/bin/python benchmarks/bench_audit_server.py [--writers 1 4 8] [--events 100]
Not a test: it prints figures. It starts a throwaway PostgreSQL server as the tests do (tests/pg/server.py:
TLS 1.3, SCRAM, on this machine), sets up an agency with `create_agency`, and times
- a login (TLS handshake, SCRAM, schema check, the login's audit event), median of 10;
- for each number of writers (separate processes, each its own login): every audited unit of work
  (a transaction that appends one event, as opening a chart does), p50 and p95, and the events per second
  the server linked in all; then it verifies the whole chain.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark password 1"


def _writer(url: str, username: str, events: int) -> list[float]:
    from hhdesk.services.agency import ServerAddress, login

    app = login(ServerAddress.parse(url), username, PASSWORD)
    timings = []
    try:
        for number in range(events):
            started = time.perf_counter()
            with app.work(None) as uow:
                uow.audit("member_viewed", "member", number)
            timings.append(time.perf_counter() - started)
    finally:
        app.close()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--events", type=int, default=100, help="events per writer")
    args = parser.parse_args()

    from benchmarks.throwaway_server import throwaway_server, verify_chain
    from hhdesk.domain.enums import Role
    from hhdesk.services.agency import ServerAddress, create_agency, login
    from hhdesk.services.settings import AgencyInfo
    from tests.pg.conftest import AgencyDatabase, add_staff

    with throwaway_server() as server:
        if server is None:
            return 1
        server.create_database("bench")
        url = server.url("bench")
        create_agency(ServerAddress.parse(url), server.superuser, server.superuser_password,
                      AgencyInfo(name="Bench"), "bench_director", PASSWORD)
        agency = AgencyDatabase(server, "bench", url, "bench_director", PASSWORD)

        logins = []
        for _ in range(10):
            started = time.perf_counter()
            login(agency.address, agency.admin, PASSWORD).close()
            logins.append(time.perf_counter() - started)
        print(f"login over TLS 1.3 + SCRAM (median of 10): {statistics.median(logins) * 1000:.0f} ms")

        import tests.pg.conftest as pg_conftest

        pg_conftest.STAFF_PASSWORD = PASSWORD
        staff = [add_staff(agency, Role.CARE_MANAGER)]
        for count in args.writers:
            context = multiprocessing.get_context("spawn")
            started = time.perf_counter()
            with context.Pool(count) as pool:
                results = pool.starmap(_writer, [(url, staff[0], args.events)] * count)
            elapsed = time.perf_counter() - started
            timings = sorted(t for result in results for t in result)
            p50 = timings[len(timings) // 2] * 1000
            p95 = timings[int(len(timings) * 0.95)] * 1000
            print(f"{count:2d} writers x {args.events} audited transactions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                  f"{len(timings) / elapsed:.0f} per second in all (including process start and logins)")
        return 0 if verify_chain(agency.address, agency.admin, PASSWORD) else 1


if __name__ == "__main__":
    raise SystemExit(main())
