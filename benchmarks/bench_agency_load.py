"""`hhdesk bench --engine postgresql` on a throwaway PostgreSQL server that this script starts on this machine.

Run: .venv/bin/python benchmarks/bench_agency_load.py [any `hhdesk bench` option: --workstations 1 10 25 50
     --seconds 60 --think-ms 500 --members 10000 --out FILE.json ...]   (or: make bench-postgresql)

The server is set up as the tests set theirs up (tests/pg/server.py: TLS 1.3, SCRAM; as root, its programs
run as the `postgres` user), then made durable as a clinic's server runs (fsync and synchronous commits on,
no statement log; throwaway_server.AS_A_CLINIC_RUNS_IT), given an empty database, and handed to the bench
with its superuser as the set-up role. It is stopped and deleted at the end, with everything in it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from benchmarks.throwaway_server import throwaway_server
    from hhdesk.cli.main import main as hhdesk

    with throwaway_server(durable=True) as server:
        if server is None:
            return 1
        server.create_database("bench")
        url = server.url("bench").replace("postgresql://", f"postgresql://{server.superuser}@", 1)
        os.environ["PGPASSWORD"] = server.superuser_password
        return hhdesk(["bench", "--engine", "postgresql", "--store", url, *argv])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
