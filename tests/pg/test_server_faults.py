"""What the agency's server says no to in the middle of work reaches the user by its SQLSTATE, in the words of
a read or of a write; a wrong query stays a bug."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from hhdesk.db.models import Contact
from hhdesk.domain.enums import Role
from hhdesk.errors import PermissionDenied, ServerUnreachable, UserError
from hhdesk.services.agency import login
from hhdesk.services.context import AppSession
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff


@pytest.fixture
def clerk(agency: AgencyDatabase) -> Iterator[AppSession]:
    app = login(agency.address, add_staff(agency, Role.BILLING), STAFF_PASSWORD)
    yield app
    app.close()


def test_insufficient_privilege_in_a_read_and_in_a_write(clerk: AppSession) -> None:
    with pytest.raises(PermissionDenied, match="^The agency's server refused this for your role: it may not "
                       "read these records"), clerk.read(None) as session:
        session.execute(select(Contact.note)).all()
    with pytest.raises(PermissionDenied, match="for your role; nothing was changed"), clerk.work(None) as uow:
        uow.session.execute(text("UPDATE contacts SET note = ''"))


def test_a_connection_the_server_ends_is_unreachable(agency: AgencyDatabase, clerk: AppSession) -> None:
    with pytest.raises(ServerUnreachable, match="^The connection to the agency's server was lost, so nothing "
                       "could be read"), clerk.read(None) as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with agency.server.superuser_connect(agency.database) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        session.execute(text("SELECT 1")).all()


def test_a_connection_lost_in_a_write_says_nothing_was_saved(agency: AgencyDatabase, clerk: AppSession) -> None:
    with pytest.raises(ServerUnreachable, match="lost; nothing was saved"), clerk.work(None) as uow:
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar()
        with agency.server.superuser_connect(agency.database) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        uow.session.execute(text("SELECT 1")).all()


def test_a_wrong_query_on_the_server_is_a_bug(clerk: AppSession) -> None:
    with pytest.raises(DBAPIError) as caught, clerk.read(None) as session:
        session.execute(text("SELECT no_such_column FROM members WHERE medicaid_id = :id"), {"id": "AB12345C"})
    assert not isinstance(caught.value, UserError)
    assert "AB12345C" not in str(caught.value)
