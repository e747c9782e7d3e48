"""Pieces of form dialogs and panels that several screens lay out the same way.

`save_cancel_layout` is the small edit dialog: a form, any notes below it, the message line, and Save and
Cancel. `add_address_rows` is the postal address block (two street lines, then city, state and ZIP on one
row) used for members and for directory entries alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hhdesk.ui.widgets.labels import MessageLabel, role_label


def save_cancel_layout(
    dialog: QDialog, form: QFormLayout, save: Callable[[], object], *below_form: QWidget
) -> tuple[MessageLabel, QDialogButtonBox]:
    """Lay `dialog` out as `form`, then `below_form`, the message line, and Save (calls `save`) / Cancel."""
    message = MessageLabel()
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    for widget in below_form:
        layout.addWidget(widget)
    layout.addWidget(message)
    layout.addWidget(buttons)
    return message, buttons


def add_address_rows(form: QFormLayout, fields: Mapping[str, QLineEdit]) -> None:
    """The address rows from `fields` "address_line1", "address_line2", "city", "state" and "zip"."""
    form.addRow("Address:", fields["address_line1"])
    form.addRow("", fields["address_line2"])
    place = QHBoxLayout()
    place.addWidget(fields["city"], 1)
    place.addWidget(role_label("State:", wrap=False))
    place.addWidget(fields["state"])
    place.addWidget(role_label("ZIP:", wrap=False))
    place.addWidget(fields["zip"])
    form.addRow("City:", place)
