"""Benchmarks that print figures (run one with `.venv/bin/python benchmarks/NAME.py`)."""
