"""Screenshots of the window for docs/screenshots, on throwaway stores with fictional members.

Run under a virtual display:
    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python -m tests.ui.screenshots docs/screenshots
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication

from hhdesk.db.store import Store
from hhdesk.services import users
from hhdesk.services.settings import AgencyInfo
from hhdesk.ui.dialogs.setup_wizard import SetupWizard
from hhdesk.ui.main_window import MainWindow
from tests.factories import MemberSpec, add_members
from tests.ui.screenshot_support import (
    out_dir_argument,
    save,
    screenshot_session,
    settle,
    show_main_window,
    wants_extras,
)

PASSWORD = "a long example passphrase"

_PEOPLE = [
    ("Núñez", "José", "Pepe"), ("O'Brien", "Siobhan", ""), ("Washington", "Denise", ""), ("Nguyen", "Thanh", ""),
    ("Smith-Jones", "Robert", "Bob"), ("García", "María", ""), ("Kowalski", "Anna", ""), ("Johnson", "Tyrone", ""),
    ("Patel", "Priya", ""), ("Williams", "Keisha", ""), ("Rodríguez", "Luis", ""), ("Chen", "Wei", ""),
    ("Baker", "Margaret", "Peggy"), ("Hernández", "Sofía", ""), ("Davis", "Marcus", ""), ("Okafor", "Chidi", ""),
    ("Moore", "Linda", ""), ("Jackson", "Andre", ""), ("Rossi", "Giulia", ""), ("Thompson", "James", "Jim"),
    ("Ali", "Fatima", ""), ("Murphy", "Sean", ""), ("Lopez", "Carmen", ""), ("Brown", "Dorothy", ""),
    ("Kim", "Ji-ho", ""), ("Pérez", "Ramón", ""), ("Clark", "Shirley", ""), ("Lewis", "Darnell", ""),
]
_STATUSES = ["enrolled", "enrolled", "outreach", "enrolled", "referred", "enrolled", "disenrolled", "outreach"]
_TIERS = {"enrolled": ["standard", "high_risk", "standard", "hh_plus"]}


def fictional_members() -> list[MemberSpec]:
    specs = []
    for number, (last, first, preferred) in enumerate(_PEOPLE):
        status = _STATUSES[number % len(_STATUSES)]
        tiers = _TIERS.get(status)
        specs.append(MemberSpec(
            last, first, f"{chr(65 + number % 26)}{chr(66 + number * 7 % 24)}{10_000 + number * 3_517 % 89_999:05d}"
            f"{chr(67 + number % 20)}", date(1948, 3, 1) + timedelta(days=number * 811 % 20_000),
            preferred, f"(518) 555-{100 + number * 37 % 900:04d}" if number % 5 else "",
            [None, "cmartinez", "mhall", "cmartinez", "jokafor"][number % 5], status,
            tiers[number % len(tiers)] if tiers else None))
    return specs


def build_store(folder: Path) -> Path:
    path = folder / "demo.hhdesk"
    users.create_store(path, AgencyInfo(name="Hudson Valley Health Home", address_line1="41 State Street",
                                        city="Albany", state="NY", zip="12207", phone="(518) 555-0100",
                                        npi="1234567893"), "dana", PASSWORD, "Dana Whitfield")
    app = users.login(path, "dana", PASSWORD)
    for username, name, role in (("cmartinez", "Carla Martinez", "care_manager"),
                                 ("mhall", "Marcus Hall", "care_manager"),
                                 ("jokafor", "Joy Okafor", "supervisor"),
                                 ("bclerk", "Bea Clerk", "billing")):
        users.add_user(app, username, role, PASSWORD, full_name=name, phone="(518) 555-0190",
                       email=f"{username}@hvhh.example")
    users.logout(app)
    store = Store.open(path, "dana", PASSWORD)
    add_members(store, fictional_members())
    store.close()
    return path


def extra_shots(application: QApplication, window: MainWindow, out_dir: Path) -> None:
    """More views, for looking at them while working on the window (not kept in docs/)."""
    admin = window.show_section("admin")
    for title, name in (("Agency settings", "settings"), ("Backups", "backups"), ("Audit log", "audit")):
        admin.tab(title)  # type: ignore[attr-defined]
        settle(application)
        save(window, out_dir / f"extra-{name}.png")
    users_tab = admin.tab("Users and roles")  # type: ignore[attr-defined]
    users_tab.add_user()
    settle(application)
    save(users_tab.dialog, out_dir / "extra-add-user.png")
    users_tab.dialog.reject()
    caseload = window.show_section("caseload")
    caseload.search.setText("gar")
    caseload.apply_filters()
    settle(application)
    save(window, out_dir / "extra-search.png")
    caseload.search.setText("")
    caseload.apply_filters()
    caseload.table.selectRow(2)
    caseload._open_index(caseload.table.currentIndex())
    settle(application)
    save(window.member_views()[0], out_dir / "extra-member.png")


def extra_login(application: QApplication, path: Path, out_dir: Path) -> None:
    from hhdesk.ui.dialogs.login import LoginDialog

    login = LoginDialog(path, "dana")
    login.show()
    login.password.setText("wrong password here")
    login.try_login()
    settle(application)
    save(login, out_dir / "extra-login.png")
    login.reject()


def main(out_dir: Path, extras: bool = False) -> int:
    with screenshot_session(out_dir) as (application, scratch):
        path = build_store(scratch)

        window = show_main_window(application, users.login(path, "dana", PASSWORD), 1280, 780)
        save(window, out_dir / "caseload.png")

        admin = window.show_section("admin")
        admin.tab("Users and roles")  # type: ignore[attr-defined]
        settle(application)
        save(window, out_dir / "admin.png")
        if extras:
            extra_shots(application, window, out_dir)
            extra_login(application, path, out_dir)

        window.show_section("caseload")
        window.lock("Locked after 15 minutes without activity.")
        settle(application)
        save(window, out_dir / "lock.png")
        window.try_unlock(PASSWORD)
        window.close()
        settle(application)

        wizard = SetupWizard(scratch / "throwaway" / "new.hhdesk")
        wizard.show()
        wizard.next()
        wizard.agency_page.form.name.setText("Hudson Valley Health Home")
        wizard.agency_page.form.npi.setText("1234567890")
        if extras:
            settle(application)
            save(wizard, out_dir / "extra-wizard-agency.png")
        wizard.agency_page.form.npi.setText("")
        wizard.next()
        wizard.admin_page.username.setText("dana")
        wizard.admin_page.full_name.setText("Dana Whitfield")
        wizard.admin_page.passwords.first.setText(PASSWORD)
        wizard.admin_page.passwords.second.setText(PASSWORD)
        if extras:
            settle(application)
            save(wizard, out_dir / "extra-wizard-admin.png")
        wizard.next()
        settle(application)
        save(wizard, out_dir / "setup-wizard-recovery-key.png")
        wizard.key_page.confirm.setChecked(True)
        wizard.accept()
        settle(application)
    return 0


if __name__ == "__main__":
    sys.exit(main(out_dir_argument(), extras=wants_extras()))
