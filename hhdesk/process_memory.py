"""How much memory this process holds: measured by `hhdesk bench` and by its memory probe in the window."""

from __future__ import annotations

import sys
from pathlib import Path


def resident_memory_mb() -> tuple[float | None, float | None]:
    """(current, peak) resident memory of this process in MB; current is None where /proc is missing."""
    current = peak = None
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    if peak is None:
        try:
            import resource
        except ImportError:  # Windows
            return current, None
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = maxrss / 1024 / 1024 if sys.platform == "darwin" else maxrss / 1024
    return current, peak
