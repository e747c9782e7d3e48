"""A workstation joins the agency's host, and finds it again when the host's address changes.

``join(path)`` keeps what a join file says in hhdesk's data folder, one folder per agency
(``hosts/<agency id>/``: the pinned certificate ``host.crt`` and the details ``host.hhjoin``, whose first
address is the last one that answered), and writes ``workstation.json`` beside the default store so that
every command without --store, and the window, use the host instead of a store file.

``reach(host)`` is what every connection goes through: the last known address first, then the other known
addresses, then the host's computer name as the network resolves it. An address counts as the host only when
it shows the pinned certificate for the fixed name (`hhdesk.db.host_probe`); nobody's password is sent before.
When the host is found at a new address the caller is told once, and the address is remembered.

An open session finds the host again the same way (`HostFinder`): a login to a joined host's address gives
its store a finder, which the pool's next new connection asks when the address it knows stops answering
(the host was given a new address by the router while people work); whoever shows the session (the window,
the command line) hears the sentence once through `tell_when_host_moves`.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from hhdesk.config import data_dir
from hhdesk.db.host_probe import Answer, ProbeResult, probe_host
from hhdesk.db.postgres import ServerAddress, ServerStore
from hhdesk.errors import InsecureConnection, ServerUnreachable, UserError
from hhdesk.private_files import private_folder, write_private_file_atomically
from hhdesk.services.context import AppSession
from hhdesk.services.join_file import JoinDetails, read_join_file, server_url, write_join_file

WORKSTATION_FILE = "workstation.json"
HOSTS_FOLDER = "hosts"
CERTIFICATE_FILE = "host.crt"


@dataclass(frozen=True)
class JoinedHost:
    """An agency's host as this workstation knows it: the join details and where its certificate is kept."""

    details: JoinDetails
    folder: Path

    @property
    def certificate_path(self) -> Path:
        return self.folder / CERTIFICATE_FILE

    @property
    def details_path(self) -> Path:
        return self.folder / "host.hhjoin"

    @property
    def last_address(self) -> str:
        return self.details.addresses[0]

    def url(self, address: str | None = None) -> str:
        """The libpq URL to the host at ``address`` (the last one that answered when None)."""
        return server_url(self.details, self.certificate_path, address)


def _hosts_folder() -> Path:
    return data_dir() / HOSTS_FOLDER


def _folder_for(agency_id: str) -> Path:
    safe = "".join(ch for ch in agency_id if ch.isalnum() or ch == "-")
    if not safe:
        raise UserError("The join file names no agency: ask the administrator for a new join file.")
    return _hosts_folder() / safe


def remember(details: JoinDetails) -> JoinedHost:
    """Keep the join details and the pinned certificate in the data folder (without making it the default).

    Addresses this workstation learned since an earlier join are kept after the file's own, so that a join
    file written before the host moved does not make the workstation forget where the host went."""
    folder = _folder_for(details.agency_id)
    private_folder(folder)
    known = stored_host(details.agency_id)
    if known is not None and known.details.certificate_pem == details.certificate_pem:
        learned = tuple(a for a in known.details.addresses if a not in details.addresses)
        details = replace(details, addresses=details.addresses + learned)
    host = JoinedHost(details, folder)
    write_private_file_atomically(host.certificate_path, details.certificate_pem.encode("ascii"))
    write_join_file(host.details_path, details)
    return host


def stored_host(agency_id: str) -> JoinedHost | None:
    folder = _folder_for(agency_id)
    path = folder / "host.hhjoin"
    if not path.is_file():
        return None
    return JoinedHost(read_join_file(path), folder)


def join(path: Path) -> JoinedHost:
    """Join the host a join file names: check it answers with the pinned certificate if it answers at all,
    keep it, and make it this workstation's default store. A computer at the file's addresses that shows
    another certificate is refused and nothing is kept; a host that is off now does not stop the join."""
    details = read_join_file(path)
    _check_not_a_stranger(details)
    host = remember(details)
    write_private_file_atomically(data_dir() / WORKSTATION_FILE,
                                  (json.dumps({"agency_host": details.agency_id}, indent=2) + "\n").encode())
    return host


def joined_host() -> JoinedHost | None:
    """The host this workstation joined (its default store), or None for a single-workstation computer."""
    path = data_dir() / WORKSTATION_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        agency_id = str(record["agency_host"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"{path} is damaged: join the agency's host again ('hhdesk join FILE' with the join file "
                        "the administrator gave you).") from None
    host = stored_host(agency_id)
    if host is None:
        raise UserError(f"This workstation joined an agency's host but its details are missing from {path.parent}: "
                        "join again ('hhdesk join FILE' with the join file the administrator gave you).")
    return host


def host_from_join_file(path: Path) -> JoinedHost:
    """A join file given directly as --store: its host kept in the data folder (not made the default).

    Its certificate may not replace the one this workstation already keeps for the same agency: trusting a new
    certificate is a join, where the person compares the fingerprint."""
    details = read_join_file(path)
    known = stored_host(details.agency_id)
    if known is not None and known.details.certificate_pem != details.certificate_pem:
        raise InsecureConnection(
            f"{path.name} shows another certificate than the one this workstation keeps for "
            f"{details.organization}'s host: compare its fingerprint with the administrator's, then join it "
            "('hhdesk join FILE').")
    return remember(details)


def reach(host: JoinedHost, moved: Callable[[str], None]) -> str:
    """The URL to the host where it answers now (see `find`)."""
    return host.url(find(host, moved))


def find(host: JoinedHost, moved: Callable[[str], None]) -> str:
    """The first address that proves to be the host; ``moved`` hears one sentence when that is not the last
    known address (which is then remembered). UserError in plain words if no address is the host."""
    return _find(host, moved).last_address


def _find(host: JoinedHost, moved: Callable[[str], None]) -> JoinedHost:
    """`find`, giving the host as known after it: its first address the one that answered."""
    details = host.details
    found, results = _first_answering(details, host.certificate_path)
    if found is None:
        raise _not_found(details, results)
    if found == host.last_address:
        return host
    moved_host = _remember_address(host, found)
    moved(f"The host has a new address, {found}; hhdesk will use it from now on.")
    return moved_host


class HostFinder:
    """Finds a joined host again for an open session: the ``find_again`` of its store (`ServerStore`).

    Asked with the address that stopped answering, it looks for the host exactly as `reach` does (known
    addresses, then the computer name, the pinned certificate proven before anyone's password is sent) and
    gives the address to connect to. Connections fail together when the host moves, possibly on two threads
    (the window's and its worker's): one looks, the others take what it found, and the sentence is said once.
    A sentence said before anyone listens waits for the first listener (the window opens after the login).
    """

    def __init__(self, host: JoinedHost) -> None:
        self._host = host
        self._lock = threading.Lock()
        self._listener: Callable[[str], None] | None = None
        self._unheard: list[str] = []

    def __call__(self, unanswered: ServerAddress) -> ServerAddress:
        said: list[str] = []
        with self._lock:
            if unanswered.hostaddr == self._host.last_address:
                self._host = _find(self._host, said.append)
            host = self._host
        for sentence in said:
            self._tell(sentence)
        return ServerAddress.parse(host.url())

    def tell_to(self, listener: Callable[[str], None]) -> None:
        """From now on ``listener`` hears that the host moved (and at once what was said before it listened)."""
        with self._lock:
            self._listener, unheard, self._unheard = listener, self._unheard, []
        for sentence in unheard:
            listener(sentence)

    def _tell(self, sentence: str) -> None:
        with self._lock:
            listener = self._listener
            if listener is None:
                self._unheard.append(sentence)
        if listener is not None:
            listener(sentence)


def finder_for(address: ServerAddress) -> HostFinder | None:
    """A finder for the joined host whose pinned certificate ``address`` trusts, verified by the host's fixed
    name (as `reach` gives it); None for any other server, which hhdesk does not look for."""
    certificate = address.root_certificate.resolve()
    if certificate.name != CERTIFICATE_FILE or certificate.parent.parent != _hosts_folder().resolve():
        return None
    host = stored_host(certificate.parent.name)
    if host is None or host.details.host_name != address.host:
        return None
    return HostFinder(host)


def tell_when_host_moves(app: AppSession, listener: Callable[[str], None]) -> None:
    """``listener`` hears, once, that the joined host this session works on was found at a new address (on
    whichever thread made the connection that found it). Nothing for a store file or any other server."""
    store = app.store
    if isinstance(store, ServerStore) and isinstance(store.find_again, HostFinder):
        store.find_again.tell_to(listener)


def _first_answering(details: JoinDetails, certificate: Path) -> tuple[str | None, list[ProbeResult]]:
    """The first candidate address that proves to be the host (None if none does), and what the others said."""
    results: list[ProbeResult] = []
    for address in _candidates(details):
        result = probe_host(address, details.port, details.host_name, certificate)
        if result.answer is Answer.HOST:
            return address, results
        results.append(result)
    return None, results


def _candidates(details: JoinDetails) -> list[str]:
    """Known addresses in order, then what the network says the host's computer name is now."""
    seen = list(details.addresses)
    if details.computer_name:
        seen += [a for a in _resolve(details.computer_name, details.port) if a not in seen]
    return seen


def _remember_address(host: JoinedHost, address: str) -> JoinedHost:
    addresses = (address, *(a for a in host.details.addresses if a != address))
    moved = replace(host, details=replace(host.details, addresses=addresses))
    write_join_file(moved.details_path, moved.details)
    return moved


def _not_found(details: JoinDetails, results: list[ProbeResult]) -> UserError:
    """One sentence for why no known address is the host, naming the worst finding first."""
    strangers = [r for r in results if r.answer is Answer.STRANGER]
    if strangers:
        return _stranger_error(details, strangers[0])
    last = details.addresses[0]
    if any(r.answer is Answer.REFUSED for r in results):
        return ServerUnreachable(
            f"The agency's host does not accept connections on port {details.port} at {last}: its database "
            "service is stopped (ask the administrator to start it on the host with 'hhdesk host start'), or "
            f"the host moved and hhdesk could not find it{_suffix(' under the name ', details.computer_name)}.")
    return ServerUnreachable(
        f"The agency's host does not answer at {_listed(details.addresses)}"
        f"{_suffix(' or by its name ', details.computer_name)}: it may be "
        "switched off, asleep or off the network; check that it is on and connected, then try again.")


def _stranger_error(details: JoinDetails, result: ProbeResult) -> InsecureConnection:
    return InsecureConnection(
        f"The computer at {result.address} is not the agency's host, or its certificate changed: "
        f"{result.detail or 'it did not show the certificate this workstation was given'}. Do not log in; ask the "
        f"administrator to compare the host's fingerprint with {details.fingerprint[:14]}….")


def _check_not_a_stranger(details: JoinDetails) -> None:
    from tempfile import TemporaryDirectory

    with TemporaryDirectory(prefix="hhdesk-join-") as scratch:
        certificate = Path(scratch) / "host.crt"
        certificate.write_text(details.certificate_pem, encoding="ascii")
        found, results = _first_answering(details, certificate)
    strangers = [r for r in results if r.answer is Answer.STRANGER]
    if found is None and strangers:
        raise _stranger_error(details, strangers[0])


def _suffix(words: str, name: str) -> str:
    return f"{words}{name}" if name else ""


def _listed(addresses: tuple[str, ...]) -> str:
    return addresses[0] if len(addresses) == 1 else ", ".join(addresses[:-1]) + " or " + addresses[-1]


def _resolve(name: str, port: int) -> list[str]:
    """The addresses the operating system finds for the host's computer name (DNS, mDNS, NetBIOS, hosts)."""
    try:
        found = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses: list[str] = []
    for _family, _type, _proto, _canonical, sockaddr in found:
        if sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses
