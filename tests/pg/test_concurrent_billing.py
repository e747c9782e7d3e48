"""Two billing workstations exporting at the same moment, each in its own process with its own login."""

from __future__ import annotations

import multiprocessing
from datetime import date
from pathlib import Path

from hhdesk.db.postgres import ServerStore
from hhdesk.domain.enums import Role
from hhdesk.domain.service_month import ServiceMonth
from hhdesk.services import billing
from hhdesk.services.agency import login
from tests.billing_store import fill_billing_store
from tests.pg.billing_workstations import export_month
from tests.pg.conftest import STAFF_PASSWORD, AgencyDatabase, add_staff

MONTH = ServiceMonth(2026, 10)
TODAY = date(2026, 11, 16)  # within every test payer's filing limit for October


def _billing_agency(agency: AgencyDatabase) -> str:
    store = ServerStore.open(agency.address, agency.admin, agency.admin_password)
    try:
        fill_billing_store(store, members=40, contacts_per_member=6, months=2, end_month=MONTH)
    finally:
        store.close()
    return add_staff(agency, Role.BILLING)


def _race(agency: AgencyDatabase, clerk: str, outs: list[Path], reason: str | None) -> list[str]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(len(outs))
        with context.Pool(len(outs)) as pool:
            return pool.starmap(export_month, [(agency.url, clerk, STAFF_PASSWORD, str(MONTH), str(out), reason,
                                                TODAY, start) for out in outs])


def test_the_same_month_exported_twice_at_once_yields_one_file_set_and_one_refusal(agency: AgencyDatabase,
                                                                                  tmp_path: Path) -> None:
    clerk = _billing_agency(agency)
    outs = [tmp_path / "first" / "october.x12", tmp_path / "second" / "october.x12"]
    for out in outs:
        out.parent.mkdir()

    results = _race(agency, clerk, outs, reason=None)

    assert sorted(results) == ["already exported", "exported"]
    written = [path for out in outs for path in out.parent.iterdir()]
    assert written and all(path.parent == outs[results.index("exported")].parent for path in written)
    app = login(agency.address, clerk, STAFF_PASSWORD)
    try:
        runs = billing.history(app, MONTH)
    finally:
        app.close()
    assert len(runs) == len(written)  # one run per payer's file, all from the one export


def test_control_numbers_never_repeat_when_workstations_export_at_once(agency: AgencyDatabase,
                                                                       tmp_path: Path) -> None:
    clerk = _billing_agency(agency)
    outs = [tmp_path / f"clerk{n}" / "october.x12" for n in range(4)]
    for out in outs:
        out.parent.mkdir()

    results = _race(agency, clerk, outs, reason="a second copy for the clearinghouse")

    assert results == ["exported"] * 4
    app = login(agency.address, clerk, STAFF_PASSWORD)
    try:
        runs = billing.history(app, MONTH)
    finally:
        app.close()
    interchanges = [run.interchange_control_number for run in runs]
    groups = [run.group_control_number for run in runs]
    assert len(runs) >= 4 and None not in interchanges
    assert len(set(interchanges)) == len(runs) and len(set(groups)) == len(runs)
    assert sorted(interchanges) == list(range(1, len(runs) + 1))
    files = {path.read_text(encoding="ascii")[90:99] for out in outs for path in out.parent.iterdir()}
    assert len(files) == len(runs)  # ISA13 of every file on disk differs too
