"""The ledger's invariants, checked over the whole ledger in the database (`db check`).

What must always hold, whatever was imported, typed or judged:

1. An account's stored balance is its invoices less its payments.
2. No balance is below zero: money received beyond what is owed is not a balance.
3. An account is closed exactly when nothing is owed.
4. A closed account has no open promise.
5. An account has at most one open promise.
6. A promise has instalments, they add up to its total, and none is paid beyond its amount.
7. Every payment's money is either matched to instalments or left unmatched: for each
   account, payments = what instalments took + what payments left over.
8. Every invoice, payment, promise and instalment is for more than zero.

(An open promise may come to exceed what is owed, when money arrives that it did not
take: the rest of it is still what was promised, and it is settled when the account is.)

Amounts are compared exactly: NUMERIC on PostgreSQL; on SQLite (which keeps them as
text) in ten-thousandths, as integers, exact for any amount below 900 billion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from callassist.core.i18n import Phrase

INVARIANTS = {
    "balance": "the stored balance is the invoices less the payments",
    "below_zero": "no balance below zero",
    "closed": "closed exactly when nothing is owed",
    "closed_with_promise": "a closed account has no open promise",
    "open_promises": "at most one open promise",
    "instalments": "instalments add up to the promise and none is paid beyond its amount",
    "payments_matched": "payments = what instalments took + what was left unmatched",
    "positive": "every invoice, payment, promise and instalment is for more than zero",
}
# Each kind of row with an amount, and how it names itself in a violation.
_AMOUNTS = {
    "invoice": ("SELECT a.external_id, i.number, {amount} FROM invoice i JOIN account a ON a.id = i.account_id WHERE {amount} <= 0", "i.amount", "ledger_not_positive_invoice"),
    "payment": ("SELECT a.external_id, p.external_id, {amount} FROM payment p JOIN account a ON a.id = p.account_id WHERE {amount} <= 0", "p.amount", "ledger_not_positive_payment"),
    "promise": ("SELECT a.external_id, r.id, {amount} FROM promise r JOIN account a ON a.id = r.account_id WHERE {amount} <= 0", "r.total", "ledger_not_positive_promise"),
    "instalment": ("SELECT a.external_id, s.promise_id, {amount} FROM instalment s JOIN promise r ON r.id = s.promise_id JOIN account a ON a.id = r.account_id WHERE {amount} <= 0", "s.amount", "ledger_not_positive_instalment"),
}


@dataclass(frozen=True)
class Violation:
    invariant: str
    account: str  # the ledger's id of the account
    detail: Phrase

    def said(self, locale: str) -> str:
        """The account, the invariant's name (as `db check` names it in every language), what is wrong."""
        return f"{self.account}: {self.invariant}: {self.detail.said(locale)}"

    def __str__(self) -> str:
        return self.said("en")


def _units(column: str, sqlite: bool) -> str:
    """An amount column as a number summed exactly."""
    return f"CAST(ROUND(CAST({column} AS REAL) * 10000) AS INTEGER)" if sqlite else column


def _money(value: int | Decimal | None, sqlite: bool) -> Decimal:
    amount = (Decimal(int(value or 0)) / 10000 if sqlite else Decimal(value or 0)).normalize()
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount  # 100, not 1E+2


def check_ledger(*, session: Session, limit: int | None = None) -> list[Violation]:
    """Every violation of the ledger's invariants (at most `limit`), by account."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    u: Callable[[str], str] = lambda column: _units(column, sqlite)  # noqa: E731
    totals = f"""
        SELECT a.external_id, a.closed, {u("a.balance")} AS stored,
               COALESCE((SELECT SUM({u("i.amount")}) FROM invoice i WHERE i.account_id = a.id), 0) AS invoiced,
               COALESCE((SELECT SUM({u("p.amount")}) FROM payment p WHERE p.account_id = a.id), 0) AS paid,
               COALESCE((SELECT SUM({u("p.unmatched")}) FROM payment p WHERE p.account_id = a.id), 0) AS unmatched,
               COALESCE((SELECT SUM({u("s.paid")}) FROM instalment s JOIN promise r ON r.id = s.promise_id WHERE r.account_id = a.id), 0) AS taken,
               (SELECT COUNT(*) FROM promise r WHERE r.account_id = a.id AND r.status = 'open') AS open_promises
        FROM account a ORDER BY a.external_id"""
    found: list[Violation] = []
    money: Callable[[int | Decimal | None], Decimal] = lambda value: _money(value, sqlite)  # noqa: E731
    for row in connection.exec_driver_sql(totals):
        owed = row.invoiced - row.paid
        add: Callable[[str, Phrase], None] = lambda name, detail: found.append(Violation(name, row.external_id, detail))  # noqa: E731, B023 (used within its row)
        if row.stored != owed:
            add("balance", Phrase("ledger_balance", {"stored": money(row.stored), "invoiced": money(row.invoiced), "paid": money(row.paid), "owed": money(owed)}))
        if owed < 0:
            add("below_zero", Phrase("ledger_below_zero", {"amount": money(-owed)}))
        if bool(row.closed) != (owed <= 0):
            add("closed", Phrase("ledger_closed_owing", {"owed": money(owed)}) if row.closed else Phrase("ledger_open_owing_nothing"))
        if row.closed and row.open_promises:
            add("closed_with_promise", Phrase("ledger_closed_with_promise", {"count": row.open_promises}))
        if row.open_promises > 1:
            add("open_promises", Phrase("ledger_open_promises", {"count": row.open_promises}))
        if row.paid != row.taken + row.unmatched:
            add("payments_matched", Phrase("ledger_payments_matched", {"paid": money(row.paid), "taken": money(row.taken), "unmatched": money(row.unmatched)}))
        if limit is not None and len(found) >= limit:
            return found[:limit]
    instalments = f"""
        SELECT a.external_id, r.id, {u("r.total")} AS total, SUM({u("s.amount")}) AS planned, COUNT(s.id) AS rows,
               SUM(CASE WHEN {u("s.paid")} > {u("s.amount")} THEN 1 ELSE 0 END) AS overpaid
        FROM promise r JOIN account a ON a.id = r.account_id LEFT JOIN instalment s ON s.promise_id = r.id
        GROUP BY a.external_id, r.id, r.total ORDER BY a.external_id, r.id"""
    for row in connection.exec_driver_sql(instalments):
        if not row.rows:
            found.append(Violation("instalments", row.external_id, Phrase("ledger_no_instalments", {"promise": row.id, "total": money(row.total)})))
        elif row.total != row.planned:
            found.append(Violation("instalments", row.external_id, Phrase("ledger_instalments_sum", {"promise": row.id, "planned": money(row.planned), "total": money(row.total)})))
        if row.overpaid:
            found.append(Violation("instalments", row.external_id, Phrase("ledger_instalments_overpaid", {"promise": row.id, "count": row.overpaid})))
        if limit is not None and len(found) >= limit:
            break
    for statement, column, message in _AMOUNTS.values():
        for account, which, amount in connection.exec_driver_sql(statement.format(amount=u(column))):
            found.append(Violation("positive", account, Phrase(message, {"which": which, "amount": money(amount)})))
    return sorted(found, key=lambda violation: (violation.account, list(INVARIANTS).index(violation.invariant)))[:limit]
