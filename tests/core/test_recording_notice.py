"""The recording notice is the program's, not the script's: where calls are recorded and
every party must consent, the first step someone may hear opens with it, whatever the
script says. An attacker's pass got five greetings past the old check of the script's own
words (the notice deleted, said only to companies, only in the morning, one word, its
opposite) and reached the debtor through a second choice from the first step."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from callassist.core.account import build_context
from callassist.core.call import Call
from callassist.core.flow import load_flow
from callassist.core.i18n import label
from callassist.core.phone import Answered, Dialling, NoAnswer, Ringing
from callassist.core.preview import preview
from tests.conftest import NOW, SCRIPTS

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SAID = {"en": "Just so you know, this call is recorded.", "zh": "先跟您说一声，这个电话是录音的。"}


def _recorded(call: Call) -> Call:
    call.context = replace(call.context, recording_notice=True)
    return call


def _notices(events: list) -> list[str]:
    return [e.payload["state"] for e in events if e.kind == "step_entered" and e.payload.get("recording_notice")]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_first_step_someone_hears_opens_with_the_notice_once(make_call, locale):
    call = _recorded(make_call(locale))
    log = call.start({"account": 1})
    assert SAID[locale] not in call.step.text  # before dialling: the collector alone
    log += call.choose("dial")
    assert call.step.text.startswith(label("recording_notice_said", locale)) and SAID[locale] in call.step.text
    log += call.choose("right_party") + call.choose("can_talk")
    assert SAID[locale] not in call.step.text and _notices(log) == ["reach_party"]


def test_without_recording_nothing_is_added(make_call):
    call = make_call("en")
    log = call.start({"account": 1}) + call.choose("dial")
    assert "recorded" not in call.step.text and _notices(log) == []


HOSTILE = {
    "deleted": '"{{ greeting }}, this is {{ collector }}. May I speak with {{ contact_name }}, please?"\n',
    "companies only": '"{{ greeting }}, this is {{ collector }}.{% if recording_notice and debtor_kind == "company" %} This call is recorded.{% endif %} May I speak with {{ contact_name }}?"\n',
    "mornings only": '"{{ greeting }}.{% if recording_notice and greeting == "Good morning" %} This call is recorded.{% endif %} May I speak with {{ contact_name }}?"\n',
    "one word": '"{{ greeting }}.{% if recording_notice %} OK.{% endif %} May I speak with {{ contact_name }}?"\n',
    "the opposite": '"{{ greeting }}.{% if recording_notice %} This call is not recorded.{% endif %} May I speak with {{ contact_name }}?"\n',
}


@pytest.mark.parametrize("greeting", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_greeting_that_leaves_the_notice_out_still_opens_with_it(tmp_path, catalog, sample_account, greeting):
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts)
    (scripts / "standard" / "en" / "reach_party.j2").write_text(greeting, encoding="utf-8")
    for kind in ("company", "consumer"):
        for hour in (1, 6, 11):  # morning, afternoon, evening in Shanghai
            now = NOW.replace(hour=hour)
            context = build_context(replace(sample_account, debtor_kind=kind), locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=now, recording_notice=True)
            call = Call(load_flow(scripts / "standard"), catalog, context, sample_account.money, clock=lambda now=now: now)
            call.start({"account": 1})
            call.choose("dial")
            assert call.step.text.startswith(label("recording_notice_said", "en")), (kind, hour)


def test_a_second_choice_from_the_first_step_gets_the_notice_where_it_leads(tmp_path, catalog, sample_account):
    scripts = tmp_path / "scripts"
    shutil.copytree(SCRIPTS, scripts)
    flow = scripts / "standard" / "flow.yaml"
    straight_in = '  - trigger: straight_in\n    key: k\n    label: {en: "Picked up: straight in", zh: "接通：直接开始"}\n    source: prepare\n    dest: good_time\n'
    flow.write_text(flow.read_text(encoding="utf-8").replace("transitions:\n", "transitions:\n" + straight_in, 1), encoding="utf-8")
    context = build_context(sample_account, locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW, recording_notice=True)
    call = Call(load_flow(scripts / "standard"), catalog, context, sample_account.money, clock=lambda: NOW)
    log = call.start({"account": 1}) + call.choose("straight_in")
    assert call.state == "good_time" and SAID["en"] in call.step.text and _notices(log) == ["good_time"]


def test_an_answer_after_the_collector_moved_on_shows_the_step_again_with_the_notice(make_call):
    """The collector took the voicemail while it rang, and it says the notice; or pressed
    "No answer", and then somebody picked up after all."""
    call = _recorded(make_call("en"))
    log = call.start({"account": 1}) + call.record_line(Dialling("c1", AT, "+862155500000")) + call.record_line(Ringing("c1", AT))
    log += call.choose("reached_voicemail")
    assert SAID["en"] in call.step.text  # a message left on a recorded line says so too
    late = _recorded(make_call("en"))
    log = late.start({"account": 1}) + late.record_line(Dialling("c2", AT, "+862155500000"))
    log += late.choose("no_answer")
    assert _notices(log) == []
    answered = late.record_line(Answered("c2", AT + timedelta(seconds=40)))
    assert [e.kind for e in answered] == ["phone_answered", "step_entered"] and _notices(answered) == ["wrap_up"]
    assert late.step.text.startswith(label("recording_notice_said", "en"))


def test_nobody_answered_no_notice_and_an_undone_greeting_owes_it_again(make_call):
    call = _recorded(make_call("en"))
    log = call.start({"account": 1}) + call.record_line(Dialling("c1", AT, "+862155500000")) + call.record_line(NoAnswer("c1", AT + timedelta(seconds=30), after=timedelta(seconds=30)))
    log += call.choose("no_answer")
    assert _notices(log) == [] and "recorded" not in call.step.text
    other = _recorded(make_call("en"))
    log = other.start({"account": 1}) + other.choose("dial")
    log += other.undo()
    log += other.choose("dial")
    assert _notices(log) == ["reach_party", "reach_party"]  # the undone greeting was taken back, and its notice with it


def test_a_resumed_call_knows_the_notice_was_shown(make_call):
    call = _recorded(make_call("zh"))
    log = call.start({"account": 1}) + call.choose("dial")
    resumed = _recorded(make_call("zh"))
    resumed.resume(log)
    assert resumed.notice_given
    later = resumed.choose("right_party")
    assert _notices(later) == []


def test_preview_shows_the_notice_on_a_recorded_desk(standard_flow, catalog, sample_account):
    steps = preview(standard_flow, catalog, sample_account, locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW, recording_notice=True)
    assert [step.state for step in steps if SAID["en"] in step.text] == ["reach_party"]
    quiet = preview(standard_flow, catalog, sample_account, locale="en", collector="Wang Fang", creditor="Northbridge Supply", now=NOW)
    assert not any("recorded" in step.text for step in quiet)
