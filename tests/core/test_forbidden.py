"""The forbidden-language list: every threatening phrase collectors are known to use is
found, however it is written (traditional characters, full-width letters, spaces between
characters, invisible characters), and ordinary business words are left alone."""

from __future__ import annotations

import pytest

from callassist.core.forbidden import load_forbidden
from tests.conftest import SCRIPTS


@pytest.fixture(scope="module")
def forbidden():
    found, problems = load_forbidden(SCRIPTS / "forbidden.yaml")
    assert problems == []
    return found


@pytest.mark.parametrize(
    ("locale", "said", "category"),
    [
        # Telling family, employer or contacts; posting it.
        ("zh", "不还钱我就告诉你家人。", "threat"),
        ("zh", "我们会告诉你领导的。", "threat"),
        ("zh", "你的通讯录我们都有。", "threat"),
        ("zh", "再不还就把你曝光。", "threat"),
        ("zh", "我们会发朋友圈。", "threat"),
        ("en", "We'll tell your employer about this.", "threat"),
        # Found by the attacker: the polite 您 is heard as 你; the words a collector really uses.
        ("zh", "我们会告诉您家人的。", "threat"),
        ("zh", "那我只能通知您家里人了。", "threat"),
        ("zh", "我们会打电话到您单位，找您领导。", "threat"),
        ("zh", "我们会派人上门。", "threat"),
        ("zh", "这会影响您的征信。", "blacklist"),
        ("zh", "我们会报到征信中心。", "blacklist"),
        ("en", "I will tell your wife.", "threat"),
        ("en", "Then I'll call your employer.", "threat"),
        ("en", "We'll report you to the credit bureau.", "blacklist"),
        ("en", "We will ｆｉｌｅ ｓｕｉｔ today.", "false_legal"),
        # Legal steps that were never taken.
        ("zh", "我们已经立案了。", "false_legal"),
        ("zh", "传票马上就到。", "false_legal"),
        ("zh", "法院会强制执行。", "false_legal"),
        ("zh", "我们会冻结账户。", "false_legal"),
        ("zh", "你会被限高。", "false_legal"),
        ("zh", "你就是失信被执行人了。", "false_legal"),
        ("en", "We filed suit this morning.", "false_legal"),
        ("en", "We will garnish your wages.", "false_legal"),
        ("en", "We can freeze your account.", "false_legal"),
        # Credit threats, accusations, profanity, harassment.
        ("zh", "不还就让你上征信。", "blacklist"),
        ("en", "We will report you to the credit bureaus.", "blacklist"),
        ("zh", "你这是诈骗。", "accusation"),
        ("zh", "你这是恶意逃债。", "accusation"),
        ("en", "This is fraud.", "accusation"),
        ("zh", "你他妈的到底还不还？", "profanity"),
        ("en", "Shut up and listen.", "profanity"),
        ("zh", "我们天天打。", "harassment"),
        ("zh", "打到你还为止。", "harassment"),
        ("en", "We will keep calling until you pay.", "harassment"),
        # However it is written.
        ("zh", "你上了黑名單。", "blacklist"),
        ("zh", "你上了黑 名单。", "blacklist"),
        ("zh", "你上了黑\u200b名单。", "blacklist"),
        ("en", "You are on our ＢＬＡＣＫＬＩＳＴ.", "blacklist"),
        ("zh", "我們已經立案了。", "false_legal"),
    ],
)
def test_every_threatening_phrase_is_found_however_it_is_written(forbidden, locale, said, category):
    hits = forbidden.find(said, locale)
    assert category in {hit.category for hit in hits}, (said, hits)


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "May I speak to your chief financial officer?"),
        ("en", "Our policy is to send a statement."),
        ("en", "Hello, is this a good time?"),
        ("en", "Shell Trading owes nothing on this account."),
        ("zh", "请问财务总监在吗？"),
        ("zh", "我们把对账单发到您的邮箱。"),
        ("zh", "征求一下您的意见。"),
    ],
)
def test_ordinary_business_words_are_left_alone(forbidden, locale, said):
    assert forbidden.find(said, locale) == []


def test_a_hit_is_named_at_its_own_line_whatever_came_before(forbidden):
    text = "第一行\n第二行 ＡＢＣ\n你上了黑 名單"
    [problem] = forbidden.problems(text, "zh", "x.j2", line_offset=10)
    assert problem.line == 13 and problem.code == "E050"
