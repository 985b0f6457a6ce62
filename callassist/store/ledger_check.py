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

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

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
    "invoice": ("SELECT a.external_id, i.number, {amount} FROM invoice i JOIN account a ON a.id = i.account_id WHERE {amount} <= 0", "i.amount", "invoice {}"),
    "payment": ("SELECT a.external_id, p.external_id, {amount} FROM payment p JOIN account a ON a.id = p.account_id WHERE {amount} <= 0", "p.amount", "payment {}"),
    "promise": ("SELECT a.external_id, r.id, {amount} FROM promise r JOIN account a ON a.id = r.account_id WHERE {amount} <= 0", "r.total", "promise {}"),
    "instalment": ("SELECT a.external_id, s.promise_id, {amount} FROM instalment s JOIN promise r ON r.id = s.promise_id JOIN account a ON a.id = r.account_id WHERE {amount} <= 0", "s.amount", "an instalment of promise {}"),
}


@dataclass(frozen=True)
class Violation:
    invariant: str
    account: str  # the ledger's id of the account
    detail: str

    def __str__(self) -> str:
        return f"{self.account}: {self.invariant}: {self.detail}"


def _units(column: str, sqlite: bool) -> str:
    """An amount column as a number summed exactly."""
    return f"CAST(ROUND(CAST({column} AS REAL) * 10000) AS INTEGER)" if sqlite else column


def _money(value, sqlite: bool) -> Decimal:
    amount = (Decimal(int(value or 0)) / 10000 if sqlite else Decimal(value or 0)).normalize()
    return amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount  # 100, not 1E+2


def check_ledger(*, session: Session, limit: int | None = None) -> list[Violation]:
    """Every violation of the ledger's invariants (at most `limit`), by account."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    u = lambda column: _units(column, sqlite)  # noqa: E731
    totals = f"""
        SELECT a.external_id, a.closed, {u("a.balance")} AS stored,
               COALESCE((SELECT SUM({u("i.amount")}) FROM invoice i WHERE i.account_id = a.id), 0) AS invoiced,
               COALESCE((SELECT SUM({u("p.amount")}) FROM payment p WHERE p.account_id = a.id), 0) AS paid,
               COALESCE((SELECT SUM({u("p.unmatched")}) FROM payment p WHERE p.account_id = a.id), 0) AS unmatched,
               COALESCE((SELECT SUM({u("s.paid")}) FROM instalment s JOIN promise r ON r.id = s.promise_id WHERE r.account_id = a.id), 0) AS taken,
               (SELECT COUNT(*) FROM promise r WHERE r.account_id = a.id AND r.status = 'open') AS open_promises
        FROM account a ORDER BY a.external_id"""
    found: list[Violation] = []
    money = lambda value: _money(value, sqlite)  # noqa: E731
    for row in connection.exec_driver_sql(totals):
        owed = row.invoiced - row.paid
        add = lambda name, detail: found.append(Violation(name, row.external_id, detail))  # noqa: E731, B023 (used within its row)
        if row.stored != owed:
            add("balance", f"stored {money(row.stored)}, but invoices {money(row.invoiced)} less payments {money(row.paid)} is {money(owed)}")
        if owed < 0:
            add("below_zero", f"payments exceed the invoices by {money(-owed)}")
        if bool(row.closed) != (owed <= 0):
            add("closed", f"closed while {money(owed)} is owed" if row.closed else "open with nothing owed")
        if row.closed and row.open_promises:
            add("closed_with_promise", f"{row.open_promises} open promise(s) on a closed account")
        if row.open_promises > 1:
            add("open_promises", f"{row.open_promises} open promises")
        if row.paid != row.taken + row.unmatched:
            add("payments_matched", f"payments {money(row.paid)}, but instalments took {money(row.taken)} and {money(row.unmatched)} was left unmatched")
        if limit is not None and len(found) >= limit:
            return found[:limit]
    instalments = f"""
        SELECT a.external_id, r.id, {u("r.total")} AS total, SUM({u("s.amount")}) AS planned, COUNT(s.id) AS rows,
               SUM(CASE WHEN {u("s.paid")} > {u("s.amount")} THEN 1 ELSE 0 END) AS overpaid
        FROM promise r JOIN account a ON a.id = r.account_id LEFT JOIN instalment s ON s.promise_id = r.id
        GROUP BY a.external_id, r.id, r.total ORDER BY a.external_id, r.id"""
    for row in connection.exec_driver_sql(instalments):
        if not row.rows:
            found.append(Violation("instalments", row.external_id, f"promise {row.id} has no instalments: nothing says when its {money(row.total)} is due"))
        elif row.total != row.planned:
            found.append(Violation("instalments", row.external_id, f"promise {row.id}: instalments add up to {money(row.planned)}, its total is {money(row.total)}"))
        if row.overpaid:
            found.append(Violation("instalments", row.external_id, f"promise {row.id}: {row.overpaid} instalment(s) paid beyond their amount"))
        if limit is not None and len(found) >= limit:
            break
    for statement, column, named in _AMOUNTS.values():
        for account, which, amount in connection.exec_driver_sql(statement.format(amount=u(column))):
            found.append(Violation("positive", account, f"{named.format(which)} is for {money(amount)}"))
    return sorted(found, key=lambda violation: (violation.account, list(INVARIANTS).index(violation.invariant)))[:limit]
