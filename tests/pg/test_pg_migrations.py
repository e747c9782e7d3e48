"""The one Alembic history builds, removes and rebuilds the schema on PostgreSQL exactly as the models say."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from hhdesk.db import postgres
from hhdesk.db.models import Base
from hhdesk.db.store import _alembic_config, schema_head
from tests.pg.server import TestServer

APPEND_ONLY_TRIGGERS = {"audit_events_chain", "audit_events_no_update", "audit_events_no_delete",
                        "audit_events_no_truncate"}


def _objects(connection) -> tuple[set[str], set[str], set[str]]:
    tables = {r[0] for r in connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'"))}
    triggers = {r[0] for r in connection.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
    functions = {r[0] for r in connection.execute(text(
        "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'public'"))}
    return tables, triggers, functions


def test_up_down_and_up_again_on_postgresql(pg_server: TestServer, empty_database: str) -> None:
    address = postgres.ServerAddress.parse(pg_server.url(empty_database))
    engine = postgres.make_engine(address, pg_server.superuser, pg_server.superuser_password)
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            postgres.migrate_in(connection)
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == schema_head()
            assert compare_metadata(context, Base.metadata) == []
            tables, triggers, functions = _objects(connection)
            assert tables == set(Base.metadata.tables)
            assert triggers == APPEND_ONLY_TRIGGERS
            assert functions == {"audit_events_chain", "audit_events_append_only", "hhdesk_contacts_file_imported"}

            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            assert _objects(connection) == (set(), set(), set())

            command.upgrade(config, "head")
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            assert _objects(connection)[1] == APPEND_ONLY_TRIGGERS
    finally:
        engine.dispose()
