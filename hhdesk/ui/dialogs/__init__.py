"""Dialogs: first-run setup, login, users, backups and the provisional member summary."""
