"""`hhdesk bench --engine postgresql`: how fast agency mode is, alone and with many workstations at once.

It is given an empty PostgreSQL database (``--store URL``; the URL's user is a role allowed to create roles,
its password in ``PGPASSWORD``), fills it with the same synthetic agency as the single-workstation bench
(``hhdesk.tools.demo``: 10,000 members, 50 contacts each over 24 months, 3 referrals each; built as a store
file in a private temporary folder and moved up with `hhdesk server import`'s code, so the audit chain is
copied and verified on arrival), and then measures:

- a login (TLS handshake, SCRAM, schema check, the login's audit event);
- the single-workstation reads of `hhdesk bench`, through the same services: search keystrokes, a member's
  chart with every tab's data (an audited read), the billing preview;
- a load run for each N in ``workstations``: N processes (not threads), each logged in as its own care
  manager's login role, repeat a care manager's mix for a fixed time: typing the first letters of a surname
  in the caseload search (one search per keystroke), opening a member's chart with every tab's data, and
  every third chart logging a contact (an audited write), with a pause between actions (``think_ms``, a
  person's pace). p50 and p95 per operation, and the audit chain verified at the end.

A database that already holds the bench's agency is reused (its members and logins stay; the load runs add
contacts and audit events to it); one that holds any other agency is refused, since the load run writes.
Every figure carries the machine's load average when it was taken: the workstations, the server and any
other work share the same cores. Nothing is asserted.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from hhdesk.db.postgres import ServerAddress
from hhdesk.errors import UserError
from hhdesk.tools.bench import (
    BenchOptions,
    BenchReport,
    Progress,
    World,
    add_read_figures,
    load_average,
    measure_reads,
    note_load,
    order_figures,
)

if TYPE_CHECKING:
    import psycopg

WORKSTATION_PREFIX = "bench_ws"  # the load run's logins: bench_ws01, bench_ws02, ...
OPERATIONS = ("search", "chart", "contact")
LABELS = {"search": "search keystroke", "chart": "member chart, every tab's data", "contact": "log a contact"}
TYPED_LETTERS = 3  # a care manager types this many letters of a surname before the list shows the member


@dataclass(frozen=True)
class ServerBenchOptions:
    """The server and what to measure on it; the defaults are the agency scale of docs/performance.md."""

    url: str
    setup_password: str
    members: int = 10_000
    seed: int = 7
    contacts_per_member: int = 50
    months: int = 24
    referrals_per_member: int = 3
    runs: int = 5
    charts: int = 20
    workstations: tuple[int, ...] = (1, 10, 25, 50)
    seconds: float = 60.0
    think_ms: float = 500.0


def figure_keys(workstations: Sequence[int]) -> list[str]:
    """Every figure the server bench reports, in the order of its table."""
    keys = ["fill_store", "fill_import", "server_login", "search_name", "search_medicaid_id",
            "search_keystroke_window", "chart", "billing_preview"]
    keys += [f"load{count}_{operation}" for count in workstations for operation in OPERATIONS]
    return [*keys, "audit_verify"]


def run_server_bench(options: ServerBenchOptions, progress: Progress | None = None) -> BenchReport:
    """Fill or reuse the agency's database, measure every figure, and return the report (nothing is printed)."""
    from hhdesk.services import agency
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER

    say = progress or (lambda _text: None)
    address = ServerAddress.parse(options.url)
    if not address.url_user:
        raise UserError("Name the server role that sets up the bench's agency in the address "
                        "(postgresql://ROLE@HOST:PORT/DATABASE?...); its password goes in PGPASSWORD.")
    report = BenchReport()
    report.context.update(_machine(options))
    report.context["store"] = _prepare_agency(address, options, say, report)

    say("Logging in (TLS, SCRAM, schema check, the login's audit event)")
    logins = []
    for _ in range(options.runs):
        started = time.perf_counter()
        agency.login(address, DEMO_USER, DEMO_PASSWORD).close()
        logins.append(time.perf_counter() - started)
    report.add("server_login", "Login (TLS, SCRAM, schema check, audit event)", "ms", [t * 1000 for t in logins])

    app = agency.login(address, DEMO_USER, DEMO_PASSWORD)
    try:
        bench_options = BenchOptions(members=options.members, seed=options.seed, runs=options.runs,
                                     charts=options.charts)
        world = World.look(app, bench_options)
        report.context["store"].update(world.describe())
        reads = measure_reads({"server": app}, world, bench_options, say)
        add_read_figures(report, reads["server"])
        usernames = _workstation_logins(app, max(options.workstations, default=0), say)
    finally:
        app.close()

    for count in options.workstations:
        _load_run(address.url, usernames[:count], options, say, report)
    _verify_chain(address, say, report)
    note_load(report)
    order_figures(report, figure_keys(options.workstations))
    return report


def _machine(options: ServerBenchOptions) -> dict[str, Any]:
    import platform

    import psycopg

    return {"engine": "postgresql", "platform": platform.platform(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "psycopg": psycopg.__version__,
            "workstations": list(options.workstations), "seconds_per_run": options.seconds,
            "think_ms": options.think_ms}


# ---- the agency's data ------------------------------------------------------------------------------------


def _prepare_agency(address: ServerAddress, options: ServerBenchOptions, say: Progress,
                    report: BenchReport) -> dict[str, Any]:
    """Fill an empty database with the synthetic agency, or reuse one the bench filled before; refuse an agency
    that the bench did not make, since the load run writes contacts into it."""
    from sqlalchemy import select

    from hhdesk.db import postgres, roles
    from hhdesk.db.models import AuditEvent
    from hhdesk.tools import demo_vocabulary
    from hhdesk.tools.demo import DEMO_USER

    engine = postgres.make_engine(address, address.url_user, options.setup_password)
    try:
        with engine.connect() as connection:
            raw = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
            report.context["server_version"] = raw.info.server_version
            holds_agency = postgres.schema_revision(raw) is not None
            made_by_bench = holds_agency and connection.execute(select(AuditEvent.id).where(
                AuditEvent.action == "demo_data_created").limit(1)).first() is not None
            # Login roles belong to the whole server: a second bench agency on it cannot have its own.
            taken = [name for name in (DEMO_USER, *(staff.username for staff in demo_vocabulary.STAFF))
                     if not holds_agency and roles.role_exists(raw, name)]
    finally:
        engine.dispose()
    if taken:
        raise UserError(f"The server already has the bench agency's login roles ({taken[0]}, ...) from another "
                        "database: give the bench the database it filled before, or a server of its own.")
    if holds_agency and not made_by_bench:
        raise UserError(f"The database at {address.display} holds an agency that the bench did not make; the "
                        "bench writes contacts into the agency it measures, so give it a new, empty database.")
    if holds_agency:
        say(f"Reusing the bench's agency at {address.display}")
        report.add("fill_store", "Fill: synthetic store built", "s", [], "reused")
        report.add("fill_import", "Fill: moved up to the server", "s", [], "reused")
        return {"server": address.display, "built": False}
    return _fill(address, options, say, report)


def _fill(address: ServerAddress, options: ServerBenchOptions, say: Progress, report: BenchReport
          ) -> dict[str, Any]:
    """Build the synthetic store in a private temporary folder and move it up (server_copy: batched inserts,
    the audit chain copied verbatim and verified before the import commits)."""
    from hhdesk.services import server_import
    from hhdesk.tools import demo_vocabulary
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_USER, build_demo_store

    folder = Path(tempfile.mkdtemp(prefix="hhdesk-bench-"))
    try:
        path = folder / "bench.hhdesk"
        say(f"Building a synthetic store of {options.members:,} members")
        started = time.perf_counter()
        build_demo_store(path, members=options.members, seed=options.seed,
                         contacts_per_member=options.contacts_per_member, months=options.months,
                         referrals_per_member=options.referrals_per_member, progress=lambda t: say("  " + t))
        report.add("fill_store", "Fill: synthetic store built", "s", [time.perf_counter() - started],
                   "the same data as the single-workstation bench")
        say(f"Moving it up to {address.display}")
        started = time.perf_counter()
        shown: dict[str, int] = {}

        def moved(table: str, rows: int) -> None:
            if rows - shown.get(table, 0) >= 100_000:
                shown[table] = rows
                say(f"  {table}: {rows:,} rows")

        imported = server_import.import_store(
            path, DEMO_USER, DEMO_PASSWORD, address, address.url_user, options.setup_password, moved,
            known_passwords={staff.username: DEMO_STAFF_PASSWORD for staff in demo_vocabulary.STAFF})
        report.add("fill_import", "Fill: moved up to the server", "s", [time.perf_counter() - started],
                   f"{imported.rows:,} rows in {imported.tables} tables, audit chain verified on arrival")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"server": address.display, "built": True, "rows": imported.rows, "seed": options.seed}


def _workstation_logins(app: Any, count: int, say: Progress) -> list[str]:
    """One care manager's login role per workstation (made by the administrator's tools, as a person's)."""
    from hhdesk.domain.enums import Role
    from hhdesk.services import users
    from hhdesk.tools.demo import DEMO_STAFF_PASSWORD

    wanted = [f"{WORKSTATION_PREFIX}{number:02d}" for number in range(1, count + 1)]
    existing = {user.username for user in users.list_users(app)}
    missing = [name for name in wanted if name not in existing]
    if missing:
        say(f"Adding {len(missing)} care managers' logins for the workstations")
    for name in missing:
        users.add_user(app, name, Role.CARE_MANAGER, DEMO_STAFF_PASSWORD, f"Bench workstation {name[-2:]}")
    return wanted


# ---- the load run ---------------------------------------------------------------------------------------


def _load_run(url: str, usernames: Sequence[str], options: ServerBenchOptions, say: Progress,
              report: BenchReport) -> None:
    """N workstation processes at once for ``options.seconds``; adds one figure per operation."""
    from hhdesk.tools.demo import DEMO_STAFF_PASSWORD

    count = len(usernames)
    say(f"Load run: {count} workstation(s) for {options.seconds:g} s")
    before = load_average()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(count)
        with context.Pool(count) as pool:
            results = pool.starmap(workstation, [
                (url, name, DEMO_STAFF_PASSWORD, options.seconds, options.think_ms, options.seed + number, start)
                for number, name in enumerate(usernames)])
    refused = sum(result["refused"] for result in results)
    # On one machine the workstations' own Python shares the cores with the server: say how much it took.
    client_cpu = sum(result["client_cpu_seconds"] for result in results)
    done = sum(len(result[operation]) for result in results for operation in OPERATIONS)
    for operation in OPERATIONS:
        samples = [t * 1000 for result in results for t in result[operation]]
        note = (f"load average {before} at the start; {done / options.seconds:.1f} operations/s in all; the "
                f"workstations' own Python used {client_cpu / options.seconds:.2f} CPUs")
        if operation == "contact" and refused:
            note += f"; {refused} contacts refused by the rules"
        report.add(f"load{count}_{operation}", f"{count} workstations: {LABELS[operation]}", "ms", samples, note)
    report.details.setdefault("load_runs", []).append({
        "workstations": count, "load_average_at_start": before, "load_average_at_end": load_average(),
        "operations_per_second": round(done / options.seconds, 2), "contacts_refused": refused,
        "workstations_cpu_seconds": round(client_cpu, 1)})


def workstation(url: str, username: str, password: str, seconds: float, think_ms: float, seed: int,
                start: Any) -> dict[str, Any]:
    """One workstation's process: log in as itself, wait for the others, then a care manager's mix."""
    from sqlalchemy import select

    from hhdesk.db.models import Member
    from hhdesk.errors import ValidationFailed
    from hhdesk.services import agency, caseload, contacts
    from hhdesk.tools.bench import keystrokes, open_chart

    rng = random.Random(seed)
    app = agency.login(ServerAddress.parse(url), username, password)
    timings: dict[str, Any] = {operation: [] for operation in OPERATIONS}
    timings["refused"] = 0
    try:
        with app.read(None) as session:
            people = list(session.execute(select(Member.id, Member.last_name)).all())
        today = app.clock.today()

        def pause() -> None:
            time.sleep(rng.uniform(0, 2 * think_ms) / 1000)

        def timed(operation: str, call: Any) -> None:
            started = time.perf_counter()
            call()
            timings[operation].append(time.perf_counter() - started)

        # A workstation that has been in use has its modules imported and its statements compiled: warm up
        # once (untimed), as the single-workstation figures are taken in a session that has run before.
        caseload.search(app, caseload.CaseloadQuery(text=people[0][1][:1]))
        open_chart(app, people[0][0], today)
        start.wait()
        began_cpu = time.process_time()
        deadline = time.perf_counter() + seconds
        charts = 0
        while time.perf_counter() < deadline:
            member_id, surname = rng.choice(people)
            for typed in keystrokes(surname[:TYPED_LETTERS]):
                timed("search", lambda t=typed: caseload.search(app, caseload.CaseloadQuery(text=t)))
                pause()
            timed("chart", lambda m=member_id: open_chart(app, m, today))
            charts += 1
            pause()
            if charts % 3 == 1:
                try:
                    timed("contact", lambda m=member_id: contacts.log_contact(app, m, _contact(today), today=today))
                except ValidationFailed:  # e.g. a member disenrolled before today: the form would say why
                    timings["refused"] += 1
                pause()
        timings["client_cpu_seconds"] = time.process_time() - began_cpu
    finally:
        app.close()
    return timings


def _contact(today: date) -> Any:
    from hhdesk.domain.enums import ContactMode, CoreService
    from hhdesk.services.contacts import ContactInput

    return ContactInput(today, ContactMode.PHONE, core_services=frozenset({CoreService.CC}), minutes=10,
                        note="Called to check on the week; no new concerns.")


# ---- the audit chain at the end -------------------------------------------------------------------------


def _verify_chain(address: ServerAddress, say: Progress, report: BenchReport) -> None:
    from hhdesk.services import agency, audit
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER

    say("Verifying the audit chain")
    app = agency.login(address, DEMO_USER, DEMO_PASSWORD)
    try:
        started = time.perf_counter()
        with app.read(None) as session:
            chain = audit.verify_chain(session)
        spent = time.perf_counter() - started
    finally:
        app.close()
    verdict = "intact" if chain.ok else f"BROKEN: {chain.problem}"
    report.add("audit_verify", "Audit chain verified after the load runs", "s", [spent],
               f"{chain.events:,} events, {verdict}")
    report.context["audit_chain"] = {"events": chain.events, "intact": chain.ok, "problem": chain.problem}
    report.notes.append(f"The audit chain after the load runs: {chain.events:,} events, {verdict}.")

