"""Shared test set-up: cheap key derivation, offscreen Qt, a data folder per test run."""

from __future__ import annotations

import os

# Before anything imports Qt or creates a key slot.
os.environ["HHDESK_INSECURE_FAST_KDF"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real platform data folder from a test."""
    folder = tmp_path_factory.mktemp("hhdesk-data")
    monkeypatch.setenv("HHDESK_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _default_write_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run in-process sets how long writes wait for each other; each test starts from the default."""
    from hhdesk.db import engine

    monkeypatch.setattr(engine, "write_wait", engine.WriteWaitPolicy())
