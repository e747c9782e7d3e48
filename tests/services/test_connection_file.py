"""The connection file a workstation is handed: the server's address, its certificate beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhdesk.cli.common import store_location
from hhdesk.db.postgres import ServerAddress
from hhdesk.errors import UserError
from hhdesk.services.connection_file import read_connection_file, write_connection_file

URL = "postgresql://office-pc:5432/riverside?sslmode=verify-full&sslrootcert=riverside-ca.crt"


def test_a_relative_certificate_is_the_file_beside_the_connection_file(tmp_path: Path) -> None:
    write_connection_file(tmp_path / "riverside.hhserver", URL)
    address = ServerAddress.parse(read_connection_file(tmp_path / "riverside.hhserver"))
    assert (address.host, address.port, address.database) == ("office-pc", "5432", "riverside")
    assert address.root_certificate == (tmp_path / "riverside-ca.crt").resolve()
    assert store_location(str(tmp_path / "riverside.hhserver")) == read_connection_file(tmp_path / "riverside.hhserver")


def test_an_absolute_certificate_stays_as_it_is(tmp_path: Path) -> None:
    write_connection_file(tmp_path / "a.hhserver", URL.replace("riverside-ca.crt", "/etc/hhdesk/ca.crt"))
    assert ServerAddress.parse(read_connection_file(tmp_path / "a.hhserver")).root_certificate == Path(
        "/etc/hhdesk/ca.crt")


@pytest.mark.parametrize("text, sentence", [
    (None, "There is no connection file at"),
    ("url = postgresql://x/y\n", "is not an hhdesk connection file"),
    ("[agency server]\n", "names no server"),
    ("[agency server]\nurl = \n", "names no server"),
])
def test_a_missing_or_wrong_connection_file_is_one_sentence(tmp_path: Path, text: str | None, sentence: str) -> None:
    path = tmp_path / "agency.hhserver"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=sentence):
        read_connection_file(path)
