"""Calls: opening one (claimed, its first events stored before anything is shown),
resuming one left unfinished, storing its events as they happen (in the database, or in
the outbox on this computer while the database is out of reach), its drafts, its holds,
and reading a stored call back for replay."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from callassist.core.account import AccountSnapshot, build_context
from callassist.core.call import DRAFTED_BY, Call, Event
from callassist.core.calls import ActiveCall, StoredCall, UnfinishedCall
from callassist.core.compliance import ContactRules, release_refused
from callassist.core.errors import CallOpen, StoreError
from callassist.core.practice import Rehearsal
from callassist.core.preflight import sample_snapshot
from callassist.core.scorecard import same_day_contacts
from callassist.services.content import Content
from callassist.services.unit import Desk, retrying, unit_of_work
from callassist.store import claims, db, holds, ledger, queries
from callassist.store.drafts import Drafts
from callassist.store.events import kept_offline
from callassist.store.models import Call as CallRow
from callassist.store.open_calls import Here, OpenCalls
from callassist.store.outbox import Batch, Outbox, OutboxError

# How far back the contact rules look: a week, and a day for the debtors' zones.
CONTACT_LOOKBACK = timedelta(days=8)
# The next call's account when the list on screen has none left: the first still to be
# called of the best few now, tried again after these seconds while others hold them.
CLAIM_CANDIDATES = 20
CLAIM_WAITS = (0.05, 0.2)


class Calls:
    """The calls of one desk (see Desk), with the content they are made with."""

    def __init__(self, desk: Desk, content: Content) -> None:
        self.desk = desk
        self.content = content
        self.drafts = Drafts(desk.settings.drafts_dir)
        # Calls this desk began: never offered to resume as left over, though the list of
        # unfinished calls may be read after the first of them began.
        self._begun: set[str] = set()
        # Where events wait while the database is out of reach (store/outbox.py), how many
        # events of each call on screen are stored, there or in the database, and where
        # the call's chain ends in the database when this program's last store put it there.
        self.outbox = Outbox(desk.settings.data_dir / "outbox")
        # The calls this program has on screen, locked against another window's resuming them.
        self.open_calls = OpenCalls(desk.settings.data_dir / "open")
        self.offline = False  # some events wait in the outbox
        self._stored_seq: dict[str, int] = {}
        self._chain_end: dict[str, tuple[int, str]] = {}
        self._flush_lock = threading.Lock()

    def unfinished(self) -> list[UnfinishedCall]:
        """The collector's calls left unfinished, by a crash or a closed terminal."""
        with unit_of_work(self.desk.engine, "cannot read unfinished calls") as session:
            return [call for call in queries.unfinished_calls(self.desk.collector_id, session=session) if call.call_id not in self._begun]

    def open_elsewhere(self, call_id: str) -> CallOpen | None:
        """Whether another program has this unfinished call on screen (see resume_call)."""
        here = self.open_calls.peek(call_id)
        if here is Here.OPEN:
            return CallOpen(call_id, same_desk=True)
        if here is Here.LEFT:
            return None
        with unit_of_work(self.desk.engine, "cannot read the call's hold") as session:
            live = claims.live_hold(call_id, self.desk.clock(), session=session)
        return CallOpen(call_id, False, *live) if live else None

    def _new_call(self, snapshot: AccountSnapshot, locale: str) -> Call:
        flow, catalog = self.content.in_use()
        desk = self.desk
        now = desk.clock()
        context = build_context(snapshot, locale=locale, collector=desk.collector, creditor=desk.settings.creditor(locale), now=now, class_days=desk.settings.class_days, recording_notice=desk.settings.recording_notice)
        return Call(flow, catalog, context, snapshot.money, clock=desk.clock)

    def _contact_rules(self, snapshot: AccountSnapshot, now: datetime, session: Session, excluding: str | None = None) -> ContactRules:
        """The rules in force for dialling this account, with the debtor's calls of the
        last days (a day more than the longest rule looks back)."""
        attempts = queries.contact_attempts(snapshot.account_id, now - CONTACT_LOOKBACK, session=session, excluding=excluding)
        return ContactRules(self.desk.settings.contact_rules, snapshot.timezone, snapshot.account_id, snapshot.phone, tuple(attempts), snapshot.contact_stop, snapshot.holds, snapshot.debtor_kind)

    def begin_call(self, account_id: int) -> ActiveCall:
        """Open a call on an account, held for this call (AccountBusy if another open call
        holds it), and store its first events before anything is shown."""
        desk = self.desk

        def attempt(session: Session) -> ActiveCall:
            queries.check_account_access(account_id, desk.viewer, desk.collector_id, session=session)
            call_id = str(uuid.uuid4())
            claims.claim_account(account_id, desk.collector_id, call_id, desk.clock(), session=session)
            return self._open_call(account_id, call_id, session)

        return self._opened(retrying(desk.engine, "cannot start the call", attempt))

    def begin_next_call(self, listed: list[int] | None = None, listed_at: datetime | None = None) -> ActiveCall | None:
        """Open a call on the first account of the worklist that is still to be called
        (store/claims.py), claimed in the same transaction; None when there is none.

        `listed` is the worklist as read at `listed_at` (the one on screen): claiming from
        it is one statement. Once none of it is left, the worklist is read again."""
        desk = self.desk
        if not desk.viewer.sees_personal_data:
            return None

        def attempt(session: Session) -> ActiveCall | None:
            call_id = str(uuid.uuid4())
            account_id = claims.claim_first(listed, desk.collector_id, call_id, listed_at, session=session) if listed and listed_at is not None else None
            # None of the list is left: the best now, read again. Accounts another program is
            # writing that moment (settling their standing) are passed over, so a few tries.
            for wait in (0.0, *CLAIM_WAITS):
                if account_id is not None:
                    break
                time.sleep(wait)
                now = desk.clock()
                best = queries.next_calls(desk.collector_id, now, session=session, class_days=desk.settings.class_days, limit=CLAIM_CANDIDATES, window=desk.settings.contact_rules.window)
                account_id = claims.claim_first([row.account_id for row in best], desk.collector_id, call_id, now, session=session)
            return None if account_id is None else self._open_call(account_id, call_id, session)

        # Many collectors claiming at once can deadlock one another now and then; the
        # database undoes one of them, which is simply run again.
        active = retrying(desk.engine, "cannot start the call", attempt)
        return None if active is None else self._opened(active)

    def _open_call(self, account_id: int, call_id: str, session: Session) -> ActiveCall:
        desk = self.desk
        snapshot = queries.account_snapshot(account_id, session=session)
        call = self._new_call(snapshot, desk.locale)
        started = desk.clock()
        call.contact_rules = self._contact_rules(snapshot, started, session)
        card = {"account_id": account_id, **snapshot.card(desk.collector, started), "contact_rules": call.contact_rules.budget(started).as_payload()}
        row = CallRow(id=call_id, account_id=account_id, collector_id=desk.collector_id, script=call.loaded.name, script_hash=call.loaded.content_hash, locale=desk.locale, started_at=started, state=call.state)
        events = call.start(card)
        self._chain_end[call_id] = queries.record_call(row, events, session=session)
        self._stored_seq[call_id] = len(events)
        return ActiveCall(call_id, call, snapshot, started)

    def _opened(self, active: ActiveCall) -> ActiveCall:
        """A call whose first events are committed: this desk's, and on its screen."""
        self._begun.add(active.call_id)
        self.open_calls.hold(active.call_id)
        return active

    def begin_practice(self, persona_id: str) -> ActiveCall:
        """A practice call against a persona, on the sample account that fits it (overdue,
        nothing due yet or a promise open; a company or a consumer, as its `account` says):
        stored, marked as practice, and tied to no real account."""
        desk = self.desk
        persona = self.content.personas[persona_id]
        snapshot = sample_snapshot(standing=persona.account.standing, debtor=persona.account.debtor, now=desk.clock())
        with unit_of_work(desk.engine, "cannot start the practice call") as session:
            call = self._new_call(snapshot, desk.locale)
            call_id = str(uuid.uuid4())
            started = desk.clock()
            card = {"practice": True, "persona": persona_id, **snapshot.card(desk.collector, started)}
            row = CallRow(id=call_id, account_id=None, collector_id=desk.collector_id, script=call.loaded.name, script_hash=call.loaded.content_hash, locale=desk.locale, started_at=started, state=call.state, practice=True, persona=persona_id)
            events = call.start(card)
            self._chain_end[call_id] = queries.record_call(row, events, session=session)
            self._stored_seq[call_id] = len(events)
        self.open_calls.hold(call_id)
        rehearsal = Rehearsal(persona, desk.locale)
        rehearsal.observe(events)
        return ActiveCall(call_id, call, snapshot, started, rehearsal=rehearsal)

    def resume_call(self, call_id: str) -> ActiveCall:
        """Fold an unfinished call's stored events back into a Call, and note the resumption.
        CallOpen while another program has the call on screen: another window of this desk,
        or, until its account's hold lapses, a program elsewhere."""
        here = self.open_calls.hold(call_id)
        if here is Here.OPEN:
            raise CallOpen(call_id, same_desk=True)
        try:
            return self._resume(call_id, here)
        except BaseException:
            self.open_calls.release(call_id)
            raise

    def _resume(self, call_id: str, here: Here) -> ActiveCall:
        desk = self.desk
        with unit_of_work(desk.engine, "cannot resume the call") as session:
            row = session.get(CallRow, call_id)
            if row is None or row.account_id is None:
                raise StoreError(f"call {call_id} is not a call of an account that can be resumed")
            # A hold that is still live was left by a program of this desk that is gone (its
            # lock let go), or is kept by one on another desk.
            if here is Here.UNKNOWN and (live := claims.live_hold(call_id, desk.clock(), session=session)):
                raise CallOpen(call_id, False, *live)
            claims.claim_account(row.account_id, desk.collector_id, call_id, desk.clock(), session=session)
            snapshot = queries.account_snapshot(row.account_id, session=session)
            events = queries.call_events(call_id, session=session)
            call = self._new_call(snapshot, row.locale)
            call.contact_rules = self._contact_rules(snapshot, desk.clock(), session, excluding=call_id)
            try:
                call.resume(events)
            except (ValueError, KeyError, TypeError) as exc:  # steps the script in use does not have
                raise StoreError(f"call {call_id} cannot be resumed: its stored steps do not fit the script in use ({exc}); a supervisor can still replay it") from exc
            self._chain_end[call_id] = queries.append_events(call_id, [Event("call_resumed", {"state": call.state, "after_seq": len(events)}, call.clock())], session=session, after_seq=len(events))
            self._stored_seq[call_id] = len(events) + 1
        return ActiveCall(call_id, call, snapshot, row.started_at, resumed=True, drafts=self.drafts.load_all(call_id))

    def replay(self, call_id: str) -> StoredCall:
        """A stored call for replay: its events, checked against their hash chain first.
        When the chain is broken, only the events before the break are given. A trainer
        reads it without personal data.

        LookupError when there is no such call; AccessDenied for another collector's call."""
        with unit_of_work(self.desk.engine, "cannot read the call") as session:
            row = session.get(CallRow, call_id)
            if row is None:
                raise LookupError(call_id)
            events = queries.readable_call(call_id, self.desk.viewer, session=session)
            broken = queries.verify_call(call_id, session=session)
            reviews = queries.reviews(call_id, session=session)
            siblings = queries.sibling_events(call_id, session=session)
            promise_now = ledger.call_promise_status(call_id, session=session)
        if broken is not None:
            events = events[: broken.seq - 1]
        card = events[0].payload if events else {}
        same_day = same_day_contacts(events, siblings) if siblings is not None and events else None
        return StoredCall(call_id, card.get("debtor", ""), card.get("collector", ""), row.started_at, row.practice, events, broken, reviews, same_day, promise_now)

    def standing_now(self, active: ActiveCall) -> None:
        """Read again, as a dial is made, what decides whether the account may be called:
        since the call opened another program may have placed a hold (on another account of
        the same person too), stopped the contact (do not call, no more contact), moved the
        debtor to another time zone, or called them. The call's rules and card follow."""
        with unit_of_work(self.desk.engine, "cannot read the account's standing") as session:
            fresh = queries.account_snapshot(active.snapshot.account_id, session=session)
            # The number on the card is the one dialled: the rules count calls to it.
            fresh = replace(fresh, phone=active.snapshot.phone)
            rules = self._contact_rules(fresh, self.desk.clock(), session, excluding=active.call_id)
        active.snapshot = replace(active.snapshot, holds=fresh.holds, contact_stop=fresh.contact_stop, timezone=fresh.timezone)
        if active.call.contact_rules is not None:
            active.call.contact_rules = rules

    def release_holds(self, active: ActiveCall, reason: str) -> None:
        """A supervisor releases the holds that block the call's account (each stored with
        who, when and `reason`); the call may then be dialled."""
        desk = self.desk
        if release_refused(active.snapshot.holds, active.call.dialled, desk.settings.role) == "release_supervisor_only":
            raise StoreError(f"only a supervisor releases a hold; this session's role is {desk.settings.role}")
        with unit_of_work(desk.engine, "cannot release the hold") as session:
            for hold in active.snapshot.holds:
                holds.release_hold(hold.id, desk.collector, reason, desk.clock(), session=session)
        active.snapshot = replace(active.snapshot, holds=())
        if active.call.contact_rules is not None:
            active.call.contact_rules = active.call.contact_rules._replace(holds=())

    def renew_claim(self, active: ActiveCall) -> str | None:
        """Keep holding the account of the call on screen; None while it is held, else who
        holds it now (the claim lapsed while this program could not renew it)."""
        with unit_of_work(self.desk.engine, "cannot renew the call's hold on its account") as session:
            if claims.renew(active.call_id, self.desk.clock(), session=session):
                return None
            return claims.busy(active.snapshot.account_id, session=session).holder or "?"

    def store(self, call_id: str, events: list[Event]) -> bool:
        """Commit events durably: in the database, or, while it is out of reach, in the
        outbox on this computer, to be sent in order later (flush_outbox). True when they
        are in the database; StoreError if neither can take them now.

        Only once a form's event is stored is its draft discarded: until then the
        draft is the only copy of what was typed.
        """
        after = self._stored_seq[call_id]
        known = self._chain_end.pop(call_id, None)  # kept again only once these are in the database
        in_database = False
        if not self.outbox.has(call_id):  # else behind the events already waiting
            chain_end = known if known and known[0] == after else None
            judge = self.content.judge(events)
            try:
                self._chain_end[call_id] = retrying(self.desk.engine, "storing events", lambda session: queries.append_events(call_id, events, session=session, after_seq=after, chain_end=chain_end, judge=judge))
                in_database = True
            except StoreError as exc:  # kept on this computer when the database is only out of reach
                if exc.__cause__ is None or not db.out_of_reach(exc.__cause__):
                    raise
        if not in_database:
            try:
                self.outbox.add(call_id, Batch(after, events))
            except OSError as exc:
                raise StoreError(f"the database is out of reach and the events cannot be kept on this computer either: {exc}") from exc
            self.offline = True
        self._stored_seq[call_id] = after + len(events)
        for event in events:
            form = DRAFTED_BY.get(event.kind)
            if form:
                self.drafts.discard(call_id, form)
            if event.kind == "call_ended":  # what was typed and never saved ends with the call
                self.drafts.discard_all(call_id)
                self.open_calls.release(call_id)
        return in_database

    def flush_outbox(self) -> int:
        """Send the events waiting in the outbox, each call's in order; how many were
        stored. StoreError while the database is still out of reach (those sent stay sent)."""
        sent = 0
        with self._flush_lock:
            for call_id in self.outbox.calls():
                done = 0
                try:
                    for batch in self.outbox.batches(call_id):
                        # Stored at the time it arrives, as a team's database stamps it (and
                        # as the log expects of what enters it after a checkpoint): when it
                        # happened is kept in the event.
                        arrived = self.desk.clock()
                        events = [Event(event.kind, kept_offline(event.payload, event.at), arrived) for event in batch.events]
                        judge = self.content.judge(events)
                        retrying(self.desk.engine, "sending the events kept on this computer", lambda session: queries.append_events(call_id, events, session=session, after_seq=batch.after_seq, judge=judge))  # noqa: B023 (run at once)
                        done += 1
                        sent += len(batch.events)
                except OutboxError as exc:
                    raise StoreError(str(exc)) from exc
                finally:
                    if done:
                        self.outbox.sent(call_id, done)
            self.offline = bool(self.outbox.calls())
        return sent

    def keep_draft(self, call_id: str, form: str, fields: dict[str, Any]) -> None:
        """What the collector has typed in a form so far (store/drafts.py: kept in memory)."""
        self.drafts.keep(call_id, form, fields)

    def write_draft(self, call_id: str, form: str) -> None:
        """Put the form's draft on disk, so a crash does not lose what was typed."""
        self.drafts.write(call_id, form)

    def forget_draft(self, call_id: str, form: str) -> None:
        """The form was closed without saving: its draft is no longer kept in memory."""
        self.drafts.forget(call_id, form)

    def discard_draft(self, call_id: str, form: str) -> None:
        """The collector threw the form away: its draft goes, from memory and disk."""
        self.drafts.discard(call_id, form)

    def debtor_today(self, snapshot: AccountSnapshot) -> date:
        """The date where the debtor lives, now."""
        return snapshot.local_now(self.desk.clock()).date()

    def close(self) -> None:
        """Let go of the calls this program holds on screen (their locks)."""
        self.open_calls.close()
