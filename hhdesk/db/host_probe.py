"""Is the agency's host at this address? One TLS handshake against the pinned certificate, no login.

A workstation that knows several addresses for the host (and can ask the network for the host's computer
name) must find which one is the host without sending anyone's password to a computer that may not be it.
PostgreSQL starts TLS after an 8-byte SSLRequest; the handshake then proves, against the one certificate
the workstation was given and the fixed name in it, that this is the host. Nothing else is sent.
"""

from __future__ import annotations

import enum
import socket
import ssl
import struct
from dataclasses import dataclass
from pathlib import Path

# PostgreSQL's SSLRequest: length 8, then the code 1234 << 16 | 5679 (the protocol's "version" for it).
_SSL_REQUEST = struct.pack("!II", 8, 80877103)
PROBE_TIMEOUT_SECONDS = 3.0


class Answer(enum.Enum):
    HOST = "host"  # the pinned certificate, for the fixed name: this is the agency's host
    STRANGER = "stranger"  # something answers, but not with the pinned certificate (or without TLS)
    REFUSED = "refused"  # the computer is there, nothing listens on the port (the service is stopped)
    SILENT = "silent"  # no answer at all: switched off, asleep, off the network, or a firewall


@dataclass(frozen=True)
class ProbeResult:
    address: str
    answer: Answer
    detail: str = ""


def probe_host(address: str, port: int, host_name: str, certificate: Path,
               timeout: float | None = None) -> ProbeResult:
    """What answers on ``port`` at ``address``: the host proven by the pinned ``certificate``, or what else
    (waiting ``timeout`` seconds at most for each step, PROBE_TIMEOUT_SECONDS when None)."""
    timeout = PROBE_TIMEOUT_SECONDS if timeout is None else timeout
    context = ssl.create_default_context(cafile=str(certificate))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except ConnectionRefusedError:
        return ProbeResult(address, Answer.REFUSED)
    except OSError as exc:  # timeout, no route to host, network unreachable
        return ProbeResult(address, Answer.SILENT, exc.strerror or type(exc).__name__)
    with raw:
        try:
            raw.sendall(_SSL_REQUEST)
            reply = raw.recv(1)
        except OSError as exc:
            return ProbeResult(address, Answer.SILENT, exc.strerror or type(exc).__name__)
        if reply != b"S":
            return ProbeResult(address, Answer.STRANGER, "it does not offer TLS")
        try:
            with context.wrap_socket(raw, server_hostname=host_name):
                return ProbeResult(address, Answer.HOST)
        except ssl.SSLCertVerificationError as exc:
            return ProbeResult(address, Answer.STRANGER, exc.verify_message or "its certificate is not the one given")
        except (ssl.SSLError, OSError) as exc:
            return ProbeResult(address, Answer.STRANGER, getattr(exc, "reason", None) or "the TLS handshake failed")
