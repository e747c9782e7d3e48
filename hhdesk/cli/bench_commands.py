"""`hhdesk bench`: time hhdesk on a synthetic agency-sized store and compare with the goals (hhdesk.tools.bench,
and hhdesk.tools.bench_server for an agency's PostgreSQL server)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ENGINES = ("sqlcipher", "postgresql")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time start-up, search, charts, printing, billing and backup on a synthetic store",
        description="Build a synthetic store (or reuse --store), time what users wait for, and print each "
                    "figure beside its goal and the machine's load average. Figures are reported, never "
                    "asserted. See docs/performance.md.\n\n"
                    "--engine postgresql measures agency mode instead: --store is then the libpq URL of an "
                    "existing, EMPTY database (postgresql://ROLE@HOST:PORT/DATABASE?sslmode=verify-full&"
                    "sslrootcert=CA.crt), where ROLE may create roles and its password is in PGPASSWORD. The "
                    "bench fills it with the same synthetic agency, times a login, the searches, the chart "
                    "and the billing preview, then runs N workstation processes at once (each its own care "
                    "manager's login role) for --seconds each: search keystrokes, charts, contacts, with "
                    "--think-ms between actions; it prints p50/p95 per operation and verifies the audit "
                    "chain. A database the bench filled before is reused; any other agency is refused. "
                    "'make bench-postgresql' starts a throwaway server on this machine and runs it there.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--engine", choices=ENGINES, default="sqlcipher",
                   help="sqlcipher: a store file (default); postgresql: an agency's server given by --store URL")
    p.add_argument("--members", type=int, default=10_000,
                   help="members in the synthetic store (default 10000)")
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic data (default 7)")
    p.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--store",
                   help="sqlcipher: a bench store to reuse if it exists (else it is built there and kept; "
                        "default: a temporary store, deleted afterwards); postgresql: the URL of an empty "
                        "database (required)")
    p.add_argument("--runs", type=int, default=5,
                   help="repetitions of each quick measurement (default 5; slow ones run up to 3 times)")
    p.add_argument("--charts", type=int, default=20, help="member charts to open (default 20)")
    p.add_argument("--cold-start-runs", type=int, default=5, help="fresh program starts to time (default 5)")
    p.add_argument("--skip-cold-start", action="store_true", help="do not time fresh program starts")
    p.add_argument("--skip-memory", action="store_true", help="do not measure a fresh window's memory")
    load = p.add_argument_group("agency mode (--engine postgresql)")
    load.add_argument("--workstations", type=int, nargs="+", default=[1, 10, 25, 50], metavar="N",
                      help="one load run per N: N workstation processes at once (default 1 10 25 50)")
    load.add_argument("--seconds", type=float, default=60.0, help="how long each load run lasts (default 60)")
    load.add_argument("--think-ms", type=float, default=500.0,
                      help="mean pause between one workstation's actions, a person's pace (default 500; "
                           "0 sends the next request at once)")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from hhdesk.errors import ValidationFailed

    if min(args.members, args.runs, args.charts, args.cold_start_runs) < 1:
        raise ValidationFailed("--members, --runs, --charts and --cold-start-runs must each be at least 1.")
    if args.engine == "postgresql":
        report = _server_report(args)
    else:
        from hhdesk.db.postgres import is_server_url
        from hhdesk.tools.bench import BenchOptions, run_bench

        if is_server_url(args.store):
            raise ValidationFailed("--store names a server: add --engine postgresql to measure agency mode.")
        options = BenchOptions(members=args.members, seed=args.seed,
                               store=Path(args.store) if args.store else None, runs=args.runs,
                               charts=args.charts, cold_start=not args.skip_cold_start,
                               cold_start_runs=args.cold_start_runs, memory=not args.skip_memory)
        report = run_bench(options, progress=_say)
    print(report.table())
    for note in report.notes:
        print(f"Note: {note}")
    if args.out:
        from hhdesk.tools.bench import write_json

        write_json(report, args.out)
        print(f"Figures written to {args.out}")
    return 0


def _server_report(args: argparse.Namespace):  # a BenchReport
    from getpass import getpass

    from hhdesk.db.postgres import is_server_url
    from hhdesk.errors import ValidationFailed
    from hhdesk.tools.bench_server import ServerBenchOptions, run_server_bench

    if not is_server_url(args.store):
        raise ValidationFailed("--engine postgresql needs --store postgresql://ROLE@HOST:PORT/DATABASE?... naming "
                               "an empty database (or run 'make bench-postgresql', which starts a throwaway "
                               "server on this machine).")
    if min(args.workstations) < 1 or args.seconds <= 0 or args.think_ms < 0:
        raise ValidationFailed("--workstations must each be at least 1, --seconds above 0 and --think-ms at "
                               "least 0.")
    password = os.environ.get("PGPASSWORD") or getpass("Password of the server role that sets up the bench: ")
    options = ServerBenchOptions(
        url=args.store, setup_password=password, members=args.members, seed=args.seed, runs=args.runs,
        charts=args.charts, workstations=tuple(args.workstations), seconds=args.seconds, think_ms=args.think_ms)
    return run_server_bench(options, progress=_say)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
