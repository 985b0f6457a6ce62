"""A trainer's view hides personal data by its kind, not only the call's exact strings."""

from __future__ import annotations

from callassist.core.personal import hider, name_forms, resident_id_valid

# A valid resident ID (its check digit holds) and one whose check digit does not.
RESIDENT_ID = "11010519491231002X"


def test_the_forms_a_call_names_people_by():
    forms = name_forms("王建国", company=False)
    assert {"王建国", "王总", "王经理", "老王", "小王", "建国"} <= set(forms)
    assert {"欧阳明华", "欧阳总", "明华"} <= set(name_forms("欧阳明华", company=False))
    assert {"大连海星水产有限公司", "大连海星水产"} <= set(name_forms("大连海星水产有限公司", company=True))
    assert {"Harbor Point Logistics Ltd", "Harbor Point Logistics"} <= set(name_forms("Harbor Point Logistics Ltd", company=True))
    assert resident_id_valid(RESIDENT_ID) and not resident_id_valid(RESIDENT_ID[:-1] + "1")


NOTE_ZH = f"王总说找建国也行，老王下周回来；他手机 139 1234 5678，座机 (021) 5550-1234，邮箱 wang.jg@haixing.cn，身份证 {RESIDENT_ID}，住上海市浦东新区世纪大道100号2楼。大连海星水产的会计也在。"
NOTE_EN = "Sarah said Mitchell is away; Ms. Mitchell's cell is +1 (415) 555-0199, email sarah.m@harborpoint.com, SSN 123-45-6789, lives at 42 Elm Street, Apt 3. Harbor Point Logistics owes since 2026-11-03 10:30; invoice total 7,853.71."


def test_a_note_full_of_personal_data_keeps_none_of_it():
    hide_zh = hider("大连海星水产有限公司", "王建国", "+86 411 5550 1234")
    shown = hide_zh(NOTE_ZH)
    for secret in ("王总", "建国", "老王", "139 1234 5678", "5550-1234", "wang.jg@haixing.cn", RESIDENT_ID, "世纪大道", "大连海星水产"):
        assert secret not in shown, (secret, shown)
    assert "[contact]" in shown and "[phone]" in shown and "[email]" in shown and "[id]" in shown and "[address]" in shown and "[debtor]" in shown
    hide_en = hider("Harbor Point Logistics Ltd", "Sarah Mitchell", "+1 415 555 0100")
    shown = hide_en(NOTE_EN)
    for secret in ("Sarah", "Mitchell", "555-0199", "harborpoint.com", "123-45-6789", "42 Elm Street", "Harbor Point"):
        assert secret not in shown, (secret, shown)
    assert "2026-11-03" in shown and "7,853.71" in shown  # dates and amounts stay


def test_what_is_not_personal_stays():
    hide = hider("Northgate Packaging Co.", "Tom Becker", "+1 212 555 0100")
    text = "Promised 1,250.00 by 2026-12-10; invoice INV-1001; call back at 16:30; the boss is out."
    assert hide(text) == text


def test_what_the_attackers_notes_held_is_hidden_by_kind():
    """Issue 18's second trial: numbers after Chinese text, full-width ones, a title a space
    apart, traditional characters, titles beyond the usual, a company's trade name, a
    person debtor, SSNs with typographic hyphens, and addresses without a street."""
    from callassist.core.compliance import masker

    hide = masker({"debtor": "李氏餐饮管理有限公司", "contact": "张伟", "phone": "+86 21 5550 1234"})
    shown = hide("张伟 新手机13912345678，微信号13912345678；张 经理和李氏餐饮说好了；身份证 １１０１０５１９４９１２３１００２Ｘ；邮箱 ａｂｃ＠ｅｘａｍｐｌｅ．ｃｏｍ")
    for leaked in ("13912345678", "张 经理", "李氏餐饮", "１１０１０５", "ａｂｃ", "abc@"):
        assert leaked not in shown, (leaked, shown)
    hide = masker({"debtor": "深圳市华强电子有限公司", "contact": "陈建国", "phone": "+86 755 5550 0000"})
    shown = hide("陳經理、陳建國、陈 经理、陈主管、阿陈、陈生都说华强电子会付。SSN 123‐45‐6789，地址广东省深圳市南山区科技园南区")
    for leaked in ("陳經理", "陳建國", "陈 经理", "陈主管", "阿陈", "陈生", "华强电子", "6789", "南山区"):
        assert leaked not in shown, (leaked, shown)
    assert masker({"debtor": "陈建国", "contact": "王丽华", "phone": "+86 138 0013 8000"})("陈经理说老陈会付；建国") == "[debtor]说[debtor]会付；[debtor]"
    shown = masker({"debtor": "Acme Trading Co., Ltd.", "contact": "Sarah Mitchell", "phone": "+1 212 555 0101"})("Acme said Sarah lives at 221B Baker Street")
    assert "Acme" not in shown and "Baker" not in shown and "Sarah" not in shown
    assert "Smith" not in masker({"debtor": "John Smith", "contact": "Jane Doe", "phone": "+1 212 555 0101"})("Mr Smith will pay")
