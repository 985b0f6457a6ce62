"""Card numbers and security codes never reach the call log."""

from __future__ import annotations

from callassist.core.redact import luhn_valid, redact


def test_card_numbers_that_pass_luhn_are_masked_to_their_last_four():
    text, kinds = redact("paid by card 4111 1111 1111 1111, exp 09/28; also 5500-0000-0000-0004")
    assert text == "paid by card [card ····1111], exp 09/28; also [card ····0004]" and kinds == ("card",)
    # 13 and 19 digits pass; a number that fails the check is left alone.
    assert redact("4222222222222")[0] == "[card ····2222]"
    assert redact("6011 0009 9013 9424 009")[0] == "[card ····4009]" and luhn_valid("6011000990139424009")
    assert redact("60110009901394240090")[1] == ()  # 20 digits: no card
    assert redact("order 4111 1111 1111 1112")[1] == ()


def test_phone_numbers_and_amounts_stay():
    for text in ("call him on +86 21 5550 1001", "138 0013 8000", "owes 1,250,000.00 since 2026-08-01", "invoice INV-20260241"):
        assert redact(text) == (text, ())


def test_security_codes_are_masked_whatever_the_language():
    assert redact("CVV 123") == ("CVV [···]", ("security_code",))
    assert redact("cvc2: 4321, security code is 987")[0] == "cvc2: [···], security code is [···]"
    assert redact("他说安全码是 456") == ("他说安全码是 [···]", ("security_code",))
    assert redact("卡号 4111111111111111 背面三位 789")[0] == "卡号 [card ····1111] 背面三位 [···]"
    assert redact("cvv is in the post")[1] == ()
