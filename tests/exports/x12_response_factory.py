"""Payer responses written for tests from a claim file we exported: a 999, a 277CA and an 835.

They follow the implementation guides closely enough that pyx12 validates them with zero errors (the tests
check that too), so the import code is tested on files of the real shape, not on hand-picked fragments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class SentClaim:
    claim_id: str
    amount: str
    transaction_set: str
    last_name: str
    first_name: str
    medicaid_id: str
    service_period: str  # RD8 or D8 value from the claim


@dataclass
class SentFile:
    submitter_id: str
    receiver_id: str
    group_control: str
    sets: list[str] = field(default_factory=list)
    claims: list[SentClaim] = field(default_factory=list)
    billing_name: str = ""
    billing_npi: str = ""
    payer_name: str = ""
    payer_id: str = ""


def read_claim_file(text: str) -> SentFile:
    segments = [s.strip().split("*") for s in text.split("~") if s.strip()]
    isa = segments[0]
    gs = next(s for s in segments if s[0] == "GS")
    sent = SentFile(isa[6].strip(), isa[8].strip(), gs[6])
    current_set = ""
    member: list[str] = []
    claim: list[str] | None = None
    for segment in segments:
        tag = segment[0]
        if tag == "ST":
            current_set = segment[2]
            sent.sets.append(current_set)
        elif tag == "NM1" and segment[1] == "85":
            sent.billing_name, sent.billing_npi = segment[3], segment[9]
        elif tag == "NM1" and segment[1] == "PR":
            sent.payer_name, sent.payer_id = segment[3], segment[9]
        elif tag == "NM1" and segment[1] == "IL":
            member = segment
        elif tag == "CLM":
            claim = segment
        elif tag == "DTP" and segment[1] == "434" and claim is not None or tag == "DTP" and segment[1] == "472" and claim is not None:
            sent.claims.append(SentClaim(claim[1], claim[2], current_set, member[3], member[4] if len(member) > 4 else "",
                                         member[9], segment[3]))
            claim = None
    return sent


def _envelope(sender: str, receiver: str, group_code: str, version: str, body: list[str], control: int) -> str:
    isa = (f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender:<15}*ZZ*{receiver:<15}*261201*1200*^*00501*"
           f"{control:09d}*0*T*:~")
    gs = f"GS*{group_code}*{sender}*{receiver}*20261201*1200*{control}*X*{version}~"
    st_number = "0001"
    segments = body
    st = f"ST*{body[0]}*{st_number}" + (f"*{version}" if group_code != "HP" else "") + "~"
    content = [st, *segments[1:]]
    se = f"SE*{len(content) + 1}*{st_number}~"
    return isa + gs + "".join(content) + se + f"GE*1*{control}~IEA*1*{control:09d}~"


def write_999(sent: SentFile, rejected_sets: set[str] = frozenset(), control: int = 501) -> str:  # type: ignore[assignment]
    body = ["999", f"AK1*HC*{sent.group_control}*005010X223A2~"]
    accepted = 0
    for number in sent.sets:
        body.append(f"AK2*837*{number}*005010X223A2~")
        if number in rejected_sets:
            body += ["IK3*CLM*12**8~", "IK5*R*5~"]
        else:
            body.append("IK5*A~")
            accepted += 1
    code = "A" if accepted == len(sent.sets) else ("R" if accepted == 0 else "P")
    body.append(f"AK9*{code}*{len(sent.sets)}*{len(sent.sets)}*{accepted}~")
    return _envelope(sent.receiver_id, sent.submitter_id, "FA", "005010X231A1", body, control)


def payer_claim_number(claim_id: str) -> str:
    return "2026" + claim_id[-10:].rjust(10, "0")


def write_277ca(sent: SentFile, rejected: set[str] = frozenset(), control: int = 502) -> str:  # type: ignore[assignment]
    total = sum(Decimal(c.amount) for c in sent.claims)
    accepted = [c for c in sent.claims if c.claim_id not in rejected]
    body = [
        "277", "BHT*0085*08*277CA0001*20261201*1200*TH~",
        "HL*1**20*1~", f"NM1*PR*2*{sent.payer_name}*****PI*{sent.payer_id}~", "TRN*1*277CA0001~",
        "DTP*050*D8*20261201~", "DTP*009*D8*20261201~",
        "HL*2*1*21*1~", f"NM1*41*2*SUBMITTER*****46*{sent.submitter_id}~", f"TRN*2*{sent.group_control}~",
        f"STC*A1:19:PR*20261201*WQ*{total}~", f"QTY*90*{len(accepted)}~",
        "HL*3*2*19*1~", f"NM1*85*2*{sent.billing_name}*****XX*{sent.billing_npi}~", "TRN*1*0~",
        f"STC*A1:19:PR**WQ*{total}~",
    ]
    level = 4
    for claim in sent.claims:
        body += [f"HL*{level}*3*PT~", f"NM1*QC*1*{claim.last_name}*{claim.first_name}****MI*{claim.medicaid_id}~",
                 f"TRN*2*{claim.claim_id}~"]
        if claim.claim_id in rejected:
            body.append(f"STC*A7:164:IL*20261201*U*{claim.amount}~")
        else:
            body += [f"STC*A2:20:PR*20261201*WQ*{claim.amount}~", f"REF*1K*{payer_claim_number(claim.claim_id)}~"]
        qualifier = "RD8" if "-" in claim.service_period else "D8"
        body.append(f"DTP*472*{qualifier}*{claim.service_period}~")
        level += 1
    return _envelope(sent.receiver_id, sent.submitter_id, "HN", "005010X214", body, control)


def write_835(sent: SentFile, denied: dict[str, tuple[str, str]] | None = None,
              reduced: dict[str, str] | None = None, control: int = 503, reversed_claims: frozenset[str] = frozenset()
              ) -> str:
    """Every claim paid in full, except `denied` {claim id: (CARC, RARC)}, `reduced` {claim id: paid} and
    `reversed_claims` (an earlier payment taken back: CLP02 22 with negative amounts)."""
    denied = denied or {}
    reduced = reduced or {}
    claims_body: list[str] = []
    total = Decimal("0")
    for number, claim in enumerate(sent.claims, start=1):
        charge = Decimal(claim.amount)
        if claim.claim_id in reversed_claims:
            total -= charge
            claims_body += [f"LX*{number}~", f"CLP*{claim.claim_id}*22*{-charge}*{-charge}**MC*"
                            f"{payer_claim_number(claim.claim_id)}*34*1~",
                            f"NM1*QC*1*{claim.last_name}*{claim.first_name}****MI*{claim.medicaid_id}~"]
            continue
        if claim.claim_id in denied:
            paid, status = Decimal("0"), "4"
        else:
            paid, status = Decimal(reduced.get(claim.claim_id, claim.amount)), "1"
        total += paid
        claims_body += [f"LX*{number}~",
                        f"CLP*{claim.claim_id}*{status}*{charge}*{paid}**MC*{payer_claim_number(claim.claim_id)}*34*1~"]
        if claim.claim_id in denied:
            carc, rarc = denied[claim.claim_id]
            claims_body.append(f"CAS*CO*{carc}*{charge}~")
        elif paid != charge:
            claims_body.append(f"CAS*CO*45*{charge - paid}~")
        claims_body.append(f"NM1*QC*1*{claim.last_name}*{claim.first_name}****MI*{claim.medicaid_id}~")
        if claim.claim_id in denied and denied[claim.claim_id][1]:
            claims_body.append(f"MOA***{denied[claim.claim_id][1]}~")
    body = [
        "835", f"BPR*I*{total}*C*CHK************20261215~", "TRN*1*CHK100200*1141797357~",
        f"N1*PR*{sent.payer_name}~", "N3*CORNING TOWER~", "N4*ALBANY*NY*12237~", "PER*BL*EDI HELP*TE*5185550199~",
        f"N1*PE*{sent.billing_name}*XX*{sent.billing_npi}~", *claims_body,
    ]
    return _envelope(sent.receiver_id, sent.submitter_id, "HP", "005010X221A1", body, control)
