"""The append-only event log: canonical JSON and a per-call hash chain.

Each event's hash covers its call, sequence number, kind, time, payload and the hash
before it, so changing or deleting any stored event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from callassist.core.call import DAMAGED, ENDING_KINDS, Event
from callassist.core.calls import ChainBreak
from callassist.store.types import DAMAGED_TIME

if TYPE_CHECKING:
    from sqlalchemy import Row

    from callassist.store.models import CallEvent

    # A stored event: the ORM's row, or a row of a Core query of the callevent table.
    EventRow: TypeAlias = CallEvent | Row[Any]

GENESIS = "0" * 64
# When an event kept on the program's computer while the database was out of reach
# happened (a team's database stamps it with the time it arrived): not part of what the
# event is, so the same event sent twice is recognised whether or not it carries it.
OFFLINE_AT = "kept_offline_at"


def canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def kept_offline(payload: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The payload of an event sent from the outbox, saying when it happened."""
    return payload | {OFFLINE_AT: at.isoformat()}


def same_event(stored_payload: str, payload: dict[str, Any]) -> bool:
    """Whether a stored payload (canonical JSON) is this event's, kept offline or not."""
    stored = json.loads(stored_payload)
    stored.pop(OFFLINE_AT, None)
    return stored == {key: value for key, value in payload.items() if key != OFFLINE_AT}


def event_hash(call_id: str, seq: int, kind: str, at_iso: str, payload_json: str, prev_hash: str) -> str:
    """SHA-256 of the parts, each followed by a unit separator (0x1f)."""
    return hashlib.sha256(f"{call_id}\x1f{seq}\x1f{kind}\x1f{at_iso}\x1f{payload_json}\x1f{prev_hash}\x1f".encode()).hexdigest()


def event_entry(call_id: str, seq: int, at_iso: str, chain_hash: str) -> bytes:
    """An event as the team-wide log's Merkle leaf holds it (store/auditlog.py): where it
    is, when, and its chain hash, which covers the rest."""
    return "\x1f".join(("event", call_id, str(seq), at_iso, chain_hash)).encode("utf-8")


class ChainCheck:
    """A call's chain, checked an event at a time (in seq order): the first break, if any."""

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id
        self.broken: ChainBreak | None = None
        self.card: dict[str, Any] | None = None  # the first event's payload: what the call's row must agree with
        self.end: tuple[int, str, dict[str, Any]] | None = None  # the call_ended event: seq, time, payload
        self.first_at: str | None = None
        self._prev = GENESIS
        self._next = 1
        self._last_kind: str | None = None

    def add(self, seq: int, kind: str, at_iso: str | None, payload: str, prev_hash: str, stored_hash: str) -> None:
        """The next stored event; `at_iso` None when its stored time does not parse."""
        if self.broken is not None:
            return
        if seq != self._next:
            self.broken = ChainBreak(self._next, f"event {self._next} is missing")
        elif at_iso is None:
            self.broken = ChainBreak(seq, "its time is not a time")
        elif prev_hash != self._prev:
            self.broken = ChainBreak(seq, "does not follow the event before it")
        elif event_hash(self.call_id, seq, kind, at_iso, payload, prev_hash) != stored_hash:
            self.broken = ChainBreak(seq, "its content was changed")
        elif (found := _json_object(payload)) is None:
            self.broken = ChainBreak(seq, "its payload is not a JSON object")
        else:
            if seq == 1:
                self.card, self.first_at = found, at_iso
            elif kind == "call_ended":
                self.end = (seq, at_iso, found)
            self._prev = stored_hash
            self._next += 1
            self._last_kind = kind

    @property
    def last_seq(self) -> int:
        return self._next - 1

    def finish(self, ended: bool) -> ChainBreak | None:
        """With `ended` (the call row says the call ended) the chain must also end with the
        call's end: events cut off the tail are missing too."""
        if self.broken is None and self._next == 1:
            self.broken = ChainBreak(1, "the call has no events")
        if self.broken is None and ended and self._last_kind not in ENDING_KINDS:
            self.broken = ChainBreak(self._next, f"the call ended, but the events after {self._next - 1} are missing")
        return self.broken


_DECODER = json.JSONDecoder()


def _json_object(payload: str) -> dict[str, Any] | None:
    try:
        found, end = _DECODER.raw_decode(payload)  # without json.loads' wrapper: audit verify reads a million
    except (ValueError, TypeError, RecursionError):
        return None
    # A JSON object's keys are strings (isinstance cannot say so).
    return cast(dict[str, Any], found) if end == len(payload) and isinstance(found, dict) else None


def verify_chain(call_id: str, rows: Iterable[EventRow], ended: bool = False) -> ChainBreak | None:
    """The first place the chain of a call's events (ordered by seq) is broken, or None."""
    check = ChainCheck(call_id)
    for row in rows:
        check.add(row.seq, row.kind, None if row.at == DAMAGED_TIME else row.at.isoformat(), row.payload, row.prev_hash, row.hash)
    return check.finish(ended)


def stored_event(row: EventRow) -> Event:
    """A stored event row as the core's Event; a row that does not parse becomes a DAMAGED
    event saying which event and why (never what it held)."""
    payload = _json_object(row.payload) if isinstance(row.payload, str) else None
    if payload is None or row.at == DAMAGED_TIME:
        why = "its time is not a time" if row.at == DAMAGED_TIME else "its payload is not a JSON object"
        return Event(DAMAGED, {"seq": row.seq, "kind": row.kind, "why": why}, row.at)
    return Event(row.kind, payload, row.at)


def damaged(events: Iterable[Event]) -> Event | None:
    """The first damaged event of a call's, if any."""
    return next((event for event in events if event.kind == DAMAGED), None)
