"""The append-only event log: canonical JSON and a per-call hash chain.

Each event's hash covers its call, sequence number, kind, time, payload and the hash
before it, so changing or deleting any stored event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable

GENESIS = "0" * 64
# When an event kept on the program's computer while the database was out of reach
# happened (a team's database stamps it with the time it arrived): not part of what the
# event is, so the same event sent twice is recognised whether or not it carries it.
OFFLINE_AT = "kept_offline_at"


def canonical(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def kept_offline(payload: dict, at) -> dict:
    """The payload of an event sent from the outbox, saying when it happened."""
    return payload | {OFFLINE_AT: at.isoformat()}


def same_event(stored_payload: str, payload: dict) -> bool:
    """Whether a stored payload (canonical JSON) is this event's, kept offline or not."""
    stored = json.loads(stored_payload)
    stored.pop(OFFLINE_AT, None)
    return stored == {key: value for key, value in payload.items() if key != OFFLINE_AT}


def event_hash(call_id: str, seq: int, kind: str, at_iso: str, payload_json: str, prev_hash: str) -> str:
    digest = hashlib.sha256()
    for part in (call_id, str(seq), kind, at_iso, payload_json, prev_hash):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


ENDING_KINDS = frozenset({"call_ended", "practice_scored"})


def verify_chain(call_id: str, rows: Iterable, ended: bool = False) -> ChainBreak | None:
    """The first place the chain of a call's events (ordered by seq) is broken, or None.

    With `ended` (the call row says the call ended) the chain must also end with the
    call's end: events cut off the tail are missing too."""
    prev = GENESIS
    expected_seq = 1
    last_kind = None
    for row in rows:
        if row.seq != expected_seq:
            return ChainBreak(expected_seq, f"event {expected_seq} is missing")
        if row.prev_hash != prev:
            return ChainBreak(row.seq, "does not follow the event before it")
        if event_hash(call_id, row.seq, row.kind, row.at.isoformat(), row.payload, row.prev_hash) != row.hash:
            return ChainBreak(row.seq, "its content was changed")
        prev = row.hash
        expected_seq += 1
        last_kind = row.kind
    if expected_seq == 1:
        return ChainBreak(1, "the call has no events")
    if ended and last_kind not in ENDING_KINDS:
        return ChainBreak(expected_seq, f"the call ended, but the events after {expected_seq - 1} are missing")
    return None
