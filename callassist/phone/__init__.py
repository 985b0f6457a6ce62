"""The phones callassist dials through: one small interface, an adapter per kind of phone.

A `Phone`, made by `open_phone(setting, on_event)`:

- `dial(number) -> str` checks the number (`core.phone.dial_target`: digits, +, * and #, or
  a sip: URI) before anything is sent, tells the phone to dial it and returns the phone's
  own id for the call. `PhoneError` (one line) when the number is refused, the phone
  refuses or cannot be reached.
- `hang_up(call_id)` ends that call; nothing happens for a call that has already ended.
- `close()` lets go of the phone (a call in progress is left to the phone); idempotent.
- `reach()` links to the phone again when its link was lost; each new link hangs up the
  calls the phone holds that nobody follows (`hung_up_left_up()` says how many).
- `dial_in_doubt`: a dial the phone never answered may still be made; the app keeps
  reaching the phone until it is not, so that such a call is hung up as it shows.
- `reports_line` says whether line events come at all; when it is False the collector
  follows the call by ear and says what happened, as without a phone.
- Events (`core.phone.LineEvent`) go to `on_event`, one at a time, in the order they
  happened, from the adapter's own thread: a Textual app hands each over with
  `call_from_thread`, anything else can pass `queue.put`. `on_event` may call the phone.

The adapters: `none` (nothing is sent, no events), `command:` (runs a program with the
number, no events) and `baresip://` (a baresip softphone through its ctrl_tcp module).

A PBX adapter (Asterisk AMI or ARI, FreeSWITCH ESL) is added the way baresip's was: a
setting and its URL in `core/phone.py`, a module here with a class that meets `Phone`, and
its branch in `open_phone`. It turns the PBX's call messages into calls on a
`line.LineTracker`, which keeps the rules every phone shares: Dialling once the call has
its id, then Ringing, Answered, Busy or Failed or NoAnswer before an answer, HungUp by us
(we asked) or by them, LineLost when the link to the PBX drops; one event each, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from callassist.core.phone import BaresipSetting, CommandSetting, LineEvent, NoPhoneSetting, PhoneSetting
from callassist.phone.baresip import BaresipPhone
from callassist.phone.command import CommandPhone
from callassist.phone.none import NoPhone

NO_ANSWER_AFTER = timedelta(seconds=30)


class Phone(Protocol):
    """What the call screen needs of any phone."""

    @property
    def reports_line(self) -> bool: ...

    @property
    def dial_in_doubt(self) -> bool:
        """A dial the phone never answered may still be made (and is hung up when it shows)."""
        ...

    def reach(self) -> None:
        """Link to the phone again if its link was lost: PhoneError when it cannot be."""
        ...

    def hung_up_left_up(self) -> int:
        """How many calls the phone held that nobody followed were hung up as it was reached
        (or linked to again), since last asked."""
        ...

    def dial(self, number: str, still_allowed: Callable[[], bool] = ...) -> str:
        """Dial `number`, asking `still_allowed` (the account read again) once the phone is
        ready, just before it dials: DialStopped when it says no."""
        ...

    def hang_up(self, call_id: str) -> None: ...

    def close(self) -> None: ...


def open_phone(setting: PhoneSetting, on_event: Callable[[LineEvent], object], *, no_answer_after: timedelta = NO_ANSWER_AFTER, hang_up_left_up: Callable[[], bool] = lambda: True) -> Phone:
    """The phone `setting` names, ready to dial; a call nobody answers within
    `no_answer_after` is given up; the calls it holds that nobody follows are hung up each
    time it is linked to, unless `hang_up_left_up()` says no then (another window on this
    computer has a call on screen: the call may be its). PhoneError when the phone cannot
    be reached."""
    match setting:
        case NoPhoneSetting():
            return NoPhone()
        case CommandSetting():
            return CommandPhone(setting)
        case BaresipSetting():
            return BaresipPhone(setting, on_event, no_answer_after=no_answer_after, hang_up_left_up=hang_up_left_up)
