"""Reading what payers send back: 999 acknowledgements, 277CA claim acknowledgements and 835 remittances.

Each file is first validated with pyx12 against its implementation guide (999 005010X231A1, 277CA
005010X214, 835 005010X221A1), in memory (no temporary file: a remittance names members). A file that does
not validate is refused whole, with the segment numbers and pyx12's words for each problem, so nothing of a
damaged file is applied. A valid file is then read, segment by segment with pyx12's reader, into plain
values; the billing service matches them to the claims it exported (docs/billing.md, "Acknowledgements and
remittances").
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyx12.params
import pyx12.x12file
import pyx12.x12n_document

from hhdesk.exports.billing_data import ExportError

KIND_999 = "999"
KIND_277CA = "277CA"
KIND_835 = "835"
_KINDS = {("FA", "999"): KIND_999, ("HN", "277"): KIND_277CA, ("HP", "835"): KIND_835}
MAX_PROBLEMS_SHOWN = 10
COMPONENT = ":"  # the component separator the segments are re-written with after reading


class ResponseFileError(ExportError):
    """The file is not a 999, 277CA or 835 this program can apply; the message says why, without member data."""


@dataclass(frozen=True)
class SetAcknowledgement:
    """999: the payer's verdict on one transaction set (ST-SE) of a claim file."""

    group_control_number: str  # AK102: GS06 of the claim file
    transaction_set: str  # AK202: ST02 of the set
    code: str  # IK501: A accepted, E accepted with errors, R rejected, ...
    errors: tuple[str, ...] = ()  # IK3 segment ids with their positions, for the clerk

    @property
    def accepted(self) -> bool:
        return self.code in ("A", "E")


@dataclass(frozen=True)
class ClaimAcknowledgement:
    """277CA: the payer's verdict on one claim."""

    claim_id: str  # TRN02 of 2200D: our CLM01
    medicaid_id: str
    statuses: tuple[tuple[str, str], ...]  # (category, status code) of each STC
    payer_claim_number: str  # REF*1K
    amount: Decimal | None


@dataclass(frozen=True)
class Adjustment:
    group: str  # CO, PR, OA or PI (5010 has no CR)
    reason: str  # CARC
    amount: Decimal


@dataclass(frozen=True)
class ClaimPayment:
    """835: what the payer did with one claim."""

    claim_id: str  # CLP01: our CLM01
    status_code: str  # CLP02
    charge: Decimal
    paid: Decimal
    payer_claim_number: str  # CLP07
    frequency: str  # CLP09, when given
    medicaid_id: str
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]  # RARC from MOA and LQ*HE


@dataclass(frozen=True)
class ResponseFile:
    kind: str
    interchange_control_number: str
    acknowledgements: tuple[SetAcknowledgement, ...] = ()
    group_code: str = ""  # 999 AK901: A, P (partly accepted), R, E
    claims: tuple[ClaimAcknowledgement, ...] = ()
    payments: tuple[ClaimPayment, ...] = ()
    payment_total: Decimal | None = None  # 835 BPR02
    payment_reference: str = ""  # 835 TRN02: the check or EFT trace number


# -- validation -------------------------------------------------------------------------------------------


def _problems_from_json(report: str) -> list[str]:
    """pyx12's JSON error report as 'segment N (CL1): Mandatory segment ... missing' lines."""
    try:
        tree = json.loads(report) if report.strip() else []
    except json.JSONDecodeError:
        return []
    problems: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for error in node.get("errors") or []:
                if isinstance(error, dict) and error.get("err_str"):
                    where = f"segment {node['cur_line']}" if node.get("cur_line") else "the envelope"
                    seg = f" ({node['seg_id']})" if node.get("seg_id") else ""
                    problems.append(f"{where}{seg}: {error['err_str']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return problems


@contextmanager
def _pyx12_quiet() -> Iterator[None]:
    """pyx12 logs each problem with the segment's content, i.e. member data: keep it out of the log."""
    logger = logging.getLogger("pyx12")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def validate(text: str) -> list[str]:
    """pyx12's problems with the file, each in one line naming the segment; empty when it is valid."""
    report = io.StringIO()
    try:
        with _pyx12_quiet():
            valid = pyx12.x12n_document.x12n_document(
                param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None, fd_html=None, fd_json=report
            )
    except Exception:  # a malformed envelope can make pyx12 fail in many ways
        return ["the file's envelope (ISA, GS, ST) could not be read"]
    if valid:
        return []
    return _problems_from_json(report.getvalue()) or ["pyx12 found the file invalid"]


# -- reading ----------------------------------------------------------------------------------------------


def _segments(text: str) -> list[list[str]]:
    """The file's segments split into elements by pyx12's reader, with ':' between the components."""
    start = text.find("ISA")
    if start < 0 or len(text) < start + 106:
        raise ResponseFileError("This is not an X12 file: its ISA header is missing or cut short.")
    try:
        with _pyx12_quiet():
            reader = pyx12.x12file.X12Reader(io.StringIO(text[start:]))
            return [segment.format(seg_term="", ele_term="*", subele_term=COMPONENT).split("*")
                    for segment in reader]
    except Exception:  # pyx12 raises many kinds on a malformed envelope
        raise ResponseFileError("The file's envelope (ISA, GS, ST) could not be read.") from None


def _component(value: str, index: int, separator: str) -> str:
    parts = value.split(separator)
    return parts[index] if index < len(parts) else ""


def _amount(value: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return Decimal("0")


def _element(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


def response_kind(text: str) -> str:
    """999, 277CA or 835, from the functional group (GS01) and transaction set (ST01) codes."""
    segments = _segments(text)
    gs = next((s for s in segments if s[0] == "GS"), None)
    st = next((s for s in segments if s[0] == "ST"), None)
    kind = _KINDS.get((_element(gs or [], 1), _element(st or [], 1)))
    if kind is None:
        raise ResponseFileError(
            "This file is not a 999 acknowledgement, a 277CA claim acknowledgement or an 835 remittance "
            f"(its group is {_element(gs or [], 1) or 'missing'}, its transaction set {_element(st or [], 1) or 'missing'})."
        )
    return kind


def read_response(data: bytes) -> ResponseFile:
    """Validate and read a 999, 277CA or 835; ResponseFileError (naming segments, never members) if it is bad."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ResponseFileError("The file has characters an X12 file cannot hold; is it the payer's file?") from None
    kind = response_kind(text)
    problems = validate(text)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = f" and {len(problems) - MAX_PROBLEMS_SHOWN} more" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise ResponseFileError(f"The {kind} file does not pass validation, so nothing was applied: {shown}{more}.")
    segments = _segments(text)
    component = COMPONENT
    interchange = _element(segments[0], 13)
    if kind == KIND_999:
        return _read_999(segments, interchange)
    if kind == KIND_277CA:
        return _read_277ca(segments, interchange, component)
    return _read_835(segments, interchange, component)


def _read_999(segments: list[list[str]], interchange: str) -> ResponseFile:
    acknowledgements: list[SetAcknowledgement] = []
    group = ""
    set_number = ""
    errors: list[str] = []
    group_code = ""
    for segment in segments:
        tag = segment[0]
        if tag == "AK1":
            group = _element(segment, 2)
        elif tag == "AK2":
            set_number, errors = _element(segment, 2), []
        elif tag == "IK3":
            errors.append(f"{_element(segment, 1)} at segment {_element(segment, 2)}")
        elif tag == "IK5":
            acknowledgements.append(SetAcknowledgement(group, set_number, _element(segment, 1), tuple(errors)))
        elif tag == "AK9":
            group_code = _element(segment, 1)
    return ResponseFile(KIND_999, interchange, acknowledgements=tuple(acknowledgements), group_code=group_code)


def _read_277ca(segments: list[list[str]], interchange: str, component: str) -> ResponseFile:
    claims: list[ClaimAcknowledgement] = []
    level = ""
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is not None and current["claim_id"]:
            claims.append(ClaimAcknowledgement(
                current["claim_id"], current["medicaid_id"], tuple(current["statuses"]),
                current["payer_claim_number"], current["amount"]))

    for segment in segments:
        tag = segment[0]
        if tag == "HL":
            level = _element(segment, 3)
            if level == "PT":
                finish()
                current = {"claim_id": "", "medicaid_id": "", "statuses": [], "payer_claim_number": "",
                           "amount": None}
        elif level != "PT" or current is None:
            continue
        elif tag == "NM1" and _element(segment, 1) == "QC":
            current["medicaid_id"] = _element(segment, 9)
        elif tag == "TRN" and _element(segment, 1) == "2":
            if current["claim_id"]:  # a second claim of the same patient
                finish()
                current = {**current, "statuses": [], "payer_claim_number": "", "amount": None}
            current["claim_id"] = _element(segment, 2)
        elif tag == "STC" and current["claim_id"]:
            for position in (1, 10, 11):
                value = _element(segment, position)
                if value:
                    current["statuses"].append((_component(value, 0, component), _component(value, 1, component)))
            if _element(segment, 4):
                current["amount"] = _amount(_element(segment, 4))
        elif tag == "REF" and _element(segment, 1) == "1K":
            current["payer_claim_number"] = _element(segment, 2)
    finish()
    return ResponseFile(KIND_277CA, interchange, claims=tuple(claims))


def _read_835(segments: list[list[str]], interchange: str, component: str) -> ResponseFile:
    payments: list[ClaimPayment] = []
    total: Decimal | None = None
    reference = ""
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is not None:
            payments.append(ClaimPayment(
                current["claim_id"], current["status"], current["charge"], current["paid"],
                current["payer_claim_number"], current["frequency"], current["medicaid_id"],
                tuple(current["adjustments"]), tuple(current["remarks"])))

    for segment in segments:
        tag = segment[0]
        if tag == "BPR":
            total = _amount(_element(segment, 2))
        elif tag == "TRN" and current is None:
            reference = _element(segment, 2)
        elif tag == "CLP":
            finish()
            current = {"claim_id": _element(segment, 1), "status": _element(segment, 2),
                       "charge": _amount(_element(segment, 3)), "paid": _amount(_element(segment, 4)),
                       "payer_claim_number": _element(segment, 7), "frequency": _element(segment, 9),
                       "medicaid_id": "", "adjustments": [], "remarks": []}
        elif current is None:
            continue
        elif tag == "CAS":
            group = _element(segment, 1)
            for start in range(2, 19, 3):  # up to six reason / amount / quantity triples
                reason = _element(segment, start)
                if reason:
                    current["adjustments"].append(Adjustment(group, reason, _amount(_element(segment, start + 1))))
        elif tag == "NM1" and _element(segment, 1) == "QC":
            current["medicaid_id"] = _element(segment, 9)
        elif tag in ("MOA", "MIA"):
            positions = range(3, 8) if tag == "MOA" else (5, 20, 21, 22, 23)
            current["remarks"] += [_element(segment, p) for p in positions if _element(segment, p)]
        elif tag == "LQ" and _element(segment, 1) == "HE":
            current["remarks"].append(_element(segment, 2))
        elif tag in ("PLB", "SE"):
            finish()
            current = None
    finish()
    return ResponseFile(KIND_835, interchange, payments=tuple(payments), payment_total=total,
                        payment_reference=reference)
