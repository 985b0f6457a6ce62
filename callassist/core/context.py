"""CallContext: the only variables a script or rebuttal template may use.

Values are already formatted for the call's locale (money via babel, dates per locale),
so templates never do arithmetic or formatting and say exactly what the collector reads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class InvoiceView:
    number: str
    issued: str
    due: str
    amount: str
    days_overdue: int


@dataclass(frozen=True)
class PastPromiseView:
    amount: str
    due: str
    status: str  # open, kept, partly_kept, broken: for templates to test
    status_label: str  # the same in the call's locale: for templates to say
    paid: str  # what payments covered of it (partly_kept: less than the amount)
    next_amount: str | None = None  # its next instalment not yet paid in full (None: none is left)
    next_due: str | None = None  # when that one falls due
    payments: int = 1  # instalments: a plan has more than one, and `amount` is its total
    last_due: str = ""  # when the last of them falls due (`due`: the first)


@dataclass(frozen=True)
class InstalmentView:
    due: str
    amount: str


@dataclass(frozen=True)
class PromiseView:
    total: str
    method: str
    channel: str
    instalments: tuple[InstalmentView, ...]
    first_due: str


@dataclass(frozen=True)
class RebuttalView:
    excuse: str
    case: str | None  # the excuse's case whose ladder this is (deflect: signer_away), or None
    excuse_name: str
    rung: int
    rungs: int
    principle: str
    counters: tuple[str, ...]
    text: str
    commitment: str


@dataclass(frozen=True)
class CallContext:
    locale: str
    collector: str
    creditor: str
    debtor: str
    debtor_kind: str  # company or consumer: who may be told what, how they are addressed
    contact_name: str
    contact_role: str
    salutation: str  # how the collector addresses the contact: 陈经理, 王总, Sarah
    phone: str
    balance: str
    overdue: str | None  # the part of the balance already past its due date (None: nothing is)
    not_yet_due: str | None  # the part owed but not yet due (None: nothing is)
    next_due: str | None  # when the next of those falls due
    next_due_amount: str | None  # what falls due that day (None: nothing is to come)
    currency: str
    days_past_due: int
    debt_class: str
    invoices: tuple[InvoiceView, ...]
    oldest_invoice: InvoiceView | None
    last_promise: PastPromiseView | None
    broken_promises: int
    today: str
    debtor_local_time: str
    greeting: str
    # Calls since anyone last spoke with someone on the account that reached nobody or a machine.
    missed_calls: int = 0
    # What has been done on the account (core/priority.py ACCOUNT_FACTS): a line may speak
    # of lawyers, stopped supply or a final letter only under a condition on its fact.
    legal_referred: bool = False
    supply_stopped: bool = False
    final_letter_sent: bool = False
    promise: PromiseView | None = None
    rebuttal: RebuttalView | None = None
    # Whom the call has spoken with so far: contact (verified), someone_else, or nobody.
    reached: str = "contact"
    # The call is recorded where every party must consent: the greeting says so.
    recording_notice: bool = False

    # The same context when nothing changes, so its template values are not worked out again.
    def with_promise(self, promise: PromiseView | None) -> CallContext:
        return self if promise == self.promise else replace(self, promise=promise)

    def with_rebuttal(self, rebuttal: RebuttalView | None) -> CallContext:
        return self if rebuttal == self.rebuttal else replace(self, rebuttal=rebuttal)

    def with_reached(self, reached: str) -> CallContext:
        return self if reached == self.reached else replace(self, reached=reached)

    @cached_property
    def template_vars(self) -> dict[str, Any]:
        """Plain values for Jinja; nested views become dicts (read-only in the sandbox).

        Worked out once per context: every step of a call renders with the same one."""
        return _plain(self)


def _plain(value: object) -> Any:
    """`dataclasses.asdict` for the views, without its deep copies: every value in them is
    text, a number, a flag or None, which Jinja's sandbox cannot change (a fifth of a
    content check went to copying them)."""
    if isinstance(value, tuple):
        items: tuple[object, ...] = value  # pyright: ignore[reportUnknownVariableType] (a tuple of views, or of text)
        return tuple(_plain(item) for item in items)
    if is_dataclass(value):
        return {spec.name: _plain(getattr(value, spec.name)) for spec in fields(value)}
    return value


# What reveals the debt: never in a step a third party may hear (before the right
# party is verified), and a step that uses any of them is marked discloses_debt.
# (`promise` and `rebuttal` are empty until the right party is verified, so they are not here.)
DEBT_DETAILS = frozenset(
    {"balance", "overdue", "not_yet_due", "next_due", "next_due_amount", "days_past_due", "debt_class", "invoices", "oldest_invoice", "last_promise", "broken_promises", "legal_referred", "supply_stopped", "final_letter_sent", "missed_calls"}
)


def template_variables() -> frozenset[str]:
    """Every name a template may use at top level."""
    return frozenset(f.name for f in fields(CallContext))
