"""What the benchmarks share (bench.py, bench_team.py): a figure beside its floor, notes
timed as a desk stores them, and a ledger file of any size."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callassist.store.sql import TEAM_POOL

LEDGER_ACCOUNTS = int(os.environ.get("CALLASSIST_BENCH_ACCOUNTS", 1_000_000))
LEDGER_COLLECTORS = 100
# Invoices per account, one to this many (40, 25, 20 and 15 in a hundred): 1 gives the
# dearest file per row, where every row brings a debtor, a contact and an account too.
LEDGER_MOST_INVOICES = int(os.environ.get("CALLASSIST_BENCH_MOST_INVOICES", 4))


@dataclass
class Figure:
    samples: list[float]
    floor: list[float]
    stages: dict = field(default_factory=dict)  # where the time went (keypress_to_prompt)

    def summary(self) -> dict:
        median = statistics.median(self.samples)
        floor = statistics.median(self.floor)
        return {"median_ms": round(median, 3), "p99_ms": round(p99(self.samples), 3), "floor_ms": round(floor, 3), "ratio": round(median / floor, 2) if floor else None} | ({"stages": self.stages} if self.stages else {})


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


def timed_notes(workspace, call_id: str, count: int) -> list[float]:
    """Milliseconds each of `count` notes took to be stored, one event a store."""
    from callassist.core.call import Event

    samples = []
    for n in range(count):
        event = Event("note_added", {"text": f"bench note {n}", "state": "prepare"}, datetime.now(UTC))
        started = time.perf_counter()
        workspace.calls.store(call_id, [event])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def write_ledger(path: Path, accounts: int, collectors: int, most_invoices: int = LEDGER_MOST_INVOICES, team: bool = False) -> int:
    """An accounts file of `accounts` accounts spread over `collectors` (with `team`, all
    in the team's shared queue), each with one to `most_invoices` invoices (one row
    each); returns the number of rows."""
    import csv
    import random

    rng = random.Random(1)
    zones = ("Asia/Shanghai", "Asia/Taipei", "America/New_York", "Europe/London")
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["debtor_id", "debtor_name", "timezone", "work_starts", "income_day", "contact_name", "phone", "account_id", "collector", "currency", "flags", "invoice_number", "invoice_date", "due_date", "amount"])
        for n in range(accounts):
            # Every collector has debtors in every zone, with several starts of day and a
            # third of them an income day: each collector's worklist merges many clocks.
            debtor = [
                f"D{n}",
                f"Debtor {n} 有限公司",
                rng.choices(zones, (6, 2, 1, 1))[0],
                rng.choice(("", "08:30", "09:00")),
                rng.choice(("", "", str(rng.randint(1, 31)))),
                "王建国",
                f"+86 21 {n:08d}",
                f"A{n}",
                TEAM_POOL if team else f"c{n % collectors}",
                "CNY",
                "owner_change" if rng.random() < 0.01 else "",
            ]
            late = rng.randint(-20, 420)
            for k in range(rng.choices(range(1, most_invoices + 1), (40, 25, 20, 15)[:most_invoices])[0]):
                due = datetime(2026, 11, 20) - timedelta(days=late - 30 * k)
                writer.writerow(debtor + [f"INV{n}-{k}", (due - timedelta(days=30)).date().isoformat(), due.date().isoformat(), f"{rng.randint(100, 300000)}.00"])
                rows += 1
    return rows
