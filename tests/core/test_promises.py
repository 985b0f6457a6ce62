def test_an_empty_amount_is_missing_not_malformed_in_both_languages():
    from datetime import date

    from callassist.core.i18n import label
    from callassist.core.promises import check_payment

    _, errors = check_payment("  ", "2026-11-20", "CNY", date(2026, 11, 20))
    assert [(e.field, e.key) for e in errors] == [("amount", "err_amount_required")]
    assert label("err_amount_required", "zh") == "请填写金额。" and label("err_amount_required", "en") == "An amount is required."
