"""The sections shown in the main window (registered in hhdesk.ui.sections.SECTIONS)."""
