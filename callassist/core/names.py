"""What a person's user name may be: their login, their name in callassist and in the
ledger's files. Letters (any script), digits, '.', '@', '_' or '-', and not beginning
with a character a spreadsheet would read as the start of a formula."""

from __future__ import annotations

import re
from functools import cache

USER_NAME = re.compile(r"\w[\w.@-]{0,63}")  # the whole name (fullmatch: "$" would let a final newline through)
# The team's shared queue: the collector an accounts file names for accounts any collector
# of the team may take (a name no login can have).
TEAM_POOL = "@team"


@cache  # an accounts file names the same few collectors on every row
def user_name_problem(name: str) -> str | None:
    """What is wrong with a user name, or None."""
    return None if USER_NAME.fullmatch(name) else f"{name!r}: a user name of up to 64 letters, digits, '.', '@', '_' or '-', beginning with a letter, digit or '_'"


# Two-character surnames, so 欧阳明 is 欧阳经理 and not 欧经理.
_COMPOUND_SURNAMES = frozenset("欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 钟离 端木 轩辕 西门 南宫".split())
# How a Chinese caller addresses someone by their role: the first title found in the role
# (财务总监 is 王总, 财务经理 is 陈经理; an English role too: finance manager is 陈经理). A
# role with none leaves the full name.
_ZH_TITLES = (
    ("董事长", "董"),
    ("总经理", "总"),
    ("总裁", "总"),
    ("总监", "总"),
    ("老总", "总"),
    ("老板", "老板"),
    ("厂长", "厂长"),
    ("店长", "店长"),
    ("经理", "经理"),
    ("主任", "主任"),
    ("主管", "主管"),
    ("会计", "会计"),
    ("chairman", "董"),
    ("general manager", "总"),
    ("director", "总"),
    ("ceo", "总"),
    ("cfo", "总"),
    ("president", "总"),
    ("owner", "老板"),
    ("manager", "经理"),
    ("accountant", "会计"),
)
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{1,4}")  # one character: a surname alone (李, with 经理: 李经理)
_EN_HONORIFIC = re.compile(r"(?i)(mr|mrs|ms|miss|dr|prof)\.?\s")


def salutation(name: str, role: str, locale: str, *, consumer: bool = False) -> str:
    """How the collector addresses the contact when nobody wrote it down: 陈经理 or 王总
    for a Chinese name with a titled role; a business contact's first name in English
    ("Sarah"), a consumer's full name; the full name wherever a guess would be wrong.
    A name written both ways ("Chen Jing 陈静") is addressed in the call's own script."""
    name = " ".join(name.split())
    han = _HAN_NAME.search(name)
    latin = " ".join(_HAN_NAME.sub(" ", name).split())
    if locale == "zh" and han:
        given = han.group()
        surname = given[:2] if given[:2] in _COMPOUND_SURNAMES else given[:1]
        return next((surname + title for word, title in _ZH_TITLES if word in role.lower()), given)
    if locale == "en" and latin and latin.isascii():
        # A romanised Chinese name puts the surname first: never cut it to one word. A
        # final full stop ("Jr.") would double the script's own.
        if han or consumer or _EN_HONORIFIC.match(latin) or " " not in latin:
            return latin.rstrip(".")
        return latin.split()[0]
    return name
