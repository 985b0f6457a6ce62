"""Practice: personas follow the call, and the score reads the call's events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from callassist.core.personas import load_personas
from callassist.core.practice import Rehearsal
from callassist.core.promises import Instalment, Promise
from tests.conftest import OBJECTIONS

TO_ASK = ["dial", "right_party", "can_talk", "purpose_stated", "amount_agreed"]


def _personas(standard_flow, catalog):
    personas, problems = load_personas(OBJECTIONS / "personas", standard_flow.flow, catalog)
    assert problems == []
    return personas


def _run(call, rehearsal, moves):
    for move in moves:
        if move.startswith("excuse:"):
            events = call.raise_objection(move.split(":")[1])
        elif move == "promise":
            events = call.capture_promise(Promise("CNY", Decimal("48250.00"), (Instalment(date(2026, 11, 27), Decimal("48250.00")),), "bank_transfer", "wechat"))
        else:
            events = call.choose(move)
        rehearsal.observe(events)


def test_every_excuse_has_a_persona_and_two_chain_several(standard_flow, catalog):
    personas = _personas(standard_flow, catalog)
    assert {e.excuse for p in personas.values() for e in p.excuses} == {"dodge", "old_friend", "dispute", "stall", "deflect", "wear_down"}
    assert sum(len(p.excuses) > 1 for p in personas.values()) >= 2


def test_a_good_rehearsal_scores_full_marks(standard_flow, catalog, make_call):
    persona = _personas(standard_flow, catalog)["stall_busy_owner"]
    call = make_call("en")
    rehearsal = Rehearsal(persona, "en")
    rehearsal.observe(call.start({}))
    _run(call, rehearsal, TO_ASK)
    assert rehearsal.line(call) == persona.excuses[0].says.en  # the debtor stalls at ask_payment
    _run(call, rehearsal, ["excuse:stall"])
    assert rehearsal.line(call) == persona.excuses[0].replies[0].en
    _run(call, rehearsal, ["excuse:stall"])
    assert rehearsal.line(call) == persona.excuses[0].replies[1].en  # softens
    _run(call, rehearsal, ["softens", "promise", "promise_confirmed"])
    assert rehearsal.line(call) == persona.says["wrap_up"].en
    rehearsal.observe(call.end("promise"))
    scored = rehearsal.scored(call)
    assert scored.kind == "practice_scored" and scored.payload["score"] == 100, scored.payload
    assert [r["item"] for r in scored.payload["results"]] == ["steps", "excuse:stall", "promise"]


def test_the_wrong_ladder_and_no_promise_are_marked(standard_flow, catalog, make_call):
    persona = _personas(standard_flow, catalog)["mixed_stall_then_dispute"]
    call = make_call("zh")
    rehearsal = Rehearsal(persona, "zh")
    rehearsal.observe(call.start({}))
    _run(call, rehearsal, TO_ASK + ["excuse:old_friend"])
    assert rehearsal.line(call).startswith("（又说了一遍）") and persona.excuses[0].says.zh in rehearsal.line(call)
    _run(call, rehearsal, ["refuses", "handed_over"])
    rehearsal.observe(call.end("escalated", note="practice"))
    results = {r["item"]: r for r in rehearsal.scored(call).payload["results"]}
    assert not results["excuse:stall"]["passed"] and not results["ladders"]["passed"]
    assert "对“拖”用了“拉”（1 次）" in results["ladders"]["detail"], results["ladders"]
    assert not results["excuse:dispute"]["passed"] and not results["promise"]["passed"]
    assert not results["steps"]["passed"] and "书面还款承诺" in results["steps"]["detail"]


def test_the_wrong_ladder_never_wears_the_debtor_down(standard_flow, catalog, make_call):
    """The attack of issue 23: answer a deflecting debtor with the wear-down ladder until
    the persona softens. It must not: the debtor repeats the excuse, the score says so."""
    persona = _personas(standard_flow, catalog)["mixed_deflect_then_wear_down"]
    call = make_call("en")
    rehearsal = Rehearsal(persona, "en")
    rehearsal.observe(call.start({}))
    _run(call, rehearsal, TO_ASK)
    deflecting = persona.excuses[0].says.en
    for _ in range(3):
        _run(call, rehearsal, ["excuse:wear_down"])
        assert rehearsal.line(call) == f"(says it again) {deflecting}"
    _run(call, rehearsal, ["refuses", "handed_over"])
    rehearsal.observe(call.end("escalated", note="practice"))
    scored = rehearsal.scored(call).payload
    results = {r["item"]: r for r in scored["results"]}
    assert not results["excuse:deflect"]["passed"] and not results["excuse:wear_down"]["passed"]
    assert "Wear down against Deflect (3x)" in results["ladders"]["detail"], results["ladders"]


def test_a_wrong_ladder_first_costs_the_score_even_when_the_right_one_follows(standard_flow, catalog, make_call):
    persona = _personas(standard_flow, catalog)["stall_busy_owner"]
    call = make_call("en")
    rehearsal = Rehearsal(persona, "en")
    rehearsal.observe(call.start({}))
    _run(call, rehearsal, TO_ASK + ["excuse:dodge", "excuse:stall", "excuse:stall", "softens", "promise", "promise_confirmed"])
    rehearsal.observe(call.end("promise"))
    scored = rehearsal.scored(call).payload
    results = {r["item"]: r for r in scored["results"]}
    assert results["excuse:stall"]["passed"] and results["promise"]["passed"]
    assert not results["ladders"]["passed"] and "Dodge against Stall (1x)" in results["ladders"]["detail"]
    assert scored["score"] < 100


def test_a_rung_taken_back_is_no_rung_answered(standard_flow, catalog, make_call):
    persona = _personas(standard_flow, catalog)["stall_busy_owner"]
    call = make_call("en")
    rehearsal = Rehearsal(persona, "en")
    rehearsal.observe(call.start({}))
    _run(call, rehearsal, TO_ASK + ["excuse:stall", "excuse:stall"])
    assert rehearsal.line(call) == persona.excuses[0].replies[1].en
    rehearsal.observe(call.undo())  # the second rung taken back: the debtor has heard one
    assert rehearsal.line(call) == persona.excuses[0].replies[0].en
    _run(call, rehearsal, ["excuse:dodge"])
    rehearsal.observe(call.undo())  # a wrong ladder taken back at once is no mistake
    _run(call, rehearsal, ["excuse:stall", "softens", "promise", "promise_confirmed"])
    rehearsal.observe(call.end("promise"))
    assert rehearsal.scored(call).payload["score"] == 100


def test_broken_personas_are_reported_at_their_lines(tmp_path, standard_flow, catalog):
    import shutil

    directory = tmp_path / "personas"
    shutil.copytree(OBJECTIONS / "personas", directory)
    stall = directory / "stall_busy_owner.yaml"
    text = stall.read_text(encoding="utf-8")
    text = text.replace("  good_time:", "  good_tme:").replace("    at: ask_payment", "    at: reach_party")
    stall.write_text(text, encoding="utf-8")
    wear = directory / "wear_down_always_tomorrow.yaml"
    text = wear.read_text(encoding="utf-8").replace("id: wear_down_always_tomorrow", "id: always_tomorrow")
    # Two replies more than the ladder has rungs: the debtor could never soften.
    text = text.replace("    replies:\n", '    replies:\n      - {en: "One more.", zh: "再说一句。"}\n      - {en: "And another.", zh: "还有一句。"}\n', 1)
    wear.write_text(text, encoding="utf-8")
    personas, problems = load_personas(directory, standard_flow.flow, catalog)

    def line(path, needle):
        return next(i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in row)

    found = {(p.code, p.path.rsplit("/", 1)[-1], p.line) for p in problems}
    assert found == {
        ("E061", "stall_busy_owner.yaml", line(stall, "good_tme:")),
        ("E062", "stall_busy_owner.yaml", line(stall, "at: reach_party")),
        ("E064", "wear_down_always_tomorrow.yaml", line(wear, "id: always_tomorrow")),
        ("E066", "wear_down_always_tomorrow.yaml", line(wear, "replies:")),
    }
    assert "stall_busy_owner" not in personas and "dodge_never_in" in personas
    for path in directory.glob("*.yaml"):
        path.unlink()
    assert [p.code for p in load_personas(directory, standard_flow.flow, catalog)[1]] == ["E060"]
