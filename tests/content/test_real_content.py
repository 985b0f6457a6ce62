"""The shipped scripts/ and objections/ are complete in both locales and render cleanly."""

from __future__ import annotations

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
    """States reachable before right_party_verified do not disclose debt details."""
    flow = standard_flow.flow
    before = {flow.initial}
    frontier = [flow.initial]
    while frontier:
        state = frontier.pop()
        for t in flow.transitions:
            if state in t.sources and "right_party_verified" not in t.sets and "right_party_verified" not in t.conditions and t.dest not in before:
                before.add(t.dest)
                frontier.append(t.dest)
    for state in before:
        assert not flow.states[state].discloses_debt, state
    for locale in LOCALES:
        call = make_call(locale)
        for state in before - {"prepare", "wrap_up"}:
            text = call._enter(state).payload["text"]
            assert "48,250" not in text and "INV-" not in text, (locale, state)
