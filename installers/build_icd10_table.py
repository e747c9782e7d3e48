"""Write resources/icd10cm/codes.tsv.gz, the ICD-10-CM code table hhdesk reads at run time.

    .venv/bin/python installers/build_icd10_table.py

A developer tool, run once per code-set update (after upgrading ``simple_icd_10_cm``, which is in the
``test`` extra only). hhdesk itself never imports the package: parsing its tabular XML costs about 175 MB
and two seconds, where the table below is read in a fraction of that. The generated file is committed;
tests/domain/test_icd10_table.py fails when it no longer matches the installed package.

The table holds every code the code search offers: each item of ``get_all_codes`` that is not a chapter
(a number) or a block (a range), once, in the code set's own (tree) order, with its description and its
inclusion terms (the search matches their words too). The format, UTF-8 text, gzip-compressed:

    code <TAB> description [<TAB> inclusion term]...

The first line is the header ``code<TAB>description<TAB>inclusion_terms...``. A tab, line break or
backslash inside a text (a few descriptions hold a stray tab) is written as ``\\t``, ``\\n``, ``\\r`` or
``\\\\``. The gzip header carries no time stamp or file name, so the same package gives the same bytes.
"""

from __future__ import annotations

import gzip
import sys
import warnings
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "resources" / "icd10cm" / "codes.tsv.gz"
HEADER = ("code", "description", "inclusion_terms...")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def escape(text: str) -> str:
    """A text as one TSV field: backslash, tab and line breaks written as backslash escapes."""
    return text.translate(_ESCAPES)


def table_rows() -> Iterator[tuple[str, ...]]:
    """(code, description, *inclusion terms) for each code the search offers, in the code set's order."""
    # The package loads its data with a deprecated importlib call; that warning is the package's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    seen: set[str] = set()
    for code in icd.get_all_codes(True):
        # Chapters are numbers ('1') and blocks are ranges ('A00-A09'); a few codes are listed twice
        # (under two blocks). The same filter the search index used when it was built from the package.
        if "-" in code or code.isdigit() or code in seen:
            continue
        seen.add(code)
        yield (code, str(icd.get_description(code)), *(str(term) for term in icd.get_inclusion_term(code)))


def write_table(rows: Iterable[tuple[str, ...]], path: Path) -> int:
    """Write the rows as gzip-compressed TSV (reproducibly: no time stamp); the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as packed,
    ):
        packed.write(("\t".join(HEADER) + "\n").encode("utf-8"))
        for row in rows:
            packed.write(("\t".join(escape(field) for field in row) + "\n").encode("utf-8"))
            count += 1
    return count


def main() -> int:
    count = write_table(table_rows(), TABLE)
    print(f"{TABLE}: {count} codes, {TABLE.stat().st_size:,} bytes, from simple_icd_10_cm "
          f"{version('simple_icd_10_cm')}. Update resources/icd10cm/README.md if the release changed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
