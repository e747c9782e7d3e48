"""The key file as state shared by every window and command on the computer.

Several hhdesk processes may use one store at once (a window open all day, a command in a terminal, a second
window). The slot file beside the store (``<store>.keys``) is therefore changed only like this:

- **One OS lock** (``<store>.keys.lock``, flock on Unix, LockFileEx on Windows, through `filelock`) around
  every read-modify-write. The operating system releases it when a process dies, so a killed writer never
  blocks the others, and whoever holds it knows no other writer is half-way.
- **Reload and reapply**: nobody keeps a copy across calls. Each change loads the file under the lock,
  applies itself and saves. A failed login counts into the file as it is now, never into the copy a window
  loaded in the morning.
- **A generation number** that each save increments. A save whose copy is not the generation on disk is
  refused (`StaleKeyFile`), so a stale copy can never overwrite a newer file, whatever a future caller does.
- **A key id** (a public hash of the store key): a session whose key is no longer the store's, because an
  administrator ran rotate-key since it logged in, is told to log in again instead of writing anything.
- **Unique temporary names**, fsync, then an atomic rename: a crash leaves the old file or the new one.

Key rotation (`Store.rotate_key`) holds the lock from before it writes ``.keys.new`` until after the store is
re-keyed and ``.keys`` rewritten. So whoever later holds the lock and still finds ``.keys.new`` has proof that
the rotation died; with a password (or the recovery key) it opens the slot in both files and finishes the
rotation if the new key opens the store, or undoes it if the old one does. It never deletes ``.keys.new`` on
a guess, and if neither key opens the store it changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from hhdesk.db import engine as engines
from hhdesk.db.keyslots import KeySlots, SlotKeys, describe_os_error, key_id
from hhdesk.errors import NotAStore, StaleSession, StorageProblem, UserError

T = TypeVar("T")

# How long a login or a change waits for another process's turn: a rotation of a large store holds the lock
# for its whole re-encryption (tens of seconds for hundreds of megabytes).
LOCK_WAIT_SECONDS = 60.0


KEYFILE_UPGRADED = "keyfile_upgraded"


class KeyFileBusy(StorageProblem):
    pass


class StaleKeyFile(StorageProblem):
    """A save from a copy older than the file on disk: a bug in the caller, refused before it loses anything."""


class RotationPending(UserError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _generation_on_disk(path: Path) -> int | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return -1
    value = data.get("generation", 0) if isinstance(data, dict) else -1
    return value if isinstance(value, int) else -1


class KeyFile:
    """The key file of one store, and the lock every change to it takes."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(os.path.abspath(store_path))
        self.path = self.store_path.with_name(self.store_path.name + ".keys")
        self.pending_path = self.store_path.with_name(self.store_path.name + ".keys.new")
        self.lock_path = self.store_path.with_name(self.store_path.name + ".keys.lock")
        # One lock object per file and process (reentrant within a thread); the lock file itself is kept, so
        # that no process can lock a file another has just unlinked.
        self._lock = FileLock(str(self.lock_path), is_singleton=True, preserve_lock_file=True)

    # ---- the lock -----------------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        try:
            self._lock.acquire(timeout=LOCK_WAIT_SECONDS)
        except Timeout:
            raise KeyFileBusy(
                "Another hhdesk window or command is changing the key file (a key rotation can take a minute "
                "on a large store). Try again in a minute; nothing was changed."
            ) from None
        except OSError as exc:
            raise StorageProblem(describe_os_error(exc, self.path.parent)) from None
        try:
            yield
        finally:
            self._lock.release()

    # ---- reading and writing (under the lock) -------------------------------------------------------
    def load(self) -> KeySlots:
        with self.locked():
            return KeySlots.load(self.path)

    def _save(self, slots: KeySlots, target: Path | None = None) -> None:
        target = target or slots.path
        on_disk = _generation_on_disk(target)
        if on_disk is not None and on_disk != slots.generation:
            raise StaleKeyFile(
                f"The key file {target.name} changed since it was read; nothing was written. Try again."
            )
        slots.generation += 1
        _atomic_write_text(target, slots.to_text())

    def _save_quietly(self, slots: KeySlots) -> None:
        # Counting a failed login must never hide the message about the login itself.
        with contextlib.suppress(StorageProblem):
            self._save(slots)

    # ---- creating and opening -----------------------------------------------------------------------
    def create(self, raw_key: bytes, username: str, password: str,
               secret_names: tuple[str, ...] = ()) -> tuple[str, dict[str, bytes]]:
        """The key file of a new store; returns the recovery key (shown once) and the new secrets."""
        with self.locked():
            slots, recovery, created = KeySlots.new(self.path, raw_key, username, password, secret_names)
            self._save(slots)
            return recovery, created

    def unlock(self, username: str, password: str, now: datetime | None = None) -> SlotKeys:
        """The store key (and the secrets) for this user's password. Failures are counted in the file as it
        is now."""
        now = now or _now()
        with self.locked():
            if self.pending_path.exists():
                return self._settle_rotation(
                    lambda slots: slots.unlock(username, password, now),
                    lambda slots: slots.unseal_with_password(username, password), username, now)
            slots = KeySlots.load(self.path)
            try:
                opened = slots.unlock(username, password, now)
            except UserError:
                self._save_quietly(slots)
                raise
            engines.check_key(self.store_path, opened.raw_key)
            self._seal_login(slots, opened.raw_key, username, now)
            self._save(slots)
            return opened

    def unlock_with_recovery(self, recovery_key: str, now: datetime | None = None) -> SlotKeys:
        now = now or _now()
        with self.locked():
            if self.pending_path.exists():
                return self._settle_rotation(
                    lambda slots: slots.unlock_with_recovery(recovery_key, now),
                    lambda slots: slots.unseal_with_recovery(recovery_key), None, now)
            slots = KeySlots.load(self.path)
            try:
                opened = slots.unlock_with_recovery(recovery_key, now)
            except UserError:
                self._save_quietly(slots)
                raise
            engines.check_key(self.store_path, opened.raw_key)
            self._seal_login(slots, opened.raw_key, None, now)
            self._save(slots)
            return opened

    @staticmethod
    def _seal_login(slots: KeySlots, raw_key: bytes, username: str | None, now: datetime) -> None:
        if slots.legacy_format:
            # Recorded so that the login service can tell a first upgrade from a file put back in the old format.
            slots.record_event(username or "recovery-key", KEYFILE_UPGRADED, now,
                               "key file upgraded to the sealed lockout record")
        for finding in slots.checkpoint_findings(raw_key):
            slots.record_event(username or "recovery-key", "keyfile_edited", now,
                               f"found at this login: {finding}")
        slots.seal_checkpoint(raw_key, reset=username)

    # ---- changes by a logged-in session -------------------------------------------------------------
    def change(self, raw_key: bytes, apply: Callable[[KeySlots], T]) -> T:
        """Load the file under the lock, apply a change, save. Refused for a session whose key is stale."""
        with self.locked():
            if self.pending_path.exists():
                raise RotationPending(
                    "A key rotation was interrupted: log out and log in again to finish it. Nothing was changed."
                )
            slots = KeySlots.load(self.path)
            if slots.key_id and slots.key_id != key_id(raw_key):
                raise StaleSession(
                    "An administrator changed the store's encryption key since you logged in. Log out and log in again; "
                    "nothing was changed."
                )
            result = apply(slots)
            self._save(slots)
            return result

    def check_current(self, raw_key: bytes) -> KeySlots:
        """The file as it is now, if this key is still the store's (else StaleSession)."""
        return self.change(raw_key, lambda slots: slots)

    def rotated_away_from(self, raw_key: bytes) -> bool:
        """True while a rotation is under way or unsettled, or once the file names another key than this."""
        try:
            with self.locked():  # waits for a rotation under way to end (on Windows, never reads mid-rename)
                if self.pending_path.exists():
                    return True
                current = KeySlots.load(self.path).key_id
        except UserError:
            return False
        return bool(current) and current != key_id(raw_key)

    def queued_events(self) -> tuple[list[dict[str, Any]], int, int]:
        """Failed-login events waiting for the audit log, the number of the last, and refusals only counted."""
        slots = self.load()
        return list(slots.pending_events), slots.events_total, slots.refusals_not_itemised

    def forget_events(self, through: int, refusals: int) -> None:
        """After the events are committed to the audit log (a crash before this writes them twice, never 0)."""
        with self.locked():
            for path in (self.path, self.pending_path):
                if path.exists():
                    slots = KeySlots.load(path)
                    if refusals or any(e["n"] <= through for e in slots.pending_events):
                        slots.drop_events_through(through, refusals)
                        self._save(slots, path)

    def text_for_backup(self, raw_key: bytes) -> str:
        """The key file as it is now, for a backup made under `raw_key` (refused if the key was rotated)."""
        with self.locked():
            slots = KeySlots.load(self.path)
            if slots.key_id and slots.key_id != key_id(raw_key):
                raise StaleSession("An administrator changed the store's encryption key during the backup. Run it again.")
            return self.path.read_text(encoding="utf-8")

    # ---- rotation -----------------------------------------------------------------------------------
    def write_rotation(self, slots: KeySlots) -> None:
        """Step 1 of a rotation (caller holds the lock): the resealed slots, with a note of who rotates."""
        slots.rotation = {"pid": os.getpid(), "host": socket.gethostname(),
                          "started": _now().isoformat(timespec="seconds")}
        slots.path = self.pending_path
        self.pending_path.unlink(missing_ok=True)
        _atomic_write_text(self.pending_path, slots.to_text())

    def finish_rotation(self, slots: KeySlots) -> None:
        """Last step (caller holds the lock, the store already opens with the new key)."""
        current_generation = _generation_on_disk(self.path)
        slots.rotation = None
        slots.path = self.path
        slots.generation = current_generation if current_generation is not None else slots.generation
        self._save(slots)
        self.pending_path.unlink(missing_ok=True)

    def abandon_rotation(self) -> None:
        self.pending_path.unlink(missing_ok=True)

    def _settle_rotation(self, unlock: Callable[[KeySlots], SlotKeys], unseal: Callable[[KeySlots], SlotKeys],
                         username: str | None, now: datetime) -> SlotKeys:
        """A rotation died (we hold the lock it held throughout): finish or undo it, whichever key works."""
        current = KeySlots.load(self.path)
        pending = KeySlots.load(self.pending_path)
        try:
            old = unlock(current)
        except UserError:
            self._carry_failure_record(current, pending)
            self._save_quietly(current)
            with contextlib.suppress(StorageProblem):
                self._save(pending, self.pending_path)
            raise
        try:
            new: SlotKeys | None = unseal(pending)
        except UserError:
            new = None
        who = pending.rotation or {}
        note = (f"rotate-key by process {who.get('pid', '?')} on {who.get('host', '?')} "
                f"at {who.get('started', '?')} was interrupted")
        if new is not None and _opens(self.store_path, new.raw_key):
            self._carry_failure_record(current, pending)
            pending.record_event(username or "recovery-key", "key_rotation_settled", now,
                                 f"{note}; the store was re-keyed, so it was finished")
            self._seal_login(pending, new.raw_key, username, now)
            self.finish_rotation(pending)
            return new
        if _opens(self.store_path, old.raw_key):
            current.record_event(username or "recovery-key", "key_rotation_settled", now,
                                 f"{note} before the store was re-keyed, so it was undone")
            self._seal_login(current, old.raw_key, username, now)
            self._save(current)
            self.abandon_rotation()
            return old
        raise NotAStore(
            "Neither the key file nor the one left by an interrupted key rotation opens the store. Nothing was "
            "changed: keep both files and restore the newest backup into a new place."
        )

    @staticmethod
    def _carry_failure_record(source: KeySlots, target: KeySlots) -> None:
        target.pending_events = list(source.pending_events)
        target.events_total = source.events_total
        target.refusals_not_itemised = source.refusals_not_itemised


def _opens(store_path: Path, raw_key: bytes) -> bool:
    try:
        engines.check_key(store_path, raw_key)
    except NotAStore:
        return False
    return True


def _atomic_write_text(path: Path, text: str) -> None:
    """Write a uniquely named file beside the target, fsync, rename over it: a crash leaves old or new."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        # Under the lock every such file is a killed writer's: nobody else is writing now.
        leftover.unlink(missing_ok=True)
    tmp_name = ""
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
        _fsync_folder(path.parent)
    except OSError as exc:
        if tmp_name:
            Path(tmp_name).unlink(missing_ok=True)
        raise StorageProblem(describe_os_error(exc, path.parent)) from None


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory handles to flush; MoveFileEx is durable once it returns
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot flush a folder; the rename itself has happened
    finally:
        os.close(fd)
