"""The shipped scripts/ and objections/ are complete in both locales and render cleanly."""

from __future__ import annotations

from callassist.core.flow import PURPOSE, VERIFIED, purpose_states, states_before
from callassist.core.i18n import LABELS, LOCALES
from callassist.core.objections import EXCUSE_IDS, MIN_RUNGS
from callassist.core.preflight import preflight
from tests.conftest import SCRIPTS


def test_every_label_exists_in_every_locale():
    keys = {locale: set(LABELS[locale]) for locale in LOCALES}
    assert keys["en"] == keys["zh"]


def test_every_state_has_a_template_in_every_locale(standard_flow):
    for locale in LOCALES:
        for state_id, state in standard_flow.flow.states.items():
            assert (SCRIPTS / "standard" / locale / state.template_name(state_id)).is_file(), (locale, state_id)


def test_every_step_and_rung_renders_in_both_locales(standard_flow, catalog):
    assert preflight(standard_flow, catalog) == []


def test_every_rung_is_tagged_and_asks_for_a_commitment(catalog, make_call):
    for locale in LOCALES:
        call = make_call(locale)
        for excuse in EXCUSE_IDS:
            assert catalog.rungs(excuse, locale) >= MIN_RUNGS
            for rung in range(1, catalog.rungs(excuse, locale) + 1):
                view = catalog.rebuttal(excuse, rung, call.context)
                assert view.principle and view.counters
                assert view.text and view.commitment.endswith(("?", "？")), (excuse, locale, rung)


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
    """Before purpose_stated, the only step that names the debt is the purpose step itself."""
    flow = standard_flow.flow
    named = {state for state, spec in flow.states.items() if spec.discloses_debt}
    assert purpose_states(flow) == {"purpose"}
    assert named & states_before(flow, PURPOSE) == {"purpose"}


def test_chinese_content_has_no_ascii_punctuation_or_stray_spaces(standard_flow, catalog):
    """Issue 22: Chinese reads as Chinese: full-width punctuation, and no space between a
    Chinese word and a value ("核对 武汉楚天物流有限公司 的" read as three pieces)."""
    import re

    han = "\u3400-\u9fff"
    punct = re.compile(rf"(?<=[{han}])[,:;?!]|[,:;?!](?=[{han}])")
    space = re.compile(rf"(?<=[{han}“”（），。：；？！]) +(?=\{{[{{%])|(?<=[}}%]\}}) +(?=[{han}“”（），。：；？！])")
    texts = {path.name: path.read_text(encoding="utf-8") for path in (SCRIPTS / "standard" / "zh").glob("*.j2")}
    for excuse in EXCUSE_IDS:
        texts[f"{excuse} ladder"] = "\n".join(f"{rung.text}\n{rung.commitment}" for rung in catalog.excuse(excuse).ladder.zh)
    for situation in catalog.situations.values():
        texts[f"situation {situation.id}"] = f"{situation.say.zh}\n{situation.capture.zh}"
    for where, text in texts.items():
        words = re.sub(r"\{\{.*?\}\}", "X", re.sub(r"\{%.*?%\}", "", text))  # what is said, a value as one word
        assert not punct.search(words), (where, punct.search(words))
        assert not space.search(text), (where, space.search(text))
