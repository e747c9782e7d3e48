"""The window: Qt widgets, item models and background workers over the services. No SQL here.

Start at `app.run_gui`; sections of the main window are registered in `sections.SECTIONS`; the member
view opened from lists is `main_window.MEMBER_VIEW_FACTORY`; slow work goes through `workers`.
"""
