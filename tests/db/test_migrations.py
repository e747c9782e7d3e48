"""Migrations from an empty store give exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from hhdesk.db.models import Base
from hhdesk.db.store import Store, schema_head


def test_migrations_from_empty_match_the_models(tmp_path: Path) -> None:
    store, _ = Store.create(tmp_path / "m.hhdesk", "admin", "a long enough password")
    try:
        with store.writer.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == schema_head()
            assert compare_metadata(context, Base.metadata) == []
            triggers = connection.execute(text("select name from sqlite_master where type='trigger'")).all()
            assert {t[0] for t in triggers} >= {"audit_events_no_update", "audit_events_no_delete"}
    finally:
        store.close()



def test_every_migration_goes_down_to_empty_and_up_again(tmp_path: Path) -> None:
    from alembic import command

    from hhdesk.db.store import _alembic_config

    store, _ = Store.create(tmp_path / "m.hhdesk", "admin", "a long enough password")
    try:
        config = _alembic_config()
        with store.writer.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            left = connection.execute(text("select name from sqlite_master where type in ('table', 'trigger') "
                                           "and name != 'alembic_version'")).all()
            assert left == []
            command.upgrade(config, "head")
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == schema_head()
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()
