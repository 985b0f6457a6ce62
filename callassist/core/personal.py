"""Personal data found by its kind, for the views that must not show it (a trainer's
replay and export). Exact strings are not enough: a note names the contact by her
surname and title, gives another phone number, an e-mail address, an ID number or where
the debtor lives. So this hides, in any text:

- the call's own people by every form a call uses: the debtor's and the contact's names in
  full, a company's name without its legal form, a person's surname with a title (王总,
  李经理, 老王, Mr Mitchell) and a given name of two characters or letters or more;
- any phone number (7 or more digits in the shapes phone numbers are written in), any
  e-mail address, a Chinese resident ID number whose check digit holds, a US social
  security number, and a street address (a Chinese one by its 省/市/区/路/号 parts, an
  English one by its number and street word).

It hides more rather than less: an invoice number that looks like a phone number is
hidden too. Nothing here knows the screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MASKS = {"debtor": "[debtor]", "contact": "[contact]", "phone": "[phone]", "email": "[email]", "id": "[id]", "address": "[address]"}

_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "南宫")
# What a call puts after a Chinese surname (王总, 李经理) or before it (老王, 小李).
_TITLES_AFTER = (
    "总经理",
    "总监",
    "经理",
    "總經理",
    "總監",
    "經理",
    "总",
    "總",
    "先生",
    "女士",
    "小姐",
    "老板",
    "老闆",
    "会计",
    "會計",
    "老师",
    "老師",
    "师傅",
    "師傅",
    "主任",
    "主管",
    "科长",
    "科長",
    "处长",
    "處長",
    "部长",
    "部長",
    "厂长",
    "廠長",
    "出纳",
    "出納",
    "助理",
    "太太",
    "阿姨",
    "董",
    "工",
    "姐",
    "哥",
    "生",
)
_TITLES_BEFORE = ("老", "小", "阿")
# Simplified and traditional forms of the characters most common in names, so that 陳經理
# is found for 陈, and 陈建国 for 陳建國.
_SIMPLIFIED = "陈刘张杨黄赵吴孙马罗郑谢许韩冯邓萧于蒋苏吕卢钟谭陆贾韦邹闫龙贺顾龚万钱严汤叶国华丽伟军强红东兰庆荣凤宁贵发飞丰云岚涛静杰鹏辉刚艳颖晓诚铭锋鸿"
_TRADITIONAL = "陳劉張楊黃趙吳孫馬羅鄭謝許韓馮鄧蕭於蔣蘇呂盧鍾譚陸賈韋鄒閻龍賀顧龔萬錢嚴湯葉國華麗偉軍強紅東蘭慶榮鳳寧貴發飛豐雲嵐濤靜傑鵬輝剛豔穎曉誠銘鋒鴻"
_TO_TRADITIONAL = str.maketrans(_SIMPLIFIED, _TRADITIONAL)
_TO_SIMPLIFIED = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
# Full-width digits, letters and the signs of numbers and addresses (a Chinese keyboard's)
# read as their ASCII twins; Chinese punctuation (，；：) stays as written.
_FULL_WIDTH = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF20, 0xFF0E, 0xFF0D, 0xFF0B, 0xFF3F)}
# A place before a company's trade name (深圳市华强电子 → 华强电子), and the trade words after it.
_PLACE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}(?:省|市|区|區|县|縣|自治区))+")
_TRADE_WORDS = re.compile(
    r"(?:管理|贸易|貿易|科技|实业|實業|电子|電子|机电|機電|物流|食品|服装|服裝|建材|纺织品|紡織品|五金|制品|製品|印务|包装|照明电器|汽配|茶业|鞋业|化工"
    r"|家具|药业|酒业|电缆|精密机械|进出口|進出口|旅游用品|摩配|农资|仪表|重工配件|水产|电机|茶具|布业|餐饮|餐飲|精工|技术|技術|工程|设备|設備)$"
)
_COMPANY_WORDS = re.compile(
    r"\b(?:trading|services?|supply|supplies|logistics|hardware|packaging|parts|print|design|interiors|materials|components|catering|electronics|textiles"
    r"|furniture|works|medical|engineering|farms|tools|seafood|fabrication|retail|centres?|centers?|courier|plumbing|installations|foods|events|freight"
    r"|forwarding|software|bakery|lab|hotel|joinery|machines|holdings|industries|international|enterprises?|solutions|systems|group|partners)\b",
    re.IGNORECASE,
)
_ENGLISH_TITLES = r"(?:mr|mrs|ms|miss|mx|dr|prof)\.?"
_LEGAL_FORMS = re.compile(
    r"(?:（个体）|\(个体\)|（個體）|股份有限公司|有限责任公司|有限責任公司|有限公司|公司|商行|批发部|批發部|制品厂|製品廠|厂|廠"
    r"|,?\s+(?:co\.?|ltd\.?|inc\.?|llc|l\.l\.c\.|gmbh|limited|corp\.?|corporation|group|plc|pty)\b\.?)+\s*$",
    re.IGNORECASE,
)
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: an optional country code, an optional area code (bracketed or not), then
# groups of digits split by a space, a hyphen or a dot; 7 digits or more in all (a date,
# 2026-12-03, is not one).
PHONE = re.compile(r"(?<![A-Za-z0-9_+])(?!\d{4}[-./]\d{1,2}[-./]\d{1,2}(?!\d))(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){1,4}(?![A-Za-z0-9_])")
CN_RESIDENT_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
US_SSN = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}[-\u2010-\u2015\u2212](?!00)\d{2}[-\u2010-\u2015\u2212](?!0000)\d{4}(?!\d)")
CN_ADDRESS = re.compile(r"[\u4e00-\u9fff]{2,}(?:省|市|自治区|區|区|县|縣|镇|鎮)[\u4e00-\u9fff\d]*?(?:路|街|道|巷|弄|里|村)[\d\-－]*(?:号|號)?(?:[\u4e00-\u9fff\d\-－]*?(?:室|楼|樓|层|層|栋|棟|单元|單元))*")
# A district without a street (广东省深圳市南山区科技园南区).
CN_AREA = re.compile(r"(?:[\u4e00-\u9fff]{2,3}(?:省|自治区))?[\u4e00-\u9fff]{2,3}市[\u4e00-\u9fff]{2,3}(?:区|區|县|縣)[\u4e00-\u9fff\d]{0,12}")
EN_ADDRESS = re.compile(
    r"\b\d{1,5}[A-Za-z]?(?:-\d{1,5})?\s+(?:[A-Z][\w'.-]*\s+){1,4}"
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|close|crescent|square|sq|parkway|highway|hwy)\b\.?"
    r"(?:,?\s+(?:apt|suite|unit|flat)\.?\s*\w+)?",
    re.IGNORECASE,
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_valid(number: str) -> bool:
    """A Chinese resident ID number's check digit (ISO 7064 MOD 11-2) holds."""
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == number[17].upper()


def name_forms(name: str, company: bool) -> list[str]:
    """The forms by which a call may name this person or company, longest first."""
    name = " ".join(name.split())
    if not name:
        return []
    forms = {name}
    if company:
        bare = _LEGAL_FORMS.sub("", name).strip(" ,")
        trade = _PLACE_PREFIX.sub("", bare)
        forms.update(form for form in (bare, trade) if len(form) >= 2)
        while (shorter := _TRADE_WORDS.sub("", trade)) != trade and len(shorter) >= 2:  # 李氏餐饮管理 → 李氏餐饮 → 李氏
            forms.add(trade := shorter)
        first = bare.split()[0] if " " in bare and not _HAN.match(bare.replace(" ", "")) else ""
        if len(first) >= 4 and not _COMPANY_WORDS.fullmatch(first):  # Acme of Acme Trading
            forms.add(first)
    elif _HAN.match(name) and 2 <= len(name) <= 4:
        surname = next((s for s in _COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[0])
        given = name[len(surname) :]
        forms.update(surname + title for title in _TITLES_AFTER)
        forms.update(title + surname for title in _TITLES_BEFORE)
        if len(given) >= 2:
            forms.add(given)
    # Every form in simplified and traditional characters alike.
    forms |= {form.translate(_TO_TRADITIONAL) for form in forms} | {form.translate(_TO_SIMPLIFIED) for form in forms}
    return sorted(forms, key=len, reverse=True)


def looks_like_person(name: str | None) -> bool:
    """A debtor's name that is a person's, not a company's: no legal form or trade word, and
    two to four Chinese characters, or two or three Latin words."""
    if not name or _LEGAL_FORMS.search(name) or _COMPANY_WORDS.search(name) or any(char.isdigit() for char in name):
        return False
    bare = name.replace(" ", "")
    if _HAN.match(bare):
        return 2 <= len(bare) <= 4 and not _TRADE_WORDS.search(bare)
    return 2 <= len(name.split()) <= 3 and all(part[:1].isupper() for part in name.split())


def _english_parts(name: str) -> list[str]:
    """A Latin-script person's names (given, family) that may stand alone in a note."""
    return [part for part in re.findall(r"[A-Za-z][A-Za-z'-]+", name) if len(part) >= 2]


def hider(debtor: str | None, contact: str | None, phone: str | None, debtor_is_person: bool = False) -> Callable[[str], str]:
    """What hides personal data in a text of this call (see the module's docstring)."""
    # An e-mail address or a street may hold a name: they go whole, before the names.
    patterns: list[tuple[re.Pattern[str], str]] = [(EMAIL, MASKS["email"]), (CN_ADDRESS, MASKS["address"]), (CN_AREA, MASKS["address"]), (EN_ADDRESS, MASKS["address"]), (US_SSN, MASKS["id"])]
    for value, mask, company in ((debtor, MASKS["debtor"], not debtor_is_person), (contact, MASKS["contact"], False)):
        if not value:
            continue
        forms = [re.escape(form) for form in name_forms(value, company)]
        if not company and _HAN.match(value.replace(" ", "")) and 2 <= len(value.replace(" ", "")) <= 4:
            # A title or a prefix a space apart from the surname (陈 经理, 老 陈).
            surnames = {value[0], value[0].translate(_TO_TRADITIONAL), value[0].translate(_TO_SIMPLIFIED)}
            either = "|".join(map(re.escape, surnames))
            forms += [rf"(?:{either})\s+(?:{'|'.join(map(re.escape, _TITLES_AFTER))})", rf"(?:{'|'.join(_TITLES_BEFORE)})\s+(?:{either})"]
        if not company and not _HAN.match(value.replace(" ", "")):
            last = _english_parts(value)
            forms += [rf"{_ENGLISH_TITLES}\s*{re.escape(last[-1])}"] if last else []
            forms += [rf"\b{re.escape(part)}\b" for part in sorted(last, key=len, reverse=True)]
        if forms:
            patterns.append((re.compile("|".join(forms), re.IGNORECASE), mask))
    if phone:
        patterns.append((re.compile(re.escape(phone)), MASKS["phone"]))

    def hide(text: str) -> str:
        text = text.translate(_FULL_WIDTH)
        for pattern, mask in patterns:
            text = pattern.sub(mask, text)
        text = CN_RESIDENT_ID.sub(lambda m: MASKS["id"] if resident_id_valid(m.group()) else m.group(), text)
        return PHONE.sub(lambda m: MASKS["phone"] if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)

    return hide
