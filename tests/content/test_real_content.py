"""The shipped scripts/ and objections/ are complete in both locales and render cleanly."""

from __future__ import annotations

from callassist.core.flow import PURPOSE, VERIFIED, purpose_states, states_before
from callassist.core.forbidden import load_forbidden
from callassist.core.i18n import LOCALES
from callassist.core.objections import PRINCIPLES, excuse_of
from callassist.core.preflight import preflight
from tests.conftest import OBJECTIONS, SCRIPTS


def test_every_state_has_a_template_in_every_locale(standard_flow):
    for locale in LOCALES:
        for state_id, state in standard_flow.flow.states.items():
            assert (SCRIPTS / "standard" / locale / state.template_name(state_id)).is_file(), (locale, state_id)


def test_every_step_and_rung_renders_in_both_locales(standard_flow, catalog):
    assert preflight(standard_flow, catalog) == []


def test_every_ladder_climbs_the_four_principles_in_order_and_ends_each_rung_with_its_own_question(catalog, make_call):
    """Issue 22: reason, relationship, interest, law, each rung asking for something
    concrete, and no two rungs of the catalog asking the same question."""
    assert len(catalog.cases) >= 4 and {excuse_of(ladder)[1] for ladder in catalog.ladders() if ladder.startswith("deflect.")} >= {"accountant_away", "invoice_not_received", "signer_away", "waiting_on_customer"}
    for locale in LOCALES:
        call = make_call(locale)
        asked: dict[str, str] = {}
        for ladder in catalog.ladders():
            assert [catalog.rung(ladder, rung, locale).principle for rung in range(1, catalog.rungs(ladder, locale) + 1)] == list(PRINCIPLES), (ladder, locale)
            for rung in range(1, len(PRINCIPLES) + 1):
                view = catalog.rebuttal(ladder, rung, call.context)
                assert view.counters and view.text.strip()
                assert view.commitment.rstrip('”"').endswith(("?", "？")), (ladder, locale, rung)
                assert view.commitment not in asked, (ladder, rung, "asks what", asked.get(view.commitment), "asks")
                asked[view.commitment] = f"{ladder} {rung}"


def test_nothing_the_collector_reads_uses_forbidden_language(standard_flow, catalog):
    """Every step's template, every rung, every situation's words and every label, as
    written (what the templates print is checked by preflight, above)."""
    forbidden, problems = load_forbidden(SCRIPTS / "forbidden.yaml")
    assert forbidden is not None and not problems
    for locale in LOCALES:
        texts = {path.name: path.read_text(encoding="utf-8") for path in (SCRIPTS / "standard" / locale).glob("*.j2")}
        for ladder in catalog.ladders():
            texts[ladder] = "\n".join(f"{catalog.rung(ladder, rung, locale).text}\n{catalog.rung(ladder, rung, locale).commitment}" for rung in range(1, 5))
        for situation in catalog.situations.values():
            texts[f"situation {situation.id}"] = situation.say.get(locale)
        texts["flow labels"] = "\n".join([spec.label.get(locale) for spec in standard_flow.flow.states.values()] + [t.label.get(locale) for t in standard_flow.flow.transitions])
        for where, text in texts.items():
            assert forbidden.find(text, locale) == [], (locale, where, forbidden.find(text, locale))


def test_states_before_verification_never_name_the_amount(standard_flow, make_call):
    """Rendered for a real account, the steps a third party may hear say nothing of the debt."""
    before = states_before(standard_flow.flow, VERIFIED)
    assert before >= {"reach_party", "gatekeeper", "callback", "wrap_up"} and "purpose" not in before
    for locale in LOCALES:
        call = make_call(locale)
        for state in before:
            text = call.render_at(state).payload["text"]
            assert "48,250" not in text and "INV-" not in text, (locale, state)


def test_the_debt_is_named_only_after_the_collector_said_who_calls_and_why(standard_flow):
    """Before purpose_stated, the only steps that name the debt are those where the collector
    says who calls and why: the purpose step, and the reminder and check calls, which say it
    their own way (every way out of them sets purpose_stated)."""
    flow = standard_flow.flow
    named = {state for state, spec in flow.states.items() if spec.discloses_debt}
    assert purpose_states(flow) == {"purpose", "reminder", "check_promise"}
    assert named & states_before(flow, PURPOSE) == {"purpose", "reminder", "check_promise"}


def test_chinese_content_has_no_ascii_punctuation_or_stray_spaces(standard_flow, catalog):
    """Issue 22: Chinese reads as Chinese: full-width punctuation, and no space between a
    Chinese word and a value ("核对 武汉楚天物流有限公司 的" read as three pieces)."""
    import re

    han = "\u3400-\u9fff"
    punct = re.compile(rf"(?<=[{han}])[,:;?!]|[,:;?!](?=[{han}])")
    space = re.compile(rf"(?<=[{han}“”（），。：；？！]) +(?=\{{[{{%])|(?<=[}}%]\}}) +(?=[{han}“”（），。：；？！])")
    texts = {path.name: path.read_text(encoding="utf-8") for path in (SCRIPTS / "standard" / "zh").glob("*.j2")}
    for ladder in catalog.ladders():
        texts[ladder] = "\n".join(f"{catalog.rung(ladder, rung, 'zh').text}\n{catalog.rung(ladder, rung, 'zh').commitment}" for rung in range(1, len(PRINCIPLES) + 1))
    for ladder, case in catalog.cases.items():
        texts[f"{ladder} name"] = f"{case.name.zh}\n{case.description.zh}"
    for situation in catalog.situations.values():
        texts[f"situation {situation.id}"] = f"{situation.say.zh}\n{situation.capture.zh}"
    for path in (OBJECTIONS / "personas").glob("*.yaml"):
        texts[path.name] = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if "zh:" in line)
    texts["flow labels"] = "\n".join([spec.label.zh for spec in standard_flow.flow.states.values()] + [t.label.zh for t in standard_flow.flow.transitions])
    for where, text in texts.items():
        words = re.sub(r"\{\{.*?\}\}", "X", re.sub(r"\{%.*?%\}", "", text))  # what is said, a value as one word
        assert not punct.search(words), (where, punct.search(words))
        assert not space.search(text), (where, space.search(text))
        assert not re.search(rf"[{han}，。：；？！] +[{han}“（]", words), (where, re.search(rf"[{han}，。：；？！] +[{han}“（]", words))
