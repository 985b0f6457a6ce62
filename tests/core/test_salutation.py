"""How the collector addresses the contact when the ledger does not say, and what the script may truthfully say of earlier calls (issue 22)."""

from __future__ import annotations

import pytest

from callassist.core.names import salutation


@pytest.mark.parametrize(
    ("name", "role", "locale", "consumer", "expected"),
    [
        ("陈静", "财务经理", "zh", False, "陈经理"),
        ("王建国", "总经理", "zh", False, "王总"),
        ("李秀英", "财务总监", "zh", False, "李总"),
        ("张伟", "老板", "zh", False, "张老板"),
        ("欧阳明", "会计", "zh", False, "欧阳会计"),  # a two-character surname stays whole
        ("孙浩", "应付账款专员", "zh", False, "孙浩"),  # no title in the role: the full name, never a guess at 先生/女士
        ("陈静", "", "zh", True, "陈静"),
        ("Sarah Mitchell", "Owner", "en", False, "Sarah"),
        ("Sarah Mitchell", "", "en", True, "Sarah Mitchell"),  # a consumer is not called by their first name
        ("Ms Sun Li", "Controller", "en", False, "Ms Sun Li"),
        ("陈静", "财务经理", "en", False, "陈静"),
        ("Chen Jing", "财务经理", "zh", False, "Chen Jing"),
        ("Madonna", "Owner", "en", False, "Madonna"),
    ],
)
def test_a_salutation_is_worked_out_from_name_and_role(name, role, locale, consumer, expected):
    assert salutation(name, role, locale, consumer=consumer) == expected


def test_a_name_written_both_ways_is_addressed_in_the_calls_script():
    assert salutation("Chen Jing 陈静", "finance manager", "zh") == "陈经理"
    assert salutation("Chen Jing 陈静", "finance manager", "en") == "Chen Jing"  # surname first: not "Chen" alone
    assert salutation("Wang Lei 王磊", "", "zh", consumer=True) == "王磊"


def test_found_by_the_attacker_a_surname_alone_and_a_final_full_stop():
    assert salutation("李", "经理", "zh") == "李经理"
    assert salutation("Dr. John Smith Jr.", "CFO", "en") == "Dr. John Smith Jr"


def test_missed_calls_count_the_run_of_unanswered_calls_since_someone_was_reached():
    from callassist.core.account import calls_missed

    assert calls_missed(["no_answer", "left_message", "not_dialled", "no_answer", "promise", "no_answer"]) == 3
    assert calls_missed(["callback", "no_answer"]) == 0 and calls_missed([]) == 0
