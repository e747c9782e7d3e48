"""The test server is set up as a clinic's must be: TLS 1.3, SCRAM, TLS-only logins."""

from __future__ import annotations

import psycopg
import pytest

from tests.pg.server import SERVER_NAME, TestServer


def test_the_server_speaks_tls13_and_scram_only(pg_server: TestServer) -> None:
    with pg_server.superuser_connect() as conn:
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('ssl', 'ssl_min_protocol_version', 'password_encryption')").fetchall())
        assert settings == {"ssl": "on", "ssl_min_protocol_version": "TLSv1.3",
                            "password_encryption": "scram-sha-256"}
        version = conn.execute("SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert version == ("TLSv1.3",)
        rules = conn.execute("SELECT DISTINCT type, auth_method FROM pg_hba_file_rules").fetchall()
        assert rules == [("hostssl", "scram-sha-256")]


def test_a_connection_without_tls_is_turned_away(pg_server: TestServer) -> None:
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(host=SERVER_NAME, hostaddr="127.0.0.1", port=pg_server.port, dbname="postgres",
                        user=pg_server.superuser, password=pg_server.superuser_password, sslmode="disable")
