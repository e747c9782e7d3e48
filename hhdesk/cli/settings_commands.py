"""`hhdesk settings list` and `hhdesk settings set KEY VALUE`: the agency's settings from the command line.

The text typed is read as the setting's type (a whole number, yes/no, text, a comma-separated list, or
CODE=AMOUNT pairs); the settings registry then checks it, in the same sentences the settings windows show.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from hhdesk.cli.common import add_store_user_options, open_session, print_table
from hhdesk.errors import ValidationFailed
from hhdesk.services import billing, settings

_YES = {"yes", "y", "true", "on", "1"}
_NO = {"no", "n", "false", "off", "0"}


def register(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("settings", help="list the agency's settings, or change one (administrators)")
    actions = group.add_subparsers(dest="settings_command", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="every setting: its value, default and allowed values")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_settings_list)
    p = actions.add_parser("set", help="change one setting, e.g. 'hhdesk settings set lock_minutes 10'")
    p.add_argument("key", help="the setting's name, as 'hhdesk settings list' shows it")
    p.add_argument("value", help="yes/no, a whole number, text, a list 'A,B', or amounts 'CODE=AMOUNT,...'")
    add_store_user_options(p)
    p.set_defaults(handler=cmd_settings_set)


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ",".join(f"{code}={amount}" for code, amount in value.items())
    if isinstance(value, tuple | list):
        return ",".join(value)
    return str(value)


def allowed(opt: settings.Option) -> str:
    if opt.choices:
        return ", ".join(choice for choice, _words in opt.choices)
    if opt.minimum is not None and opt.maximum is not None:
        return f"{opt.minimum} to {opt.maximum}" + (f" {opt.unit}" if opt.unit else "")
    return {int: "a whole number", bool: "yes or no", tuple: "codes A,B", Mapping: "CODE=AMOUNT,..."}.get(
        opt.kind, "text")


def parsed(opt: settings.Option, text: str) -> Any:
    """The typed text as the option's type; text that is not of that type is passed on as typed, for the
    registry to refuse in its own words."""
    if opt.kind is int:
        try:
            return int(text.strip().replace(",", ""))
        except ValueError:
            return text
    if opt.kind is bool:
        word = text.strip().lower()
        return True if word in _YES else False if word in _NO else text
    if opt.kind is tuple:
        return [part.strip() for part in text.split(",") if part.strip()]
    if opt.kind is Mapping:
        pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValidationFailed(f"{opt.label}: write each amount as CODE=AMOUNT, separated by commas.")
        return {code.strip(): amount.strip() for code, amount in pairs}
    return text.strip()


def cmd_settings_list(args: argparse.Namespace) -> int:
    app = open_session(args)
    try:
        values = settings.get_settings(app)
    finally:
        app.close()
    print_table(["setting", "value", "default", "allowed", "what"],
                [[key, shown(getattr(values, key)), shown(opt.default), allowed(opt), opt.label]
                 for key, opt in settings.OPTIONS.items()])
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    opt = settings.OPTIONS.get(args.key)
    if opt is None:
        raise ValidationFailed(f"There is no setting called {args.key!r}; 'hhdesk settings list' shows them.")
    if opt.group == "kept":
        raise ValidationFailed(f"{opt.label} is kept by hhdesk itself; it cannot be set.")
    changes = {opt.key: parsed(opt, args.value)}
    app = open_session(args)
    try:
        if opt.group == "billing":  # the billing settings window checks the profile they make together
            billing.save_billing_settings(app, changes)
        else:
            settings.update_settings(app, changes)
        stored = getattr(settings.get_settings(app), opt.key)
    finally:
        app.close()
    print(f"{opt.label}: {shown(stored)}.")
    return 0
