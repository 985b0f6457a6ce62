"""The only guard names a flow file may use, and the facts a choice may establish.

Transitions would otherwise resolve any dotted name in a flow file as an import; a
trainer's file must never be able to run code, so guards are looked up here only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from callassist.core.call import Call

# Facts a transition may establish with `sets:`; each is also a guard of the same name.
FACTS = frozenset({"right_party_verified", "good_time_confirmed", "purpose_stated", "amount_confirmed", "dispute_logged"})


def _fact(name: str) -> Callable[[Call], bool]:
    return lambda call: name in call.facts


CONDITIONS: dict[str, Callable[[Call], bool]] = {name: _fact(name) for name in FACTS}
CONDITIONS.update(
    {
        "promise_captured": lambda call: call.promise is not None,
        "objection_raised": lambda call: call.objection is not None,
        # What kind of call this is, read from the account when it starts: a reminder
        # before anything falls due, a check on a promise not yet due, a company's or a
        # household's phone (who may be told what).
        "nothing_overdue": lambda call: call.context.overdue is None and call.context.not_yet_due is not None,
        "promise_open": lambda call: call.context.last_promise is not None and call.context.last_promise.status == "open",
        "company_debtor": lambda call: call.context.debtor_kind == "company",
        "consumer_debtor": lambda call: call.context.debtor_kind == "consumer",
    }
)


def condition(name: str) -> Callable[[Call], bool]:
    """The guard of that name; KeyError for a name outside the allow-list."""
    return CONDITIONS[name]
