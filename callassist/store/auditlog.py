"""The team-wide log and what `audit verify` checks against it.

Every stored event, and every purge, enters one append-only order (`logentry`) when the
log is next sequenced (a checkpoint does that first); the Merkle root of that order is
what a checkpoint signs (core/checkpoints.py). A log entry holds what its leaf is made of,
so the root is known from the log alone, after a lawful purge too; its copy of each
event's hash tells which call and event changed since, unless the log's record was
rewritten as well, when the root no longer matching says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard, cast

from sqlalchemy import text
from sqlmodel import Session

from callassist.core.calls import ChainBreak
from callassist.core.checkpoints import Checkpoint
from callassist.core.compliance import retention_floor
from callassist.core.errors import LogRefused
from callassist.core.i18n import Phrase
from callassist.core.merkle import Frontier, Tree, leaf_hash
from callassist.store import db
from callassist.store.events import ChainCheck, event_entry
from callassist.store.models import LogCheckpoint
from callassist.store.sql import DriverRow

if TYPE_CHECKING:
    from concurrent.futures import Future

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

LOG_ID = "log_id"
# How long before a checkpoint a call may have begun and still enter the log after it:
# a desk stamps an event, then waits for the database (busy_timeout 5 s) to store it.
IN_FLIGHT = timedelta(minutes=10)
Progress = Callable[[int], None]


def _none(_done: int) -> None:
    return None


def log_id(*, session: Session) -> str:
    """The log's own name; "" when the database has lost it (no checkpoint is of that log)."""
    found = session.connection().execute(text("SELECT value FROM storesetting WHERE name = :name"), {"name": LOG_ID}).scalar()
    return found if isinstance(found, str) else ""


def _postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def log_size(*, session: Session) -> int:
    return session.connection().execute(text("SELECT coalesce(max(position) + 1, 0) FROM logentry")).scalar_one()


def sequence(*, session: Session) -> int:
    """Append to the log every stored event, then every purge, not in it yet (events in
    the order they were stored); the log's size after. The caller commits. On PostgreSQL
    the database's own function does it (only a supervisor or the owner may)."""
    connection = session.connection()
    if _postgres(session):
        return connection.execute(text("SELECT callassist.sequence_log()")).scalar_one()
    size = "(SELECT coalesce(max(l.position) + 1, 0) FROM logentry l)"
    connection.execute(
        text(f"""INSERT INTO logentry (position, call_id, seq, at, hash)
        SELECT {size} + row_number() OVER (ORDER BY e.id) - 1, e.call_id, e.seq, e.at, e.hash FROM callevent e
        WHERE NOT EXISTS (SELECT 1 FROM logentry l WHERE l.call_id = e.call_id AND l.seq = e.seq)""")
    )
    connection.execute(
        text(f"""INSERT INTO logentry (position, purge_id)
        SELECT {size} + row_number() OVER (ORDER BY p.id) - 1, p.id FROM purgelog p
        WHERE NOT EXISTS (SELECT 1 FROM logentry l WHERE l.purge_id = p.id)""")
    )
    return log_size(session=session)


def iso_time(raw: object) -> str | None:
    """A stored time as the chain hashed it (aware, UTC, ISO 8601), or None when it is not
    a time; the driver gives SQLite's as text, PostgreSQL's as a datetime."""
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
        if parsed.tzinfo is None and len(raw) == 26 and raw[10] == " " and raw[19] == ".":  # SQLite's: UTC, to the microsecond
            return f"{raw[:10]}T{raw[11:19]}{'' if raw.endswith('000000') else raw[19:]}+00:00"
        raw = parsed
    if not isinstance(raw, datetime):
        return None
    return (raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)).isoformat()


def _rows(session: Session, sql: str, params: Mapping[str, object] | None = None) -> Iterator[DriverRow]:
    """A query's rows as plain tuples, streamed: a million events do not go through the ORM."""
    cursor = db.driver(session).cursor()
    try:
        if params and _postgres(session):
            cursor.execute(sql.replace("?", "%s"), tuple(params.values()))
        else:
            cursor.execute(sql, tuple((params or {}).values()))
        while batch := cursor.fetchmany(5000):
            yield from batch
    finally:
        cursor.close()


# How far a call's row may put its start or end from its events': on a team's database the
# row's time is taken a moment before the event's.
ROW_SLACK = timedelta(minutes=1)


def verify_chains(call_ids: Iterable[str], *, session: Session, progress: Progress = _none, orphans: bool = False) -> dict[str, ChainBreak | None]:
    """Each call's chain checked, for the calls named (the others are not read): where it
    first breaks, or None; and the call's row against its events (who, which account,
    practice or not, script, language, start, end and outcome). A row that is not what the
    program writes (a payload that is not JSON, a time that is not one) is a break like
    any other. With `orphans`, events whose call's row is gone are broken calls too."""
    wanted = set(call_ids)
    rows = {row[0]: row for row in _rows(session, "SELECT c.id, c.ended_at, c.account_id, o.name, c.script, c.locale, c.started_at, c.disposition, c.practice FROM call c LEFT JOIN collector o ON o.id = c.collector_id")}
    checks: dict[str, ChainCheck] = {}
    current: ChainCheck | None = None
    done = 0
    for call_id, seq, kind, at, payload, prev_hash, stored_hash in _rows(session, "SELECT call_id, seq, kind, at, payload, prev_hash, hash FROM callevent ORDER BY call_id, seq"):
        done += 1
        if done % 10000 == 0:
            progress(10000)
        if current is None or current.call_id != call_id:
            if call_id not in wanted and (not orphans or call_id in rows):
                current = None
                continue
            current = checks[call_id] = ChainCheck(call_id)
        current.add(seq, kind, iso_time(at), payload, prev_hash, stored_hash)
    progress(done % 10000)
    found: dict[str, ChainBreak | None] = {}
    for call_id in wanted | set(checks):
        check = checks.get(call_id) or ChainCheck(call_id)
        row = rows.get(call_id)
        if row is None:
            found[call_id] = ChainBreak(1, "its events are stored, but the call's row is gone")
            continue
        broken = check.finish(row[1] is not None)
        found[call_id] = broken or _row_disagrees(row, check)
    return found


def _row_disagrees(row: DriverRow, check: ChainCheck) -> ChainBreak | None:
    """Where a call's row says other than its events (it is what lists, figures and
    exports read), or None."""
    _, ended_at, account_id, collector, script, locale, started_at, disposition, practice = row
    card = check.card or {}
    said = {"account": (account_id, card.get("account_id")), "collector": (collector, card.get("collector")), "script": (script, card.get("script")), "language": (locale, card.get("locale")), "practice": (bool(practice), bool(card.get("practice")))}
    first, started = _moment(check.first_at), _moment(started_at)
    if first is None or started is None or abs(started - first) > ROW_SLACK:
        said["start"] = (iso_time(started_at), check.first_at)
    for name, (in_row, in_event) in said.items():
        if in_row != in_event:
            return ChainBreak(1, f"the call's row says {name} {in_row!r}, its first event {in_event!r}")
    if check.end is not None:
        seq, at_iso, ending = check.end
        if disposition != ending.get("disposition"):
            return ChainBreak(seq, f"the call's row says outcome {disposition!r}, its end {ending.get('disposition')!r}")
        ended, end_at = _moment(ended_at), _moment(at_iso)
        if ended is None or end_at is None or abs(ended - end_at) > ROW_SLACK:
            return ChainBreak(seq, f"the call's row says it ended {iso_time(ended_at) or ended_at!r}, its end is dated {at_iso}")
    elif (ended_at is not None or disposition is not None) and not bool(practice):
        return ChainBreak(check.last_seq, f"the call's row says it ended ({disposition or 'no outcome'}), but no event ends it")
    return None


def _moment(raw: object) -> datetime | None:
    at_iso = iso_time(raw) if raw is not None else None
    return datetime.fromisoformat(at_iso) if at_iso else None


def recorded_checkpoints(*, session: Session) -> list[Checkpoint]:
    """The checkpoints the database recorded, as signed, whose signatures hold; a row that
    is not one (forged, or not what the program writes) is left out: it proves nothing."""
    from callassist.core.checkpoints import signature_problem

    log = log_id(session=session)
    found: list[Checkpoint] = []
    for number, size, root, taken_at, by, key, sig in _rows(session, 'SELECT number, size, root, taken_at, "by", key, sig FROM logcheckpoint ORDER BY number'):
        moment = _moment(taken_at)
        if moment is None or not all(isinstance(value, str) for value in (root, by, key, sig)) or not all(isinstance(value, int) for value in (number, size)):
            continue
        checkpoint = Checkpoint(log=log, number=number, size=size, root=root, time=moment.isoformat(timespec="seconds"), by=by, key=key, sig=sig)
        if signature_problem(checkpoint) is None:
            found.append(checkpoint)
    return found


def record_checkpoint(checkpoint: Checkpoint, *, session: Session) -> None:
    """Keep in the database that this checkpoint was taken; the caller commits."""
    session.add(LogCheckpoint(number=checkpoint.number, size=checkpoint.size, root=checkpoint.root, taken_at=checkpoint.taken_at, by=checkpoint.by, key=checkpoint.key, sig=checkpoint.sig))


def next_checkpoint_number(*, session: Session) -> int:
    return session.connection().execute(text("SELECT coalesce(max(number), 0) + 1 FROM logcheckpoint")).scalar_one()


def _purge_entry(purge_id: int, purged_at: object, by: str, role: str, profile: str, before: date | str, calls: int, events: int, reviews: int) -> bytes:
    day = before if isinstance(before, str) else before.isoformat()
    return "\x1f".join(("purge", str(purge_id), iso_time(purged_at) or str(purged_at), by, role, profile, day, str(calls), str(events), str(reviews))).encode("utf-8")


_GONE_LEAF = leaf_hash(b"gone")
_LOG_ROWS = "SELECT position, call_id, seq, at, hash, purge_id FROM logentry ORDER BY position"
# The log's entries whose event is no longer as it entered (its time or hash), or is gone:
# the database compares, so the log is read once, alone, beside it.
_NOT_AS_ENTERED = """SELECT l.position, e.hash IS NULL FROM logentry l LEFT JOIN callevent e ON e.call_id = l.call_id AND e.seq = l.seq
                     WHERE l.call_id IS NOT NULL AND NOT coalesce(e.hash = l.hash AND e.at = l.at, false)"""
_PURGES = 'SELECT id, purged_at, "by", role, profile, "before", calls, events, reviews FROM purgelog'


@dataclass(frozen=True)
class Finding:
    """Something `audit verify` found against the log: TAG, the call (or None), what (said
    in the language the reader asks for)."""

    tag: str  # CHANGED, GONE, ADDED, LOG: the line's first word in every language, for grep
    call_id: str | None
    what: Phrase

    def line(self, locale: str = "en") -> str:
        return f"{self.tag:<8}{self.call_id + ': ' if self.call_id else ''}{self.what.said(locale)}"


@dataclass
class LogCheck:
    size: int = 0
    roots: dict[int, bytes] = field(default_factory=dict)  # the log's root at each size asked for
    findings: list[Finding] = field(default_factory=list)
    last_seq_before: dict[str, int] = field(default_factory=dict)  # each call's last event in the log before `since`
    late: list[tuple[str, int, str]] = field(default_factory=list)  # events that entered at or after `since` dated before `late_before`


@dataclass
class _Purge:
    id: int
    position: int | None
    purged_at: datetime
    before: date


def _lawful(purge: _Purge, floor_years: int, now: datetime) -> bool:
    """A purge as the program does them: done by now, of calls at least the floor old
    (the floor the verifier keeps to: a purge's own row could say any)."""
    return purge.purged_at <= now and purge.before <= retention_floor(floor_years, purge.purged_at.date())


def _purges(session: Session) -> dict[int, tuple[bytes, _Purge | None]]:
    """Every purge logged: the log entry it makes, and what judges the calls it removed
    (None for a row that is not what the program writes: it excuses nothing)."""
    found: dict[int, tuple[bytes, _Purge | None]] = {}
    for row in _rows(session, _PURGES):
        purged_at, before = _moment(row[1]), row[5]
        try:
            before = before if isinstance(before, date) else date.fromisoformat(before)
            if purged_at is None or not all(isinstance(value, str) for value in row[2:5]) or not all(isinstance(value, int) for value in row[6:]):
                raise ValueError(row)
            found[row[0]] = (_purge_entry(*row), _Purge(row[0], None, purged_at, before))
        except (ValueError, TypeError):
            found[row[0]] = (f"purge\x1f{row!r}".encode(), None)
    return found


class _Event(NamedTuple):
    """An event's entry in the log: its call, seq and time."""

    call_id: str
    seq: int
    at_iso: str


def _entries(session: Session, purges: dict[int, tuple[bytes, _Purge | None]]) -> Iterator[tuple[int, bytes, _Event | int | None]]:
    """The log in order: each entry's position and leaf, and what it is: an event, a
    purge (its id), or None for a row that is neither."""
    for row in _rows(session, _LOG_ROWS):
        position, call_id, seq, at, stored_hash, purge_id = row
        if purge_id is not None:
            leaf = leaf_hash(purges[purge_id][0]) if purge_id in purges else _GONE_LEAF
            yield position, leaf, purge_id
        elif isinstance(call_id, str) and isinstance(seq, int) and not isinstance(seq, bool) and isinstance(stored_hash, str):
            at_iso = iso_time(at) or str(at)
            yield position, leaf_hash(event_entry(call_id, seq, at_iso, stored_hash)), _Event(call_id, seq, at_iso)
        else:
            yield position, leaf_hash(f"bad\x1f{row!r}".encode()), None


def walk_log(*, session: Session, sizes: Iterable[int] = (), floor_years: int, now: datetime, progress: Progress = _none, where: Callable[[int], Phrase] | None = None, since: int = 0, late_before: datetime | None = None) -> LogCheck:
    """Read the log in order: its root at each of `sizes`, and each entry whose event has
    changed since it entered, or is gone without a lawful purge (one done by `now`, of
    calls at least `floor_years` old on the day it ran, entered after them). `where(position)`
    says which checkpoint an entry is in, for the findings; what entered before position
    `since` (the last checkpoint's size), and what entered after it dated before
    `late_before`, is noted for check_against."""
    wanted = set(sizes)
    check = LogCheck()
    frontier = Frontier()
    where = where or (lambda position: Phrase("audit_where_entered"))
    purges = _purges(session)
    not_as_entered = dict(_rows(session, _NOT_AS_ENTERED))  # position: whether its event is gone
    gone: dict[str, list[tuple[int, int, str]]] = {}
    for position, leaf, entry in _entries(session, purges):
        if position != frontier.size:
            check.findings.append(Finding("LOG", None, Phrase("audit_no_entry", {"position": frontier.size})))
            break
        if entry is None:
            check.findings.append(Finding("LOG", None, Phrase("audit_bad_entry", {"position": position, "where": where(position)})))
        elif not isinstance(entry, _Event):
            if entry in purges and (kept := purges[entry][1]) is not None:
                kept.position = position
            elif entry not in purges:
                check.findings.append(Finding("LOG", None, Phrase("audit_purge_gone", {"purge": entry, "where": where(position)})))
        else:
            call_id, seq, at_iso = entry
            if position in not_as_entered:
                if not_as_entered[position]:
                    gone.setdefault(call_id, []).append((position, seq, at_iso))
                else:
                    check.findings.append(Finding("CHANGED", call_id, Phrase("audit_event_changed", {"seq": seq, "where": where(position)})))
            if position < since:
                check.last_seq_before[call_id] = max(seq, check.last_seq_before.get(call_id, 0))
            elif late_before is not None and (moment := _moment(at_iso)) is not None and moment < late_before:
                check.late.append((call_id, seq, at_iso))
        frontier.append(leaf)
        if frontier.size in wanted:
            check.roots[frontier.size] = frontier.root()
        if frontier.size % 10000 == 0:
            progress(10000)
    progress(frontier.size % 10000)
    check.size = frontier.size
    if 0 in wanted:
        check.roots[0] = Frontier().root()
    for call_id, entries in gone.items():
        first_position, _, first_at = entries[0]
        started = _moment(first_at)
        covering = [p for _, p in purges.values() if p is not None and started is not None and started < datetime.combine(p.before, time(0), UTC) and (p.position is None or p.position > first_position)]
        if any(_lawful(p, floor_years, now) for p in covering):
            continue
        seqs = [seq for _, seq, _ in entries]
        why = Phrase("audit_gone_purged", {"purge": covering[0].id, "day": f"{covering[0].purged_at:%Y-%m-%d}", "before": covering[0].before, "years": floor_years}) if covering else Phrase("audit_gone_unpurged")
        check.findings.append(Finding("GONE", call_id, Phrase("audit_events_gone", {"where": where(first_position), "events": _events(seqs), "why": why})))
    return check


def _events(seqs: list[int]) -> Phrase:
    """Events of a call by number, counted: "2 events (4-5)"."""
    return Phrase("audit_events", {"count": len(seqs), "events": _ranges(seqs)})


def _ranges(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def added_after(cutoff: datetime, *, session: Session) -> list[tuple[str, int, str]]:
    """Events dated before `cutoff` that are not in the log yet: added to the database
    after a checkpoint that should hold them. Each as (call id, seq, its time)."""
    found: list[tuple[str, int, str]] = []
    for call_id, seq, at in _rows(session, "SELECT e.call_id, e.seq, e.at FROM callevent e WHERE NOT EXISTS (SELECT 1 FROM logentry l WHERE l.call_id = e.call_id AND l.seq = e.seq)"):
        moment = _moment(at)
        if moment is not None and moment < cutoff:
            found.append((call_id, seq, moment.isoformat()))
    return found


def leaves(*, session: Session, size: int) -> list[bytes]:
    """The first `size` leaves of the log, for a tree to prove inclusion in."""
    found: list[bytes] = []
    for _, leaf, _entry in _entries(session, _purges(session)):
        if len(found) == size:
            break
        found.append(leaf)
    return found


def proof(call_id: str, checkpoint: Checkpoint, *, session: Session) -> dict[str, object]:
    """What an auditor needs to check one call against a checkpoint without the database:
    the call's events as stored, and for each in the checkpoint the path from its leaf to
    the signed root. Raises LookupError when none of the call's events is in it."""
    positions = {seq: position for position, seq in _rows(session, "SELECT position, seq FROM logentry WHERE call_id = ? ORDER BY position", {"call": call_id}) if position < checkpoint.size}
    if not positions:
        raise LookupError(f"no event of call {call_id} is in checkpoint {checkpoint.number} (of {checkpoint.size} entries)")
    tree = Tree(leaves(session=session, size=checkpoint.size))
    if tree.root().hex() != checkpoint.root:
        raise LogRefused(f"the log's first {checkpoint.size} entries no longer have the root checkpoint {checkpoint.number} signed: no proof can hold (`callassist audit verify --checkpoints FILE` says what changed)")
    events: list[dict[str, object]] = []
    later = 0
    for seq, kind, at, payload, prev_hash, stored_hash in _rows(session, "SELECT seq, kind, at, payload, prev_hash, hash FROM callevent WHERE call_id = ? ORDER BY seq", {"call": call_id}):
        if seq not in positions:
            later += 1
            continue
        events.append({"seq": seq, "kind": kind, "at": iso_time(at) or str(at), "payload": payload, "prev_hash": prev_hash, "hash": stored_hash, "position": positions[seq], "path": [node.hex() for node in tree.inclusion_path(positions[seq])]})
    return {"format": "callassist-proof/1", "call_id": call_id, "checkpoint": json.loads(checkpoint.line()), "events": events, "events_after_checkpoint": later}


def file_checkpoints(path: Path, log: str, recorded: list[Checkpoint], trusted: set[str] | None) -> tuple[list[Checkpoint], list[Finding]]:
    """The checkpoints of this log in the file at `path` whose signatures hold (by a
    trusted key, when `trusted` is given), and what is wrong with the file: lines that are
    not checkpoints, or of another database's log, signatures that do not hold, no
    checkpoint of this log at all, checkpoints the database recorded (signed by a trusted
    key) that the file lacks (cut short, or an old copy)."""
    from callassist.core import checkpoints as signed

    found, problems = signed.read(path)
    findings = [Finding("LOG", None, Phrase("audit_file_line", {"path": path, "line": problem.line, "reason": problem.reason})) for problem in problems]
    usable: list[Checkpoint] = []
    for line, checkpoint in found:
        reason = signed.signature_problem(checkpoint)
        problem = Phrase("audit_reason", {"reason": reason}) if reason else None
        if problem is None and trusted is not None and checkpoint.key not in trusted:
            problem = Phrase("audit_untrusted_key", {"fingerprint": signed.fingerprint(checkpoint.key)})
        if problem is None and checkpoint.log != log:
            problem = Phrase("audit_other_log", {"other": checkpoint.log, "this": log or Phrase("audit_log_id_gone")})
        if problem:
            findings.append(Finding("LOG", None, Phrase("audit_file_checkpoint", {"path": path, "line": line, "number": checkpoint.number, "problem": problem})))
        else:
            usable.append(checkpoint)
    if not usable:
        findings.append(Finding("LOG", None, Phrase("audit_no_usable_checkpoint", {"path": path})))
    in_file = {(c.number, c.sig) for c in usable}
    for kept in recorded:
        if (trusted is None or kept.key in trusted) and (kept.number, kept.sig) not in in_file:
            findings.append(Finding("LOG", None, Phrase("audit_checkpoint_not_in_file", {"number": kept.number, "size": kept.size, "taken": kept.time, "by": kept.by, "path": path})))
    return usable, findings


def where_in(checkpoints: list[Checkpoint]) -> Callable[[int], Phrase]:
    """Which checkpoint first covered a position of the log, in words."""
    ordered = sorted(checkpoints, key=lambda c: c.size)

    def where(position: int) -> Phrase:
        for checkpoint in ordered:
            if position < checkpoint.size:
                return Phrase("audit_where_checkpoint", {"number": checkpoint.number, "taken": f"{checkpoint.taken_at:%Y-%m-%d %H:%M}"})
        return Phrase("audit_where_after_last")

    return where


def check_against(checkpoints: list[Checkpoint], *, session: Session, floor_years: int, now: datetime, progress: Progress = _none, sizes: Iterable[int] = ()) -> LogCheck:
    """The log read against these checkpoints: each one's root and size must still be the
    log's, each entry's event as it was, and no call dated before the last one added since
    (the roots at `sizes` too)."""
    last = max(checkpoints, key=lambda c: c.size, default=None)
    check = walk_log(
        session=session, sizes={c.size for c in checkpoints} | set(sizes), floor_years=floor_years, now=now, progress=progress, where=where_in(checkpoints), since=last.size if last else 0, late_before=last.taken_at - IN_FLIGHT if last else None
    )
    for checkpoint in sorted(checkpoints, key=lambda c: c.number):
        if checkpoint.size > check.size:
            check.findings.append(Finding("LOG", None, Phrase("audit_checkpoint_beyond_log", {"number": checkpoint.number, "size": checkpoint.size, "count": check.size})))
        elif check.roots.get(checkpoint.size, b"").hex() != checkpoint.root:
            check.findings.append(Finding("LOG", None, Phrase("audit_root_differs", {"number": checkpoint.number, "taken": f"{checkpoint.taken_at:%Y-%m-%d %H:%M}", "size": checkpoint.size})))
    if last is not None:
        _added_since(last, check, session=session)
    return check


def _added_since(last: Checkpoint, check: LogCheck, *, session: Session) -> None:
    """What was added after the last checkpoint that should have been in it: an event
    dated before it (a backdated call, or a backdated event in a call that was going on),
    or an event after the end of a call that had ended in it."""
    at = Phrase("audit_at_checkpoint", {"number": last.number, "taken": f"{last.taken_at:%Y-%m-%d %H:%M}"})
    late: dict[str, list[tuple[int, str]]] = {}
    for call_id, seq, moment in check.late + added_after(last.taken_at - IN_FLIGHT, session=session):
        late.setdefault(call_id, []).append((seq, moment))
    for call_id, events in late.items():
        seq, moment = min(events)
        check.findings.append(Finding("ADDED", call_id, Phrase("audit_added_backdated", {"events": _events([s for s, _ in events]), "moment": moment, "at": at})))
    endings: dict[str, dict[int, str]] = {}
    for call_id, seq, kind in _rows(session, "SELECT call_id, seq, kind FROM callevent WHERE kind IN ('call_ended', 'practice_scored')"):
        endings.setdefault(call_id, {})[seq] = kind
    for call_id, last_now in _rows(session, "SELECT call_id, max(seq) FROM callevent GROUP BY call_id"):
        ended = check.last_seq_before.get(call_id)
        kinds = endings.get(call_id, {})
        if ended is None or ended not in kinds or last_now <= ended:
            continue
        if kinds[ended] == "call_ended" and last_now == ended + 1 and kinds.get(last_now) == "practice_scored" and _practice(call_id, session):
            continue  # a practice call's score follows its end
        check.findings.append(Finding("ADDED", call_id, Phrase("audit_added_after_end", {"events": _events(list(range(ended + 1, last_now + 1))), "at": at})))


def _practice(call_id: str, session: Session) -> bool:
    """Whether the call's first event says it is a practice call (its row could say anything)."""
    for (payload,) in _rows(session, "SELECT payload FROM callevent WHERE call_id = ? AND seq = 1", {"call": call_id}):
        try:
            card = json.loads(payload)
        except (ValueError, TypeError, RecursionError):
            return False
        return _is_object(card) and card.get("practice") is True
    return False


def take_checkpoint(key: Ed25519PrivateKey, by: str, path: Path, *, session: Session, floor_years: int, now: datetime, locale: str = "en") -> Checkpoint | None:
    """Bring the log up to date, check that it still extends every checkpoint of the file
    and those of the database signed by this key or the file's, then sign its head with
    `key`, append that to the file (written through) and record it. None when the file
    has a checkpoint of the log as it is. LogRefused, with what was found, when the log no
    longer extends one: a rewritten log is never signed over."""
    from callassist.core import checkpoints as signed

    size = sequence(session=session)
    session.commit()
    log = log_id(session=session)
    own = signed.public_hex(key)
    in_file, findings = file_checkpoints(path, log, [], None) if path.exists() else ([], [])
    if not in_file and any(finding.what.holds("audit_other_log") for finding in findings):
        raise LogRefused(
            "\n".join(finding.line(locale) for finding in findings),
            Phrase("audit_another_logs_file", {"path": path}).said(locale),
        )
    findings = [finding for finding in findings if not finding.what.holds("audit_no_usable_checkpoint")]  # a new file is where checkpoints start
    signers = {own} | {c.key for c in in_file}
    known = in_file + [kept for kept in recorded_checkpoints(session=session) if kept.key in signers and (kept.number, kept.sig) not in {(c.number, c.sig) for c in in_file}]
    check = check_against(known, session=session, floor_years=floor_years, now=now, sizes={size})
    findings += check.findings
    if findings:
        raise LogRefused("\n".join(finding.line(locale) for finding in findings))
    if any(c.size == check.size for c in in_file):
        return None
    if _postgres(session):  # the time the database stamps events with: a signer's clock may be off
        now = session.connection().execute(text("SELECT now()")).scalar_one()
    checkpoint = signed.sign(key, Checkpoint(log=log, number=next_checkpoint_number(session=session), size=check.size, root=check.roots[check.size].hex(), time=now.astimezone(UTC).isoformat(timespec="seconds"), by=by, key=own))
    signed.append(path, checkpoint)
    record_checkpoint(checkpoint, session=session)
    session.commit()
    return checkpoint


class ProofError(ValueError):
    """A proof file that cannot be read: which, and why."""


@dataclass
class ProofResult:
    call_id: str
    checkpoint: Checkpoint
    first: int
    last: int
    later: int
    outcome: str | None  # the call's end among the proved events (its outcome), or None
    problems: list[str]


def _is_object(value: object) -> TypeGuard[dict[str, Any]]:
    """A JSON object (whose keys are strings); its values are whatever was read."""
    return isinstance(value, dict)


def _are_objects(value: object) -> TypeGuard[list[dict[str, Any]]]:
    """A JSON list of objects."""
    return isinstance(value, list) and all(_is_object(item) for item in cast(list[object], value))


def _whole(value: object) -> int:
    """A proof's whole number (not a bool, not a float, not negative)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a whole number")
    return value


def check_proof(path: Path, trusted: set[str] | None) -> ProofResult:
    """A proof (from `proof`) checked on its own, without the database: the checkpoint's
    signature (by a trusted key, when given), the call's chain from its first event, and
    each event's path from its leaf to the signed root."""
    from callassist.core import checkpoints as signed
    from callassist.core.merkle import included

    try:
        made = json.loads(path.read_text(encoding="utf-8"))
        if not _is_object(made) or made.get("format") != "callassist-proof/1":
            raise ValueError("not a callassist proof of a call's events")
        checkpoint = _checkpoint_of(made.get("checkpoint"))
        events, call_id, later = made["events"], made["call_id"], _whole(made.get("events_after_checkpoint", 0))
        if not isinstance(call_id, str) or not _are_objects(events) or not events:
            raise ValueError("a proof names its call and lists its events")
        root = bytes.fromhex(checkpoint.root)
    except OSError as exc:
        raise ProofError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ProofError(f"{path} is not a proof from `callassist audit proof` ({exc})") from None
    problem = signed.signature_problem(checkpoint)
    if problem is None and trusted is not None and checkpoint.key not in trusted:
        problem = f"signed by key {signed.fingerprint(checkpoint.key)}, which is not one you trust"
    problems = [f"checkpoint {checkpoint.number}: {problem}"] if problem else []
    chain = ChainCheck(call_id)
    seqs: list[int] = []
    for event in events:
        try:
            seq, position = _whole(event["seq"]), _whole(event["position"])
            at, chain_hash = str(event["at"]), str(event["hash"])
            chain.add(seq, str(event["kind"]), at, str(event["payload"]), str(event["prev_hash"]), chain_hash)
            path_ok = included(leaf_hash(event_entry(call_id, seq, at, chain_hash)), position, checkpoint.size, [bytes.fromhex(node) for node in event["path"]], root)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"an event of the proof is not one ({exc})")
            continue
        seqs.append(seq)
        if not path_ok:
            problems.append(f"call {call_id}: event {seq}: its path does not lead to checkpoint {checkpoint.number}'s root (the event or the proof was changed)")
    if chain.broken is not None:
        problems.append(f"call {call_id}: event {chain.broken.seq}: {chain.broken.reason}")
    outcome = str(chain.end[2].get("disposition")) if chain.end is not None else None
    return ProofResult(call_id, checkpoint, min(seqs, default=0), max(seqs, default=0), later, outcome, problems)


def _checkpoint_of(fields: object) -> Checkpoint:
    """A proof's checkpoint, as a checkpoint file's line would be read."""
    from callassist.core import checkpoints as signed

    if not _is_object(fields) or set(fields) != set(signed.FIELDS):
        raise ValueError(f"its checkpoint has the fields {', '.join(signed.FIELDS)}")
    wrong = [name for name in signed.FIELDS if not isinstance(fields[name], int if name in signed.WHOLE else str) or isinstance(fields[name], bool)]
    if wrong:
        raise ValueError(f"its checkpoint's {', '.join(wrong)} are not of the right type")
    return signed.Checkpoint(**fields)


def first_position(call_id: str, *, session: Session) -> int | None:
    """Where the call's first entry is in the log, or None when it is not in it yet."""
    return session.connection().execute(text("SELECT min(position) FROM logentry WHERE call_id = :call"), {"call": call_id}).scalar()


def check_against_elsewhere(url: str, checkpoints: list[Checkpoint], *, floor_years: int, now: datetime) -> Future[LogCheck]:
    """check_against in a process of its own, on a connection of its own, so that the log
    is read on a second core while this one checks the chains; a Future of its LogCheck.
    Forked: the caller holds no open connection (disposes its engine) first."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
    future = pool.submit(_check_against_at, url, checkpoints, floor_years, now)
    pool.shutdown(wait=False)
    return future


def _check_against_at(url: str, checkpoints: list[Checkpoint], floor_years: int, now: datetime) -> LogCheck:
    from callassist.store import db

    engine = db.make_engine(url)
    try:
        with db.session(engine) as session:
            return check_against(checkpoints, session=session, floor_years=floor_years, now=now)
    finally:
        engine.dispose()
