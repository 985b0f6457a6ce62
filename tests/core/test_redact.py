"""Card numbers and security codes never reach the call log."""

from __future__ import annotations

import pytest

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


CARD_FORMS = [
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4111.1111.1111.1111",
    "4111  1111  1111  1111",
    "4111111111111111",
    "4111\u00a01111\u00a01111\u00a01111",
    "4111\u30001111\u30001111\u30001111",
    "４１１１　１１１１　１１１１　１１１１",
    "４１１１－１１１１－１１１１－１１１１",
    "４１１１１１１１１１１１１１１１",
    "41 11 11 11 11 11 11 11",
    "4111 1111 1111 1111".replace(" ", " - "),
    "411 111 111 111 1111",
    "3782 822463 10005",
    "6212 3456 7890 1234 569",  # UnionPay, 19 digits
]


def test_a_card_number_is_masked_whatever_its_digits_separators_or_grouping():
    for form in CARD_FORMS:
        digits = "".join(str(int(c)) for c in form if c.isdecimal())
        assert luhn_valid(digits), form
        for text in (form, f"卡号{form}，谢谢", f"card: {form}.", f"qty 2 {form}", f"on 12.03 {form} ok"):
            masked, kinds = redact(text)
            assert kinds == ("card",) and f"[card ····{digits[-4:]}]" in masked, (text, masked)
            assert not any(c.isdecimal() for c in masked.replace(f"····{digits[-4:]}", "").replace("2 ", "").replace("12.03", "")), (text, masked)


def test_dates_phones_and_order_numbers_stay_though_their_digits_pass_luhn():
    for text in ("from 2026.12.28 - 2027.01.04", "0086 138 0013 8002", "86 138 0013 8002", "+1 212 555 0104 ext 12", "ref 1234567812345670"):
        assert luhn_valid("".join(c for c in text if c.isdigit())), text
        assert redact(text) == (text, ()), text
    assert redact("order 60110009901394240090") == ("order 60110009901394240090", ())  # 20 digits: no card


SECURITY_CODE_FORMS = [
    ("安全码是：123", "安全码是：[···]"),
    ("安全碼 123", "安全碼 [···]"),
    ("cvv123", "cvv[···]"),
    ("CVV is: 123", "CVV is: [···]"),
    ("security code - 123", "security code - [···]"),
    ("CVC2=４５６", "CVC2=[···]"),
    ("卡背面三位数是 737", "卡背面三位数是 [···]"),
    ("背面三位數：737", "背面三位數：[···]"),
    ("驗證碼為 8812", "驗證碼為 [···]"),
    ("校验码:123", "校验码:[···]"),
    ("the three digits on the back are 737", "the three digits on the back are [···]"),
    ("card verification code 737", "card verification code [···]"),
    ("CVV: 7 3 7", "CVV: [···]"),
    ("cvv#737", "cvv#[···]"),
]


def test_a_security_code_is_masked_after_any_usual_wording():
    for text, masked in SECURITY_CODE_FORMS:
        assert redact(text) == (masked, ("security_code",)), text
    assert redact("the cvv is on the back")[1] == () and redact("security code 12345 is not one")[1] == ()


@pytest.mark.parametrize(
    "text",
    [
        "CVV code: 123",
        "CVV code is 123",
        "CVV number 123",
        "CVV was 123",
        "cvv码123",
        "CVV码是123",
        "安全码：是123",
        "卡背后三位123",
        "背面三位数字是123",
        "卡背面的三位数字：123",
        "安全代碼是123",
        "3 digits on back: 123",
        "CVV–123",
        "CVV—123",
        "安全码－123",
    ],
)
def test_a_security_code_after_any_usual_words_is_masked(text):
    masked, found = redact(text)
    assert "123" not in masked and found == ("security_code",), masked


@pytest.mark.parametrize("separator", ["。", "·", "−", "﹣", "，", "、", "    "])
def test_a_card_split_as_a_chinese_keyboard_splits_it_is_masked(separator):
    masked, found = redact(f"card {separator.join(['4111', '1111', '1111', '1111'])}")
    assert masked == "card [card ····1111]" and found == ("card",)


def test_a_draft_never_keeps_a_card_number_typed_but_for_its_last_digit():
    from callassist.core.redact import redact_partial

    assert redact_partial("card 4111 1111 1111 111") == "card [card? ····1111]"
    assert redact_partial("call +86 138 0013 8002 or 138 0013 8002") == "call +86 138 0013 8002 or 138 0013 8002"
