"""A separate hhdesk process for the fault tests: rotates, adds a user, changes a role, logs in in a loop, or
guesses.

Run as ``python -m tests.faults.worker ACTION …``. ``--kill-at STEP`` kills the process with SIGKILL (no
clean-up, no finally blocks) when the program reaches that named step (hhdesk/db/crashpoints.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

os.environ.setdefault("HHDESK_INSECURE_FAST_KDF", "1")

from hhdesk.db import crashpoints  # noqa: E402
from hhdesk.errors import UserError  # noqa: E402
from hhdesk.services import users  # noqa: E402


def _kill_at(step: str | None) -> None:
    if not step:
        return

    def hook(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    crashpoints.install(hook)


def rotate(args: argparse.Namespace) -> int:
    app = users.login(Path(args.store), args.user, args.password)
    started = time.time()
    Path(args.store + ".rotating").write_text(str(started))  # tells a racing prober that the rotation is on
    _kill_at(args.kill_at)
    try:
        users.rotate_key(app)
    finally:
        app.close()
    Path(args.store + ".rotated").write_text(json.dumps([started, time.time()]))
    return 0


def add_user(args: argparse.Namespace) -> int:
    app = users.login(Path(args.store), args.user, args.password)
    _kill_at(args.kill_at)
    try:
        users.add_user(app, args.name, "care_manager", args.new_password)
    finally:
        app.close()
    return 0


def change_role(args: argparse.Namespace) -> int:
    app = users.login(Path(args.store), args.user, args.password)
    _kill_at(args.kill_at)
    try:
        users.update_user(app, args.name, role=args.role)
    finally:
        app.close()
    return 0


def probe_logins(args: argparse.Namespace) -> int:
    """Log in every 0.1 s until the stop file appears; write how each attempt ended."""
    outcomes: list[list[object]] = []  # [started, ended, outcome]
    stop = Path(args.stop)
    while not stop.exists():
        started = time.time()
        try:
            app = users.login(Path(args.store), args.user, args.password)
            app.close()
            outcome = "ok"
        except UserError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        except Exception:  # noqa: BLE001 - a traceback is exactly what the probe counts
            outcome = "TRACEBACK " + traceback.format_exc(limit=3).replace("\n", " | ")
        outcomes.append([started, time.time(), outcome])
        time.sleep(0.1)
    Path(args.out).write_text(json.dumps(outcomes))
    return 0


def guess(args: argparse.Namespace) -> int:
    """`threads` wrong passwords at once (released together by a barrier); write how each ended."""
    barrier = threading.Barrier(args.threads)
    outcomes: list[str] = []
    if args.go:  # other guessing processes: all start at the same moment
        Path(args.out + ".ready").write_text("ready")
        while not Path(args.go).exists():
            time.sleep(0.005)

    def one() -> None:
        barrier.wait()
        try:
            users.login(Path(args.store), args.user, "not the password at all").close()
            outcomes.append("ok")
        except UserError as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # noqa: BLE001
            outcomes.append(f"TRACEBACK {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(args.out).write_text(json.dumps(outcomes))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("rotate")
    p.add_argument("store")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("--kill-at")
    p.set_defaults(run=rotate)
    p = sub.add_parser("add-user")
    p.add_argument("store")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("name")
    p.add_argument("new_password")
    p.add_argument("--kill-at")
    p.set_defaults(run=add_user)
    p = sub.add_parser("change-role")
    p.add_argument("store")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("name")
    p.add_argument("role")
    p.add_argument("--kill-at")
    p.set_defaults(run=change_role)
    p = sub.add_parser("probe-logins")
    p.add_argument("store")
    p.add_argument("user")
    p.add_argument("password")
    p.add_argument("stop")
    p.add_argument("out")
    p.set_defaults(run=probe_logins)
    p = sub.add_parser("guess")
    p.add_argument("store")
    p.add_argument("user")
    p.add_argument("threads", type=int)
    p.add_argument("out")
    p.add_argument("--go", help="wait for this file to appear before guessing")
    p.set_defaults(run=guess)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
