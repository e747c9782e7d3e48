"""`hhdesk bench`: time hhdesk on a synthetic agency-sized store and compare with the goals (hhdesk.tools.bench)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time start-up, search, charts, printing, billing and backup on a synthetic store",
        description="Build a synthetic store (or reuse --store), time what users wait for, and print each "
                    "figure beside its goal. Figures are reported, never asserted. See docs/performance.md.",
    )
    p.add_argument("--members", type=int, default=10_000,
                   help="members in the synthetic store (default 10000)")
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic data (default 7)")
    p.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    p.add_argument("--store", type=Path,
                   help="a bench store to reuse if it exists (else it is built there and kept); "
                        "default: a temporary store, deleted afterwards")
    p.add_argument("--runs", type=int, default=5,
                   help="repetitions of each quick measurement (default 5; slow ones run up to 3 times)")
    p.add_argument("--charts", type=int, default=20, help="member charts to open (default 20)")
    p.add_argument("--cold-start-runs", type=int, default=5, help="fresh program starts to time (default 5)")
    p.add_argument("--skip-cold-start", action="store_true", help="do not time fresh program starts")
    p.add_argument("--skip-memory", action="store_true", help="do not measure a fresh window's memory")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from hhdesk.errors import ValidationFailed
    from hhdesk.tools.bench import BenchOptions, run_bench, write_json

    if min(args.members, args.runs, args.charts, args.cold_start_runs) < 1:
        raise ValidationFailed("--members, --runs, --charts and --cold-start-runs must each be at least 1.")
    options = BenchOptions(members=args.members, seed=args.seed, store=args.store, runs=args.runs,
                           charts=args.charts, cold_start=not args.skip_cold_start,
                           cold_start_runs=args.cold_start_runs, memory=not args.skip_memory)
    report = run_bench(options, progress=lambda text: print(text, file=sys.stderr, flush=True))
    print(report.table())
    for note in report.notes:
        print(f"Note: {note}")
    if args.out:
        write_json(report, args.out)
        print(f"Figures written to {args.out}")
    return 0
