"""What the codes in acknowledgements and remittances mean, in a billing clerk's words.

Claim adjustment reason codes (CARC), remittance advice remark codes (RARC), claim adjustment group codes,
835 claim status codes (CLP02) and 277CA claim status category codes (STC01-1) are maintained by X12 and
published as code lists; the wording here is our short summary of the published descriptions of the codes a
Health Home claim commonly meets. A code that is not listed is shown with its number and "see the payer's
remittance" rather than guessed (docs/billing.md, "Acknowledgements and remittances").
"""

from __future__ import annotations

GROUP_CODES: dict[str, str] = {
    "CO": "contractual obligation (the agency may not bill the member)",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
}

CARC: dict[str, str] = {
    "1": "deductible amount",
    "2": "coinsurance amount",
    "3": "co-payment amount",
    "4": "the procedure code is inconsistent with the modifier used",
    "5": "the procedure code or bill type is inconsistent with the place of service",
    "11": "the diagnosis is inconsistent with the procedure",
    "16": "the claim lacks information or has submission or billing errors",
    "18": "exact duplicate claim or service",
    "22": "this care may be covered by another payer (coordination of benefits)",
    "23": "the impact of prior payer adjudication, including payments and adjustments",
    "24": "charges are covered under a capitation agreement or managed care plan",
    "26": "expenses incurred before coverage began",
    "27": "expenses incurred after coverage ended",
    "29": "the time limit for filing has expired",
    "31": "the patient cannot be identified as the payer's insured",
    "45": "the charge exceeds the fee schedule or maximum allowable amount",
    "50": "not deemed a medical necessity by the payer",
    "96": "non-covered charge(s)",
    "97": "the benefit is included in the payment for another service already adjudicated",
    "109": "the claim or service is not covered by this payer; send it to the correct payer",
    "119": "the benefit maximum for this time period or occurrence has been reached",
    "125": "submission or billing error(s)",
    "129": "prior processing information appears incorrect",
    "140": "the patient's health identification number and name do not match",
    "146": "the diagnosis was invalid for the date(s) of service reported",
    "151": "the payer deems the information submitted does not support this many or this frequency of services",
    "167": "this diagnosis is not covered",
    "177": "the patient has not met the required eligibility requirements",
    "181": "the procedure code was invalid on the date of service",
    "185": "the rendering provider is not eligible to perform the service billed",
    "197": "precertification, authorization or notification is absent",
    "204": "this service is not covered under the patient's current benefit plan",
    "206": "the National Provider Identifier is missing",
    "207": "the National Provider Identifier is invalid",
    "208": "the National Provider Identifier does not match the one on file",
    "226": "information requested from the provider was not provided or was insufficient",
    "242": "services not provided by network or primary care providers",
    "252": "an attachment or other documentation is required to adjudicate this claim",
    "253": "sequestration: reduction of federal payment",
    "A1": "the claim or service was denied",
    "B7": "the provider was not certified or eligible to be paid for this service on this date",
    "B13": "previously paid: payment for this claim or service may have been made in a previous payment",
}

RARC: dict[str, str] = {
    "M51": "missing, incomplete or invalid procedure code(s)",
    "M76": "missing, incomplete or invalid diagnosis or condition",
    "M86": "service denied because payment already made for the same or similar service within the period",
    "MA04": "secondary payment cannot be considered without the identity of, or payment information from, "
            "the primary payer",
    "MA130": "the claim has incomplete or invalid information and no appeal rights are given; submit a new "
             "claim with the complete and correct information",
    "N4": "missing, incomplete or invalid prior insurance carrier explanation of benefits",
    "N20": "the service is not payable with other services rendered on the same date",
    "N30": "the patient is ineligible for this service",
    "N130": "consult plan benefit documents or guidelines for information about restrictions for this service",
    "N179": "additional information has been requested from the member",
    "N286": "missing, incomplete or invalid referring provider primary identifier",
    "N290": "missing, incomplete or invalid rendering provider primary identifier",
    "N362": "the number of days or units of service exceeds the acceptable maximum",
    "N381": "consult the payer's contract or agreement for restrictions, billing or payment information",
    "N479": "missing explanation of benefits (coordination of benefits or Medicare secondary payer)",
}

CLAIM_STATUS_835: dict[str, str] = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of a previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
}

STATUS_CATEGORY_277: dict[str, str] = {
    "A0": "forwarded to another entity",
    "A1": "received",
    "A2": "accepted into adjudication",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split claim",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for relational field in error",
}
# Categories that mean the claim did not enter the payer's adjudication system.
REJECTED_CATEGORIES_277 = frozenset({"A3", "A4", "A6", "A7", "A8"})

SET_ACKNOWLEDGEMENT_999: dict[str, str] = {
    "A": "accepted",
    "E": "accepted, but errors were noted",
    "M": "rejected: message authentication code failed",
    "R": "rejected",
    "W": "rejected: assurance failed validity tests",
    "X": "rejected: content could not be analysed",
}
ACCEPTED_999 = frozenset({"A", "E"})


def words(table: dict[str, str], code: str, kind: str) -> str:
    """'CARC 29: the time limit for filing has expired'; an unlisted code is named, not guessed."""
    text = table.get(code.strip().upper())
    return f"{kind} {code}: {text}" if text else f"{kind} {code}: see the payer's remittance for its meaning"


def carc_words(code: str) -> str:
    return words(CARC, code, "CARC")


def rarc_words(code: str) -> str:
    return words(RARC, code, "RARC")


def group_words(code: str) -> str:
    return GROUP_CODES.get(code.strip().upper(), code)
