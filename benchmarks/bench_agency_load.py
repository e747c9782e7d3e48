"""Agency mode under load: N workstations (processes, each its own login) doing a care manager's work at once.

Run: .venv/bin/python benchmarks/bench_agency_load.py [--workstations 1 10 25] [--members 2000] [--seconds 30]
Not a test: it prints figures. It starts a throwaway PostgreSQL 15 on this machine as the tests do
(tests/pg/server.py: TLS 1.3, SCRAM, fsync off), fills it with the demo agency (`hhdesk demo --store URL`'s
data) and then, for each N, runs N workstation processes for a fixed time. Each repeats a care manager's
mix: a caseload search by the first letters of a name, opening a member's chart (an audited read), and, every
third round, logging a contact (an audited write). Each workstation logs in as one of the demo's care
managers (several workstations share a login, which changes nothing). It prints p50 and p95 per operation
and the operations per second in all, then verifies the audit chain. The goals are the issue's: search p95
under 30 ms and chart p95 under 150 ms at N = 25.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CARE_MANAGERS = ("mperez", "dwilliams", "echen", "kmensah")
SEARCH_GOAL_MS = 30.0
CHART_GOAL_MS = 150.0


def _workstation(url: str, username: str, password: str, seconds: float, seed: int, start: Any
                 ) -> dict[str, list[float]]:
    from hhdesk.domain.enums import ContactMode, CoreService
    from hhdesk.services import caseload, contacts, members
    from hhdesk.services.agency import ServerAddress, login
    from hhdesk.services.contacts import ContactInput

    rng = random.Random(seed)
    app = login(ServerAddress.parse(url), username, password)
    timings: dict[str, list[float]] = {"search": [], "chart": [], "contact": []}
    try:
        rows = caseload.search(app, caseload.CaseloadQuery(care_manager=None, limit=5000))
        prefixes = sorted({row.last_name[:2] for row in rows if len(row.last_name) >= 2})
        member_ids = [row.member_id for row in rows]
        today = date.today()
        start.wait()
        deadline = time.perf_counter() + seconds
        rounds = 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            caseload.search(app, caseload.CaseloadQuery(text=rng.choice(prefixes), care_manager=None, limit=50))
            timings["search"].append(time.perf_counter() - began)
            member_id = rng.choice(member_ids)
            began = time.perf_counter()
            members.get_chart(app, member_id)
            timings["chart"].append(time.perf_counter() - began)
            if rounds % 3 == 0:
                began = time.perf_counter()
                try:
                    contacts.log_contact(app, member_id, ContactInput(
                        today, ContactMode.PHONE, core_services=frozenset({CoreService.CC}),
                        minutes=10, note="Called to check on the week."), today=today)
                except Exception:
                    pass
                else:
                    timings["contact"].append(time.perf_counter() - began)
            rounds += 1
    finally:
        app.close()
    return timings


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)] * 1000 if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workstations", type=int, nargs="+", default=[1, 10, 25])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long each N runs")
    args = parser.parse_args()

    from benchmarks.throwaway_server import throwaway_server, verify_chain
    from hhdesk.db.server_copy import row_counts
    from hhdesk.services.agency import ServerAddress, login
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_agency

    with throwaway_server() as server:
        if server is None:
            return 1
        server.create_database("load")
        url = server.url("load")
        address = ServerAddress.parse(url)
        began = time.perf_counter()
        build_demo_agency(address, server.superuser, server.superuser_password, members=args.members)
        app = login(address, DEMO_USER, DEMO_PASSWORD)
        try:
            with app.read(None) as session:
                counts = row_counts(session.connection())
        finally:
            app.close()
        print(f"demo agency: {counts['members']:,} members, {counts['contacts']:,} contacts, "
              f"{counts['audit_events']:,} audit events (built and moved up in {time.perf_counter() - began:.0f} s)")
        for count in args.workstations:
            _run(url, count, args.seconds, DEMO_STAFF_PASSWORD)
        return 0 if verify_chain(address, DEMO_USER, DEMO_PASSWORD) else 1


def _run(url: str, count: int, seconds: float, password: str) -> None:
    """N workstations at once for ``seconds``; prints p50/p95 per operation."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(count)
        with context.Pool(count) as pool:
            results = pool.starmap(_workstation, [
                (url, CARE_MANAGERS[n % len(CARE_MANAGERS)], password, seconds, n, start) for n in range(count)])
    line = [f"N={count:2d}:"]
    total = 0
    for operation in ("search", "chart", "contact"):
        values = [t for result in results for t in result[operation]]
        total += len(values)
        line.append(f"{operation} p50 {_percentile(values, 0.5):6.1f} ms p95 {_percentile(values, 0.95):6.1f} ms"
                    f" ({len(values):,})")
    line.append(f"{total / seconds:,.0f} operations/s in all")
    print("  ".join(line), flush=True)
    if count == 25:
        searches = [t for result in results for t in result["search"]]
        charts = [t for result in results for t in result["chart"]]
        print(f"   goals at N=25: search p95 < {SEARCH_GOAL_MS:.0f} ms "
              f"{'met' if _percentile(searches, 0.95) < SEARCH_GOAL_MS else 'NOT met'}, chart p95 < "
              f"{CHART_GOAL_MS:.0f} ms {'met' if _percentile(charts, 0.95) < CHART_GOAL_MS else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
