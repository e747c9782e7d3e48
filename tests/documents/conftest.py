"""Fixtures for the document tests: the fictional sample documents."""

from __future__ import annotations

import pytest

from hhdesk.documents import samples
from hhdesk.documents.data import Letterhead, MemberSummary, PacketDoc


@pytest.fixture(scope="session")
def letterhead() -> Letterhead:
    return samples.sample_letterhead()


@pytest.fixture(scope="session")
def member() -> MemberSummary:
    return samples.sample_member()


@pytest.fixture(scope="session")
def packet() -> PacketDoc:
    return samples.sample_packet()
