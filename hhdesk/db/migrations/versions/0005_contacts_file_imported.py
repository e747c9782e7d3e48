"""contacts file imported: on an agency's server, whether a contacts file was imported before, for importers

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:20:00

A contacts import refuses a file imported before by finding the file's SHA-256 in the audit log. On a server
only administrators read the audit log, so a supervisor's import could not look: this function, run as the
set-up role that owns the table, answers that one question (when and by whom) and nothing else. Who may call
it is granted by hhdesk.db.roles, as for every privilege. A store file needs nothing: its import reads the
audit log itself.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FUNCTION = "hhdesk_contacts_file_imported(text)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
    CREATE FUNCTION hhdesk_contacts_file_imported(digest text) RETURNS TABLE (at text, username text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
        SELECT e.at::text, e.username::text FROM public.audit_events e
        WHERE digest ~ '^[0-9a-f]{64}$' AND e.action = 'contacts_import'
          AND strpos(e.detail, 'sha256 ' || digest) > 0
        ORDER BY e.id DESC LIMIT 1
    $$
    """)
    op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION {FUNCTION}")
