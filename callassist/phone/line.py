"""The rules every event-reporting phone shares, whatever its protocol: one call followed at
a time, Dialling first once the phone has given the call its id, who hung up (we did if we
asked), no answer after a set time, a lost link ending the call; and the delivery of the
events to the caller's `on_event`, one at a time and in order, from a thread of its own so
that `on_event` may call the phone back."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from callassist.core.phone import Answered, Busy, Dialling, Failed, HungUp, LineEvent, LineLost, NoAnswer, Ringing


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Call:
    call_id: str
    dialled: float  # time.monotonic() when it was dialled
    rang: bool = False
    answered: bool = False
    hanging_up: bool = False  # we asked the phone to hang up


class LineTracker:
    """Follows the call an adapter dialled and reports it as core line events. The adapter
    says what its phone said (`dialled`, `ringing`, `answered`, `closed`, `lost`) and asks
    `overdue` when its no-answer time may have come; messages about other calls, or about
    a call already ended, are ignored."""

    def __init__(self, on_event: Callable[[LineEvent], object], no_answer_after: timedelta, clock: Callable[[], datetime] = utc_now) -> None:
        self._on_event, self._no_answer_after, self._clock = on_event, no_answer_after, clock
        self._lock = threading.Lock()
        self._call: _Call | None = None
        self._outbox: queue.SimpleQueue[LineEvent | None] = queue.SimpleQueue()
        self._deliverer = threading.Thread(target=self._deliver, name="phone-events", daemon=True)
        self._deliverer.start()

    def _deliver(self) -> None:
        while (event := self._outbox.get()) is not None:
            self._on_event(event)

    def _emit(self, event: LineEvent) -> None:
        self._outbox.put(event)

    def dialled(self, call_id: str, number: str, at: datetime) -> None:
        """The phone gave the call it dialled at `at` its id: from now on it is followed."""
        with self._lock:
            if self._call is not None and self._call.call_id == call_id:
                return
            self._call = _Call(call_id, time.monotonic())
            self._emit(Dialling(call_id, at, number))

    def following(self) -> str | None:
        """The id of the call followed while it goes on, else None."""
        with self._lock:
            return self._call.call_id if self._call is not None else None

    def ringing(self, call_id: str) -> None:
        with self._lock:
            if (call := self._followed(call_id)) is not None and not call.rang and not call.answered:
                call.rang = True
                self._emit(Ringing(call_id, self._clock()))

    def answered(self, call_id: str) -> None:
        with self._lock:
            if (call := self._followed(call_id)) is not None and not call.answered:
                call.answered = True
                self._emit(Answered(call_id, self._clock()))

    def hanging_up(self, call_id: str) -> bool:
        """We are about to ask the phone to hang up `call_id`: its end will read as ours.
        False when the call is not going on (nothing to hang up)."""
        with self._lock:
            if (call := self._followed(call_id)) is None:
                return False
            call.hanging_up = True
            return True

    def closed(self, call_id: str, reason: str, *, busy: bool) -> None:
        """The phone says the call ended, for `reason`; `busy` when the other side was busy
        or refused it."""
        with self._lock:
            if (call := self._followed(call_id)) is None:
                return
            at = self._clock()
            if call.hanging_up or call.answered:
                self._emit(HungUp(call_id, at, by="us" if call.hanging_up else "them"))
            elif busy:
                self._emit(Busy(call_id, at, reason))
            else:
                self._emit(Failed(call_id, at, reason))
            self._call = None

    def overdue(self) -> str | None:
        """The call nobody answered in time, reported as NoAnswer and no longer followed:
        the adapter tells its phone to give it up. None when there is none."""
        with self._lock:
            call = self._call
            if call is None or call.answered or call.hanging_up or time.monotonic() - call.dialled < self._no_answer_after.total_seconds():
                return None
            self._emit(NoAnswer(call.call_id, self._clock(), self._no_answer_after))
            self._call = None
            return call.call_id

    def seconds_to_overdue(self) -> float | None:
        """How long until `overdue` may have something to say, or None while nothing waits."""
        with self._lock:
            if self._call is None or self._call.answered or self._call.hanging_up:
                return None
            return max(0.0, self._call.dialled + self._no_answer_after.total_seconds() - time.monotonic())

    def lost(self, reason: str) -> None:
        """The link to the phone broke: the call going on, if any, is lost."""
        with self._lock:
            if self._call is not None:
                self._emit(LineLost(self._call.call_id, self._clock(), reason))
                self._call = None

    def close(self) -> None:
        """Delivers what is still to deliver, then stops."""
        self._outbox.put(None)
        if threading.current_thread() is not self._deliverer:
            self._deliverer.join(timeout=5)

    def _followed(self, call_id: str) -> _Call | None:
        return self._call if self._call is not None and self._call.call_id == call_id else None
