"""hhdesk: care management and billing for Medicaid Health Home agencies."""

__version__ = "0.1.0"
