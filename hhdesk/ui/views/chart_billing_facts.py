"""The Enrolment tab's "Billing facts" box: the member's Health Home Plus population, Assisted Outpatient
Treatment orders, and outreach months another Health Home or agency billed — what the monthly billing rules
read besides contacts, consent and tier (docs/billing.md)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hhdesk.domain.enums import HHPlusPopulation
from hhdesk.domain.permissions import Permission
from hhdesk.services import billing_facts
from hhdesk.services.billing_facts import AotOrderInfo, MemberBillingFactsInfo, OutreachElsewhereInfo
from hhdesk.services.context import AppSession
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.billing_facts_dialogs import AotOrderDialog, OutreachElsewhereDialog
from hhdesk.ui.errors import user_errors
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fields import fit_rows
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.text import format_date

SOURCE_WORDS = {"chart": "entered", "import": "imported"}


class BillingFactsBox(QGroupBox):
    def __init__(self, app: AppSession, member_id: int, changed: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__("Billing facts", parent)
        self.app = app
        self.member_id = member_id
        self._changed = changed
        self.facts: MemberBillingFactsInfo | None = None
        self.dialog: QWidget | None = None
        may_enrol = app.actor.can(Permission.EDIT_ENROLMENT)
        may_outreach = may_enrol or app.actor.can(Permission.BILLING)

        self.population = QComboBox()
        self.population.addItem("Not recorded (SMI minimum applies)", "")
        for population, words in billing_facts.POPULATION_WORDS.items():
            self.population.addItem(words, population.value)
        self.population.setEnabled(may_enrol)
        self.population.setToolTip("Which Health Home Plus population the member belongs to: it sets the month's "
                                   "minimum when the tier is Health Home Plus")
        self.population.activated.connect(self._population_chosen)
        population_row = QHBoxLayout()
        population_row.addWidget(QLabel("Health Home Plus population:"))
        population_row.addWidget(self.population, 1)

        self.orders = ListTable(["AOT order from", "To (last day)", "Note"], [110, 110])
        self.orders.itemSelectionChanged.connect(self._selection_changed)
        self.add_order_button = QPushButton("Add AOT order…")
        self.add_order_button.clicked.connect(self.open_order_dialog)
        self.end_order_button = QPushButton("End…")
        self.end_order_button.setToolTip("Record the day the selected order ended")
        self.end_order_button.clicked.connect(self.open_end_dialog)
        self.remove_order_button = QPushButton("Remove…")
        self.remove_order_button.setToolTip("Delete the selected order, entered in error")
        self.remove_order_button.clicked.connect(self.remove_selected_order)
        for button in (self.add_order_button, self.end_order_button, self.remove_order_button):
            button.setVisible(may_enrol)
        order_buttons = QHBoxLayout()
        order_buttons.addWidget(self.remove_order_button)
        order_buttons.addStretch(1)
        order_buttons.addWidget(self.end_order_button)
        order_buttons.addWidget(self.add_order_button)

        self.months = ListTable(["Outreach month", "Billed by", "How"], [110, 220])
        self.months.itemSelectionChanged.connect(self._selection_changed)
        self.add_month_button = QPushButton("Add month billed elsewhere…")
        self.add_month_button.clicked.connect(self.open_month_dialog)
        self.remove_month_button = QPushButton("Remove…")
        self.remove_month_button.setToolTip("Delete the selected month, entered in error")
        self.remove_month_button.clicked.connect(self.remove_selected_month)
        for button in (self.add_month_button, self.remove_month_button):
            button.setVisible(may_outreach)
        month_buttons = QHBoxLayout()
        month_buttons.addWidget(self.remove_month_button)
        month_buttons.addStretch(1)
        month_buttons.addWidget(self.add_month_button)

        layout = QVBoxLayout(self)
        layout.addLayout(population_row)
        layout.addWidget(self.orders)
        layout.addLayout(order_buttons)
        layout.addWidget(role_label("Outreach months another Health Home or care management agency billed for this "
                                    "person count in the outreach limits.", "muted"))
        layout.addWidget(self.months)
        layout.addLayout(month_buttons)
        self.refresh()

    # ---- showing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        with user_errors(self) as attempt:
            facts = billing_facts.get_billing_facts(self.app, self.member_id)
        if attempt.failed:
            return
        self.facts = facts
        value = facts.hh_plus_population.value if facts.hh_plus_population else ""
        self.population.setCurrentIndex(max(self.population.findData(value), 0))
        self.orders.set_rows([[format_date(o.start), format_date(o.end) if o.end else "(in effect)", o.note]
                              for o in facts.aot_orders], keys=[o.id for o in facts.aot_orders])
        self.months.set_rows([[str(m.month), m.agency, SOURCE_WORDS.get(m.source, m.source)]
                              for m in reversed(facts.outreach_elsewhere)],
                             keys=[m.id for m in reversed(facts.outreach_elsewhere)])
        for table in (self.orders, self.months):
            fit_rows(table, min_rows=1, max_rows=6)
        self._selection_changed()

    def clear_for_lock(self) -> None:
        self.facts = None
        self.orders.set_rows([])
        self.months.set_rows([])

    def _selection_changed(self) -> None:
        order = self.selected_order()
        self.end_order_button.setEnabled(order is not None)
        self.remove_order_button.setEnabled(order is not None)
        self.remove_month_button.setEnabled(self.selected_month() is not None)

    def selected_order(self) -> AotOrderInfo | None:
        key = self.orders.selected_key()
        if self.facts is None or key is None:
            return None
        return next((o for o in self.facts.aot_orders if o.id == key), None)

    def selected_month(self) -> OutreachElsewhereInfo | None:
        key = self.months.selected_key()
        if self.facts is None or key is None:
            return None
        return next((m for m in self.facts.outreach_elsewhere if m.id == key), None)

    # ---- actions ------------------------------------------------------------------------------------
    def _done(self) -> None:
        self.refresh()
        self._changed()

    def _open(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.accepted.connect(self._done)  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        return dialog

    def _population_chosen(self) -> None:
        with user_errors(self):
            billing_facts.set_hh_plus_population(self.app, self.member_id, self.population.currentData() or None)
        self._done()

    def set_population(self, population: HHPlusPopulation | None) -> None:
        """Choose a population as the user would (for tests and keyboard users)."""
        self.population.setCurrentIndex(max(self.population.findData(population.value if population else ""), 0))
        self._population_chosen()

    def open_order_dialog(self) -> AotOrderDialog:
        return self._open(AotOrderDialog(self.app, self.member_id, None, self))  # type: ignore[return-value]

    def open_end_dialog(self) -> AotOrderDialog | None:
        order = self.selected_order()
        if order is None:
            return None
        return self._open(AotOrderDialog(self.app, self.member_id, order, self))  # type: ignore[return-value]

    def open_month_dialog(self) -> OutreachElsewhereDialog:
        return self._open(OutreachElsewhereDialog(self.app, self.member_id, self))  # type: ignore[return-value]

    def remove_selected_order(self) -> bool:
        order = self.selected_order()
        if order is None:
            return False
        if not common.confirm(self, "Remove AOT order", f"Remove the AOT order from {format_date(order.start)}? "
                              "Do this only for an order entered in error; when an order ends, use End… "
                              "instead. The removal is audited.", "Remove"):
            return False
        with user_errors(self) as attempt:
            billing_facts.remove_aot_order(self.app, order.id)
        if attempt.failed:
            return False
        self._done()
        return True

    def remove_selected_month(self) -> bool:
        month = self.selected_month()
        if month is None:
            return False
        if not common.confirm(self, "Remove outreach month", f"Remove {month.month}, billed by {month.agency}? "
                              "Do this only for a month entered in error. The removal is audited.", "Remove"):
            return False
        with user_errors(self) as attempt:
            billing_facts.remove_outreach_elsewhere(self.app, month.id)
        if attempt.failed:
            return False
        self._done()
        return True
