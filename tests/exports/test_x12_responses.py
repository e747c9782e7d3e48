"""Reading 999, 277CA and 835 files: validated with pyx12 first, refused whole when broken."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hhdesk.domain import remittance_codes as codes
from hhdesk.exports.profiles import load_profile
from hhdesk.exports.x12 import write_837i
from hhdesk.exports.x12_responses import ResponseFileError, read_response, response_kind, validate
from tests.exports.test_x12 import CONTROL, CREATED, SETTINGS, sample_rows
from tests.exports.x12_response_factory import (
    SentFile,
    payer_claim_number,
    read_claim_file,
    write_277ca,
    write_835,
    write_999,
)


@pytest.fixture(scope="module")
def sent() -> SentFile:
    profile = load_profile("ny_adult", overrides={"outreach_rate_code": "1386", "outreach_amount": "135.00"})
    return read_claim_file(write_837i(sample_rows(profile), SETTINGS, profile, CONTROL, CREATED).text)


def test_generated_responses_pass_pyx12_with_zero_errors(sent: SentFile) -> None:
    for text in (write_999(sent), write_999(sent, {"0001"}), write_277ca(sent, {sent.claims[0].claim_id}),
                 write_835(sent, denied={sent.claims[1].claim_id: ("29", "MA130")},
                           reduced={sent.claims[2].claim_id: "100.00"})):
        assert validate(text) == []


def test_999_gives_each_transaction_set_its_verdict(sent: SentFile) -> None:
    accepted = read_response(write_999(sent).encode())
    assert accepted.kind == "999" and accepted.group_code == "A"
    assert [(a.group_control_number, a.transaction_set, a.accepted) for a in accepted.acknowledgements] == [
        ("7", "0001", True)]
    rejected = read_response(write_999(sent, {"0001"}).encode())
    assert rejected.group_code == "R" and not rejected.acknowledgements[0].accepted
    assert rejected.acknowledgements[0].errors == ("CLM at segment 12",)


def test_277ca_gives_each_claim_its_status_and_the_payers_number(sent: SentFile) -> None:
    first = sent.claims[0].claim_id
    response = read_response(write_277ca(sent, rejected={first}).encode())
    by_claim = {claim.claim_id: claim for claim in response.claims}
    assert set(by_claim) == {claim.claim_id for claim in sent.claims}
    assert by_claim[first].statuses == (("A7", "164"),) and by_claim[first].payer_claim_number == ""
    second = sent.claims[1].claim_id
    assert by_claim[second].statuses == (("A2", "20"),)
    assert by_claim[second].payer_claim_number == payer_claim_number(second)
    assert by_claim[second].medicaid_id == sent.claims[1].medicaid_id


def test_835_gives_payments_denials_and_adjustments_with_their_codes(sent: SentFile) -> None:
    denied, reduced = sent.claims[1].claim_id, sent.claims[2].claim_id
    response = read_response(write_835(sent, denied={denied: ("29", "MA130")}, reduced={reduced: "100.00"}).encode())
    assert response.kind == "835" and response.payment_reference == "CHK100200"
    payments = {payment.claim_id: payment for payment in response.payments}
    assert payments[denied].status_code == "4" and payments[denied].paid == Decimal("0")
    assert [(a.group, a.reason, a.amount) for a in payments[denied].adjustments] == [("CO", "29", Decimal("303"))]
    assert payments[denied].remarks == ("MA130",)
    assert payments[reduced].paid == Decimal("100.00") and payments[reduced].adjustments[0].reason == "45"
    assert response.payment_total == sum((p.paid for p in response.payments), Decimal("0"))


@pytest.mark.parametrize("corrupt", [
    lambda text: text.replace("BPR*I*", "BPR*Q*"),  # a code outside the list
    lambda text: text.replace("N1*PR*", "N9*PR*"),  # the payer loop's name segment gone
    lambda text: text.replace("SE*", "SE*1", 1),  # a wrong segment count
], ids=["bad BPR01", "missing N1*PR", "wrong SE count"])
def test_a_broken_835_is_refused_whole_naming_segments(sent: SentFile, corrupt) -> None:  # type: ignore[no-untyped-def]
    text = corrupt(write_835(sent))
    with pytest.raises(ResponseFileError, match=r"does not pass validation, so nothing was applied: segment \d+"):
        read_response(text.encode())


def test_the_refusal_names_no_member(sent: SentFile) -> None:
    text = write_277ca(sent).replace("DTP*472*", "DTP*999*", 1)
    with pytest.raises(ResponseFileError) as refused:
        read_response(text.encode())
    message = str(refused.value)
    assert all(claim.last_name not in message and claim.medicaid_id not in message for claim in sent.claims)


def test_other_files_are_named_for_what_they_are(sent: SentFile) -> None:
    claim_text = write_837i(sample_rows(load_profile("ny_adult", overrides={"outreach_rate_code": "1386",
                                                                             "outreach_amount": "135.00"})),
                            SETTINGS, load_profile("ny_adult", overrides={"outreach_rate_code": "1386",
                                                                           "outreach_amount": "135.00"}),
                            CONTROL, CREATED).text
    with pytest.raises(ResponseFileError, match="not a 999 acknowledgement.*its group is HC"):
        response_kind(claim_text)
    with pytest.raises(ResponseFileError, match="characters an X12 file cannot hold"):
        read_response("ISA*Zoë".encode())


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_response_or_a_clear_refusal(data: bytes) -> None:
    try:
        read_response(data)
    except ResponseFileError as exc:
        assert str(exc)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=400))
def test_a_cut_short_835_is_refused(cut: int) -> None:
    profile = load_profile("ny_adult", overrides={"outreach_rate_code": "1386", "outreach_amount": "135.00"})
    text = write_835(read_claim_file(write_837i(sample_rows(profile), SETTINGS, profile, CONTROL, CREATED).text))
    with pytest.raises(ResponseFileError):
        read_response(text[:cut].encode())


def test_codes_are_put_in_words_and_unknown_ones_are_not_guessed() -> None:
    assert codes.carc_words("29") == "CARC 29: the time limit for filing has expired"
    assert codes.rarc_words("N30") == "RARC N30: the patient is ineligible for this service"
    assert codes.carc_words("999") == "CARC 999: see the payer's remittance for its meaning"
    assert codes.group_words("CO").startswith("contractual obligation")


def test_pyx12_logs_no_member_data_while_validating(sent: SentFile, caplog: pytest.LogCaptureFixture) -> None:
    broken = write_835(sent).replace("N1*PR*", "N9*PR*")
    with caplog.at_level("DEBUG"), pytest.raises(ResponseFileError):
        read_response(broken.encode())
    logged = caplog.text
    assert all(claim.last_name not in logged and claim.medicaid_id not in logged for claim in sent.claims)
