"""The chart's Enrolment tab: the segments as a timeline and a table, the actions that move a member
between outreach, enrolled and disenrolled, the eligibility explanation, consent forms and the tier."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hhdesk.domain.enums import ConsentKind, MemberStatus, SegmentType
from hhdesk.domain.permissions import Permission
from hhdesk.services import enrolment, members, payers
from hhdesk.services.enrolment import AttachmentFile, ConsentInfo, EnrolmentRecord, TierInfo
from hhdesk.ui.dialogs import common
from hhdesk.ui.dialogs.enrolment_dialogs import (
    AppropriatenessDialog,
    ConsentDialog,
    SegmentDialog,
    TierDialog,
    view_attachment,
)
from hhdesk.ui.errors import user_errors
from hhdesk.ui.views.chart_billing_facts import BillingFactsBox
from hhdesk.ui.views.member_chart import ChartContext
from hhdesk.ui.views.tables import ListTable
from hhdesk.ui.widgets.fields import chip, fit_rows
from hhdesk.ui.widgets.labels import role_label
from hhdesk.ui.widgets.segment_timeline import SegmentTimeline, TimelineMark, TimelineSegment
from hhdesk.ui.widgets.text import format_date


class EnrolmentTab(QWidget):
    def __init__(self, context: ChartContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.app = context.app
        self.record: EnrolmentRecord | None = None
        self.dialog: QWidget | None = None
        may_enrol = self.app.actor.can(Permission.EDIT_ENROLMENT)
        may_consent = self.app.actor.can(Permission.RECORD_CONSENT)

        self.status = role_label("", "subheading")
        self.outreach_button = QPushButton("Start outreach…")
        self.enrol_button = QPushButton("Enrol…")
        self.disenrol_button = QPushButton("Disenrol…")
        self.re_enrol_button = QPushButton("Re-enrol…")
        actions = QHBoxLayout()
        for button, action in ((self.outreach_button, "outreach"), (self.enrol_button, "enrol"),
                               (self.disenrol_button, "disenrol"), (self.re_enrol_button, "re_enrol")):
            button.clicked.connect(lambda _=False, a=action: self.open_segment_dialog(a))
            button.setVisible(may_enrol)
            actions.addWidget(button)
        actions.addStretch(1)

        self.timeline = SegmentTimeline(self.app.clock.today())
        self.segments = ListTable(["Stage", "From", "To (last day)", "How it ended", "Override reason"],
                                  [85, 90, 112, 170])

        self.tiers = ListTable(["From", "Tier", "Note"], [90, 150])
        self.tier_button = QPushButton("Set tier…")
        self.tier_button.setVisible(may_enrol)
        self.tier_button.clicked.connect(self.open_tier_dialog)
        self.remove_tier_button = QPushButton("Remove…")
        self.remove_tier_button.setToolTip("Delete the selected tier entry, made in error")
        self.remove_tier_button.setVisible(may_enrol)
        self.remove_tier_button.clicked.connect(self.remove_selected_tier)
        self.tiers.itemSelectionChanged.connect(self._tier_selection_changed)
        tier_box = QGroupBox("Tier (acuity)")
        tier_layout = QVBoxLayout(tier_box)
        tier_layout.addWidget(self.tiers)
        tier_buttons = QHBoxLayout()
        tier_buttons.addWidget(self.remove_tier_button)
        tier_buttons.addStretch(1)
        tier_buttons.addWidget(self.tier_button)
        tier_layout.addLayout(tier_buttons)

        self.payers = ListTable(["From", "Payer", "Note"], [90, 200])
        self.payers.setAccessibleName("Medicaid payer")
        self.payer_button = QPushButton("Set payer…")
        self.payer_button.setToolTip("From a date on, the member's months are billed to this plan or to "
                                     "fee-for-service")
        may_set_payer = self.app.actor.can(Permission.EDIT_DEMOGRAPHICS)
        self.payer_button.setVisible(may_set_payer)
        self.payer_button.clicked.connect(self.open_payer_dialog)
        self.remove_payer_button = QPushButton("Remove…")
        self.remove_payer_button.setToolTip("Delete the selected payer entry, made in error")
        self.remove_payer_button.setVisible(may_set_payer)
        self.remove_payer_button.clicked.connect(self.remove_selected_payer)
        payer_box = QGroupBox("Medicaid payer (managed-care plan or fee-for-service)")
        payer_layout = QVBoxLayout(payer_box)
        payer_layout.addWidget(self.payers)
        payer_buttons = QHBoxLayout()
        payer_buttons.addWidget(self.remove_payer_button)
        payer_buttons.addStretch(1)
        payer_buttons.addWidget(self.payer_button)
        payer_layout.addLayout(payer_buttons)

        history_box = QGroupBox("Enrolment history")
        history = QVBoxLayout(history_box)
        history.addWidget(self.timeline)
        history.addWidget(self.segments)

        self.verdict_row = QHBoxLayout()
        self.verdict: QWidget | None = None
        self.explanation = role_label("")
        self.appropriateness_button = QPushButton("Appropriateness criteria…")
        self.appropriateness_button.setToolTip("Why the member needs Health Home care management (required in NY)")
        self.appropriateness_button.clicked.connect(self.open_appropriateness_dialog)
        self.appropriateness_button.setVisible(self.app.actor.can(Permission.EDIT_CLINICAL))
        eligibility_box = QGroupBox("Eligibility")
        eligibility = QVBoxLayout(eligibility_box)
        eligibility.addLayout(self.verdict_row)
        eligibility.addWidget(self.explanation)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.appropriateness_button)
        eligibility.addLayout(row)

        self.consents = ListTable(["Signed", "Form", "Kind", "Signed by", "Scan"], [85, 80, 95, 95])
        self.consents.itemSelectionChanged.connect(self._selection_changed)
        self.consents.doubleClicked.connect(lambda _index: self.view_scan())
        self.consent_button = QPushButton("Record consent…")
        self.withdrawal_button = QPushButton("Withdrawal…")
        self.withdrawal_button.setToolTip("Record a signed withdrawal of consent")
        self.opt_out_button = QPushButton("Opt-out…")
        self.opt_out_button.setToolTip("Record a signed opt-out form")
        self.attach_button = QPushButton("Attach scan…")
        self.view_button = QPushButton("View scan")
        self.remove_consent_button = QPushButton("Remove…")
        self.remove_consent_button.setToolTip("Delete the selected form record, entered in error "
                                              "(a member who withdraws signs a withdrawal form instead)")
        self.remove_consent_button.setVisible(may_consent)
        self.remove_consent_button.clicked.connect(self.remove_selected_consent)
        for button, kind in ((self.consent_button, ConsentKind.CONSENT), (self.withdrawal_button, ConsentKind.WITHDRAWAL),
                             (self.opt_out_button, ConsentKind.OPT_OUT)):
            button.clicked.connect(lambda _=False, k=kind: self.open_consent_dialog(k))
            button.setVisible(may_consent)
        self.attach_button.setVisible(may_consent)
        self.attach_button.clicked.connect(self.attach_scan)
        self.view_button.clicked.connect(self.view_scan)
        consent_box = QGroupBox("Consent forms")
        consent_layout = QVBoxLayout(consent_box)
        consent_layout.addWidget(self.consents)
        consent_buttons = QHBoxLayout()
        for button in (self.consent_button, self.withdrawal_button, self.opt_out_button):
            consent_buttons.addWidget(button)
        consent_buttons.addStretch(1)
        consent_layout.addLayout(consent_buttons)
        scan_buttons = QHBoxLayout()
        scan_buttons.addWidget(self.remove_consent_button)
        scan_buttons.addStretch(1)
        scan_buttons.addWidget(self.attach_button)
        scan_buttons.addWidget(self.view_button)
        consent_layout.addLayout(scan_buttons)

        left = QVBoxLayout()
        left.addWidget(self.status)
        left.addLayout(actions)
        left.addWidget(history_box)
        left.addWidget(tier_box)
        self.billing_facts = BillingFactsBox(self.app, context.member_id, context.changed)
        left.addWidget(self.billing_facts)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(eligibility_box)
        right.addWidget(consent_box)
        right.addWidget(payer_box)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.setSpacing(16)
        columns.addLayout(left, 11)
        columns.addLayout(right, 9)
        body = QWidget()
        body.setLayout(columns)
        columns.setContentsMargins(18, 14, 18, 14)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.refresh()

    # ---- showing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        with user_errors(self) as attempt:
            record = enrolment.get_enrolment(self.app, self.context.member_id)
        if attempt.failed:
            return
        self.record = record
        current = next((s for s in record.segments if s.end is None), None)
        since = f" since {format_date(current.start)}" if current else ""
        text = {MemberStatus.REFERRED: "Referred: no outreach or enrolment yet",
                MemberStatus.OUTREACH: f"In outreach{since}",
                MemberStatus.ENROLLED: f"Enrolled{since}",
                MemberStatus.DISENROLLED: "Disenrolled"}[record.status]
        if record.status is MemberStatus.ENROLLED and not record.consent_on_file:
            text += " — no consent on file"
        self.status.setText(text)
        self.outreach_button.setEnabled(record.can_start_outreach)
        self.enrol_button.setEnabled(record.can_enrol)
        self.disenrol_button.setEnabled(record.can_disenrol)
        self.re_enrol_button.setEnabled(record.can_re_enrol)
        # Only one of Enrol / Re-enrol applies to a member; hide the other to keep the choice obvious.
        ever_enrolled = any(s.kind is SegmentType.ENROLLED for s in record.segments)
        may_enrol = self.app.actor.can(Permission.EDIT_ENROLMENT)
        self.enrol_button.setVisible(may_enrol and not ever_enrolled)
        self.re_enrol_button.setVisible(may_enrol and ever_enrolled)
        self.disenrol_button.setText("End outreach…" if current and current.kind is SegmentType.OUTREACH
                                     else "Disenrol…")

        self.timeline.set_history(
            [TimelineSegment(s.kind.value, s.start, s.end) for s in record.segments],
            [TimelineMark(c.signed_on, c.kind is not ConsentKind.CONSENT) for c in record.consents],
            record.on,
        )
        self.segments.set_rows([
            [s.label, format_date(s.start), format_date(s.end) if s.end else "(current)", s.end_reason_label,
             s.override_reason] for s in record.segments
        ], keys=[s.id for s in record.segments])
        self.tiers.set_rows([
            [format_date(t.effective_date), members.TIER_LABELS[t.tier], t.note] for t in reversed(record.tiers)
        ], keys=[t.id for t in reversed(record.tiers)])
        self.consents.set_rows([
            [format_date(c.signed_on), c.form_type, c.kind_label, c.signed_by, c.attachment_name or "—"]
            for c in reversed(record.consents)
        ], keys=[c.id for c in reversed(record.consents)])
        for row, consent in enumerate(reversed(record.consents)):
            self.consents.item(row, 1).setToolTip(consent.form_label)
        # The override column matters only for the few members enrolled by override.
        self.segments.setColumnHidden(4, not any(s.override_reason for s in record.segments))
        self._show_payers()
        for table in (self.segments, self.tiers, self.consents, self.payers):
            fit_rows(table)
        self._show_eligibility(record)
        self.billing_facts.refresh()
        if record.consents and self.consents.selected_key() is None:
            self.consents.selectRow(0)  # the latest form, so View scan works at once
        self._selection_changed()
        self._tier_selection_changed()

    def _show_eligibility(self, record: EnrolmentRecord) -> None:
        if self.verdict is not None:
            self.verdict_row.removeWidget(self.verdict)
            self.verdict.deleteLater()
            self.verdict = None
        result = record.eligibility
        if result is None:
            self.explanation.setText("Eligibility is worked out from the member's conditions, which your role "
                                     "does not show.")
            return
        self.verdict = chip("Eligible" if result.eligible else "Not eligible yet",
                            "ok" if result.eligible else "warning")
        self.verdict_row.insertWidget(0, self.verdict)
        if self.verdict_row.count() == 1:
            self.verdict_row.addStretch(1)
        self.explanation.setText("\n\n".join(result.explanation))

    def _selection_changed(self) -> None:
        consent = self.selected_consent()
        self.view_button.setEnabled(consent is not None and consent.attachment_id is not None)
        self.attach_button.setEnabled(consent is not None)
        self.remove_consent_button.setEnabled(consent is not None)
        if consent is not None:
            self.attach_button.setText("Replace scan…" if consent.attachment_id else "Attach scan…")

    def selected_consent(self) -> ConsentInfo | None:
        key = self.consents.selected_key()
        if self.record is None or key is None:
            return None
        return next((c for c in self.record.consents if c.id == key), None)

    def _tier_selection_changed(self) -> None:
        self.remove_tier_button.setEnabled(self.selected_tier() is not None)

    def selected_tier(self) -> TierInfo | None:
        key = self.tiers.selected_key()
        if self.record is None or key is None:
            return None
        return next((t for t in self.record.tiers if t.id == key), None)

    # ---- actions ------------------------------------------------------------------------------------
    def _open(self, dialog: QWidget) -> QWidget:
        self.dialog = dialog
        dialog.accepted.connect(self._changed)  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        return dialog

    def _changed(self) -> None:
        self.refresh()
        self.context.changed()

    def open_segment_dialog(self, action: str) -> SegmentDialog:
        current = next((s for s in self.record.segments if s.end is None), None) if self.record else None
        return self._open(SegmentDialog(self.app, self.context.member_id, action, self.context.member_label, self,
                                        open_kind=current.kind.value if current else ""))  # type: ignore[return-value]

    def open_consent_dialog(self, kind: ConsentKind) -> ConsentDialog:
        month = getattr(self.context, "billing_month", None) if kind is ConsentKind.CONSENT else None
        return self._open(ConsentDialog(self.app, self.context.member_id, kind, self.context.member_label,
                                        self, billing_month=month))  # type: ignore[return-value]

    def open_tier_dialog(self) -> TierDialog:
        return self._open(TierDialog(self.app, self.context.member_id, self))  # type: ignore[return-value]

    def _show_payers(self) -> None:
        try:
            periods = payers.member_payers(self.app, self.context.member_id)
        except Exception:  # the rest of the tab still shows
            periods = []
        self.payers.set_rows([[format_date(p.effective_date), f"{p.payer_name} ({p.payer_code})", p.note]
                              for p in periods], keys=[p.id for p in periods])

    def open_payer_dialog(self) -> QWidget:
        from hhdesk.ui.dialogs.payer_dialog import PayerDialog

        return self._open(PayerDialog(self.app, self.context.member_id, self))

    def remove_selected_payer(self) -> bool:
        key = self.payers.selected_key()
        if key is None:
            return False
        if not common.confirm(self, "Remove payer entry", "Remove the selected payer entry?\n\nDo this only for "
                              "an entry made in error. When the member's plan changes, use Set payer… with the "
                              "date the new plan starts.", "Remove"):
            return False
        with user_errors(self) as attempt:
            payers.remove_member_payer(self.app, int(key))  # type: ignore[call-overload]
        if attempt.failed:
            return False
        self._changed()
        return True

    def open_appropriateness_dialog(self) -> AppropriatenessDialog:
        chosen = self.record.appropriateness if self.record else ()
        return self._open(AppropriatenessDialog(self.app, self.context.member_id, chosen,
                                                self))  # type: ignore[return-value]

    def attach_scan(self) -> None:
        consent = self.selected_consent()
        if consent is None:
            return
        path = common.ask_open_path(self, "Attach the scanned form", Path.home(),
                                    "Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff);;All files (*)")
        if path is None:
            return
        with user_errors(self) as attempt:
            enrolment.attach_consent_file(self.app, consent.id, AttachmentFile(path.name, path.read_bytes()))
        if attempt.failed:
            return
        self._changed()

    def remove_selected_consent(self) -> bool:
        """Delete the selected consent record, entered in error, after asking. True if it was removed."""
        consent = self.selected_consent()
        if consent is None:
            return False
        scan = " and its scanned form" if consent.attachment_id else ""
        text = (f"Remove the {consent.kind_label.lower()} form {consent.form_type} signed "
                f"{format_date(consent.signed_on)}{scan} from the member's record?\n\n"
                "Do this only for a record entered in error. A member who withdraws consent signs a "
                "withdrawal form; record that with Withdrawal… instead. The removal is audited.")
        if not common.confirm(self, "Remove consent record", text, "Remove"):
            return False
        with user_errors(self) as attempt:
            enrolment.remove_consent(self.app, consent.id)
        if attempt.failed:
            return False
        self._changed()
        return True

    def remove_selected_tier(self) -> bool:
        """Delete the selected tier entry, made in error, after asking. True if it was removed."""
        tier = self.selected_tier()
        if tier is None:
            return False
        text = (f"Remove the tier entry \"{members.TIER_LABELS[tier.tier]}\" from "
                f"{format_date(tier.effective_date)}?\n\n"
                "Do this only for an entry made in error. When the member's tier changes, use Set tier… "
                "from the date of the change instead. The removal is audited.")
        if not common.confirm(self, "Remove tier entry", text, "Remove"):
            return False
        with user_errors(self) as attempt:
            enrolment.remove_tier(self.app, tier.id)
        if attempt.failed:
            return False
        self._changed()
        return True

    def view_scan(self) -> None:
        consent = self.selected_consent()
        if consent is None or consent.attachment_id is None:
            return
        with user_errors(self):
            self.dialog = view_attachment(self.app, consent.attachment_id, self)

    def clear_for_lock(self) -> None:
        self.record = None
        self.timeline.clear()
        for table in (self.segments, self.tiers, self.consents, self.payers):
            table.set_rows([])
        self.billing_facts.clear_for_lock()
        self.explanation.clear()
