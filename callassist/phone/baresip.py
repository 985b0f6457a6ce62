"""A baresip softphone driven through its ctrl_tcp module: JSON commands and events framed as
netstrings (`LEN:JSON,`) over one TCP connection (ctrl_tcp serves one at a time: a second
program connecting takes the phone over, and the first sees its line lost).

Commands go one at a time, each waiting for its reply: `listcalls` (no dial while baresip
still holds a call, one a lost link left up say), `dial`, then `callstat` when the call's id
has not come with an event yet; `callfind ID` then `hangup` to end that call.
A reader thread turns baresip's events about the call it dialled into line events:
CALL_RINGING or CALL_PROGRESS, CALL_ESTABLISHED, CALL_CLOSED (its param is the reason:
"486 Busy Here", "603 Decline" and the like mean busy); a dropped connection is the line
lost. A frozen baresip keeps its connection open and says nothing, so the reader asks it
`listcalls` (answered at once, logged nowhere) after HEARTBEAT seconds without a word, and
takes the line as lost when nothing at all comes within REPLY_TIMEOUT of the question. A
dial after a lost link connects again. Each new link first hangs up the calls baresip
dialled that it still holds (`listcalls` numbers its lines, `line N` makes one current,
`callstat` names the current call and its direction).
Checked with Debian's baresip 1.0.0 (tests/phone)."""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from callassist.core.phone import BaresipSetting, DialStopped, LineEvent, PhoneError, dial_target
from callassist.phone.line import LineTracker, utc_now

# SIP answers that mean the other side is busy or will not take the call.
_BUSY_CODES = ("486", "600", "603")
_MAX_MESSAGE = 1 << 20
_CALL_ID_IN_STATUS = re.compile(r"\bid=([0-9A-Za-z]+)")
_CALLS_IN_LIST = re.compile(r"Active calls \((\d+)\)")
_LINES_IN_LIST = re.compile(r"\[line (\d+)\]")
_CURRENT_LINE = re.compile(r"^> \[line (\d+)\]", re.MULTILINE)
_READ_SLICE = 0.25  # seconds the reader waits on the socket before it checks the no-answer time
HEARTBEAT = 2.0  # seconds without a word from baresip before the reader asks it something
REPLY_TIMEOUT = 5.0  # seconds baresip has to answer a command, or the reader's question
_ABANDONED_FOR = 60.0  # seconds a dial that went unanswered may still be made by baresip and be hung up
_READERS_TOKEN = "callassist-reader"  # the reader's own commands: no one waits for their replies


def netstring(message: dict[str, Any]) -> bytes:
    """`message` as ctrl_tcp reads it."""
    data = json.dumps(message).encode()
    return b"%d:%s," % (len(data), data)


class NetstringReader:
    """Splits what ctrl_tcp sends into its JSON messages, however the bytes arrive."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """The messages `data` completes; ValueError when it is not ctrl_tcp's framing."""
        self._buffer += data
        messages: list[dict[str, Any]] = []
        while (colon := self._buffer.find(b":")) >= 0:
            head = self._buffer[:colon]
            if not head.isdigit() or int(head) > _MAX_MESSAGE:
                raise ValueError(f"not a netstring: {self._buffer[:20]!r}")
            end = colon + 1 + int(head)
            if len(self._buffer) <= end:
                break
            if self._buffer[end : end + 1] != b",":
                raise ValueError(f"a netstring does not end with a comma: {self._buffer[:20]!r}")
            message = json.loads(self._buffer[colon + 1 : end])
            if isinstance(message, dict):
                messages.append(cast(dict[str, Any], message))  # a JSON object's keys are strings
            self._buffer = self._buffer[end + 1 :]
        if len(self._buffer) > len(str(_MAX_MESSAGE)) + 1 and b":" not in self._buffer:
            raise ValueError(f"not a netstring: {self._buffer[:20]!r}")
        return messages


def _calls_up(reply: dict[str, Any]) -> int:
    """How many calls `listcalls` says baresip holds ("Active calls (N)"); 0 when its words
    are not those of the baresip checked."""
    found = _CALLS_IN_LIST.search(str(reply.get("data", "")))
    return int(found[1]) if found else 0


@dataclass(frozen=True)
class _Dial:
    number: str
    at: datetime


class BaresipPhone:
    """The `baresip://HOST:PORT` setting."""

    reports_line = True

    def __init__(
        self,
        setting: BaresipSetting,
        on_event: Callable[[LineEvent], object],
        *,
        no_answer_after: timedelta,
        clock: Callable[[], datetime] = utc_now,
        heartbeat: float = HEARTBEAT,
        reply_timeout: float = REPLY_TIMEOUT,
        hang_up_left_up: Callable[[], bool] = lambda: True,
    ) -> None:
        self._address, self._where = (setting.host, setting.port), f"{setting.host}:{setting.port}"
        self._clock, self._heartbeat, self._reply_timeout = clock, heartbeat, reply_timeout
        self._socket = self._connected()
        self._line = LineTracker(on_event, no_answer_after, clock)
        self._sending = threading.Lock()  # the reader sends too (giving up an unanswered call)
        self._commanding = threading.Lock()  # one command waits for its reply at a time
        self._operating = threading.Lock()  # a dial or a hang-up is a few commands in a row
        self._state = threading.Lock()
        self._tokens = itertools.count(1)
        self._replies: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._dialling: _Dial | None = None
        self._dialled: str | None = None
        self._abandoned: float | None = None  # when a dial went unanswered (the screen was told it failed)
        self._seen_calls: set[str] = set()
        self._gone: str | None = None
        self._closing = False
        self._reader = self._reading()
        self._left_up, self._hangs_up_left_up = 0, hang_up_left_up
        try:
            with self._operating:
                self._hang_up_left_up()
        except PhoneError:
            self.close()
            raise

    # --- what the call screen asks ---

    def dial(self, number: str, still_allowed: Callable[[], bool] = lambda: True) -> str:
        """Dials the checked number, one call at a time; the call's id once baresip has
        given it one. `still_allowed` is asked once baresip is known to hold no call, just
        before the dial: DialStopped when it says no."""
        target = dial_target(number)
        with self._operating:
            if self._gone is not None:
                self._reconnect()
            if (going_on := self._line.following()) is not None:
                raise PhoneError(f"baresip at {self._where} is on call {going_on}: hang it up before dialling again")
            if (up := _calls_up(self._command("listcalls"))) > 0:  # left by a lost link, or dialled from its own keys
                raise PhoneError(f"baresip at {self._where} still has a call up ({up}) that this window does not follow (one coming in, one dialled on the phone itself, or another window's): end it there before dialling again")
            if not still_allowed():  # the checks above may have waited on baresip: the account is read again
                raise DialStopped("the account no longer allows this call")
            with self._state:
                self._dialling, self._dialled = _Dial(target, self._clock()), None
            try:
                try:
                    reply = self._command("dial", target)
                except PhoneError:
                    with self._state:
                        self._abandoned = time.monotonic()  # it may dial all the same, later: hung up when it shows
                    raise
                if not reply.get("ok"):
                    raise PhoneError(f"baresip at {self._where} would not dial {target}: {reply.get('data') or 'no reason given'}")
                if self._dialled is None:
                    status = str(self._command("callstat").get("data", ""))
                    if (found := _CALL_ID_IN_STATUS.search(status)) is not None:
                        self._follow(found[1])
                if self._dialled is None:
                    raise PhoneError(f"baresip at {self._where} took {target} but reports no call")
                return self._dialled
            finally:
                with self._state:
                    self._dialling = None

    def reach(self) -> None:
        """Link to baresip again if the link was lost (nothing otherwise): a new link hangs
        up the calls baresip dialled that nobody follows. PhoneError when it cannot be."""
        with self._operating:
            if self._gone is not None:
                self._reconnect()

    def hung_up_left_up(self) -> int:
        """How many calls nobody followed were hung up since last asked: left up, found as
        links were made, or dialled late (after the dial command went unanswered)."""
        with self._state:
            count, self._left_up = self._left_up, 0
            return count

    @property
    def dial_in_doubt(self) -> bool:
        """Whether a dial baresip never answered may still be made: until it shows (and is
        hung up), or until baresip has been linked to again and watched _ABANDONED_FOR."""
        with self._state:
            return self._abandoned is not None and (self._gone is not None or time.monotonic() - self._abandoned < _ABANDONED_FOR)

    def hang_up(self, call_id: str) -> None:
        """Ends the call if baresip still has it: one this link follows (its CALL_CLOSED then
        reads as hung up by us), or one a lost link or an earlier run of callassist left up,
        which would otherwise go on, recorded, until the other side hung up."""
        with self._operating:
            if self._gone is not None:
                self._reconnect()
            self._line.hanging_up(call_id)
            self._end_call(call_id)  # not found: it has ended already, or is about to (its CALL_CLOSED is on the way)

    def close(self) -> None:
        """Lets go of baresip (a call going on stays up) and stops the threads."""
        if self._closing:
            return
        self._closing = True
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already dropped by baresip
        self._reader.join(timeout=5)
        self._socket.close()
        self._line.close()

    # --- talking to ctrl_tcp ---

    def _connected(self) -> socket.socket:
        try:
            connection = socket.create_connection(self._address, timeout=self._reply_timeout)
        except OSError as error:
            raise PhoneError(f"no baresip is listening at {self._where} ({error.strerror or error}): start baresip with ctrl_tcp_listen {self._where} in its config") from None
        connection.settimeout(None)
        return connection

    def _reading(self) -> threading.Thread:
        reader = threading.Thread(target=self._read, name=f"baresip-{self._where}", daemon=True)
        reader.start()
        return reader

    def _reconnect(self) -> None:
        """After a lost link, baresip may have come back: a link lost between calls reported
        nothing (no call was lost), so the call screen dials through this phone again."""
        self._reader.join()  # it has stopped, or is about to
        self._socket.close()
        self._socket = self._connected()
        self._gone, self._replies = None, queue.SimpleQueue()
        self._reader = self._reading()
        try:
            self._hang_up_left_up()
        except PhoneError as error:
            self._gone = str(error)  # linked, but not answering: the next reach tries again
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            raise
        with self._state:
            if self._abandoned is not None:  # a dial in doubt is made, if at all, as baresip wakes: watched from now
                self._abandoned = time.monotonic()

    def _hang_up_left_up(self) -> None:
        """Hang up every call baresip dialled that it holds as this link is made: a new link
        follows none, so each was left up by a crash, a lost link, or a dial baresip made
        after callassist gave up waiting for it, and would keep the debtor on a recorded
        line nobody logs. ctrl_tcp has no hang-up-all and names only its current call, so
        each line is made current in turn (`line N`) and looked at; a call coming in is left
        alone, and the call that was current is made so again. Counted for `hung_up_left_up`.
        Not at all while `hang_up_left_up` says no (open_phone): asked at each link, as
        another window may have opened a call since the last."""
        if not self._hangs_up_left_up():
            return
        listed = str(self._command("listcalls").get("data", ""))
        current, lines, hung_up = _CURRENT_LINE.search(listed), _LINES_IN_LIST.findall(listed), 0
        for line in lines:
            if "not found" in str(self._command("line", line).get("data", "")):
                continue  # it ended meanwhile
            status = str(self._command("callstat").get("data", ""))
            found = _CALL_ID_IN_STATUS.search(status)
            if found is not None and "direction: Outgoing" in status and self._end_call(found[1]):
                hung_up += 1
        with self._state:
            self._left_up += hung_up
        if current is not None and lines:
            self._command("line", current[1])  # baresip's own keys answer the call they would have

    def _end_call(self, call_id: str) -> bool:
        """Make `call_id` baresip's current call and hang it up (`hangup` ends the current
        one); False when baresip no longer holds it. The two in one write: a call coming in
        between two writes becomes the current call, and would be the one hung up (the
        seventh attacker's, with `hangup` held 3 s). Under `_operating`: no other command
        of callassist's changes the current call meanwhile."""
        if "not found" in str(self._command("callfind", call_id).get("data", "")):
            return False
        self._commands(("callfind", call_id), ("hangup", None))
        return True

    def _end_call_aside(self, call_id: str, *, dialled_late: bool = False) -> None:
        """What the reader hangs up (it cannot wait for replies itself), in turn with the
        other operations: a hang-up written between another's `callfind` and `hangup`
        would leave that `hangup` to end whatever call is current then (one coming in).
        A call `dialled_late` settles the dial in doubt once hung up, and is counted (a new
        link's sweep may have hung it up first: then it was counted there)."""

        def end() -> None:
            with self._operating, contextlib.suppress(PhoneError):
                ended = self._end_call(call_id)
                if dialled_late:
                    with self._state:
                        self._abandoned, self._left_up = None, self._left_up + ended

        threading.Thread(target=end, name=f"baresip-hang-up-{call_id}", daemon=True).start()

    def _command(self, command: str, params: str | None = None) -> dict[str, Any]:
        return self._commands((command, params))

    def _commands(self, *commands: tuple[str, str | None]) -> dict[str, Any]:
        """Send these in one write, and wait for each one's reply: the last one's. baresip
        reads them together and runs them one after the other, nothing of its own between."""
        with self._commanding:
            waiting: list[tuple[str, str]] = []
            messages: list[dict[str, Any]] = []
            for command, params in commands:
                token = f"callassist-{next(self._tokens)}"
                waiting.append((token, command))
                messages.append({"command": command, "params": params, "token": token} if params else {"command": command, "token": token})
            self._send(*messages)
            reply: dict[str, Any] = {}
            for token, command in waiting:
                reply = self._reply_to(token, command)
            return reply

    def _reply_to(self, token: str, command: str) -> dict[str, Any]:
        while True:
            try:
                reply = self._replies.get(timeout=self._reply_timeout)
            except queue.Empty:
                raise PhoneError(f"baresip at {self._where} did not answer {command!r} within {self._reply_timeout:g} s") from None
            if reply is None:
                self._replies.put(None)  # for the next command to see too
                raise PhoneError(f"baresip at {self._where} is gone: {self._gone}")
            if reply.get("token") == token:
                return reply

    def _send(self, *messages: dict[str, Any]) -> None:
        if self._gone is not None:
            raise PhoneError(f"baresip at {self._where} is gone: {self._gone}")
        try:
            self._write(*messages)
        except OSError as error:
            raise PhoneError(f"baresip at {self._where} is gone: {error.strerror or error}") from None

    def _write(self, *messages: dict[str, Any]) -> None:
        """The reader sends with this: an OSError ends it, as one reading would."""
        with self._sending:
            self._socket.sendall(b"".join(netstring(message) for message in messages))

    def _read(self) -> None:
        reader, why = NetstringReader(), "the connection closed"
        heard, asked = time.monotonic(), None  # when baresip last said anything; when the reader asked it since
        try:
            while not self._closing:
                ready, _, _ = select.select([self._socket], [], [], min(_READ_SLICE, self._heartbeat))
                self._give_up_unanswered()
                if not ready:
                    if asked is None and time.monotonic() - heard >= self._heartbeat:
                        self._write({"command": "listcalls", "token": _READERS_TOKEN})
                        asked = time.monotonic()
                    elif asked is not None and time.monotonic() - asked >= self._reply_timeout:
                        why = f"baresip said nothing for {self._heartbeat + self._reply_timeout:g} s and did not answer a question (it froze, or its computer cannot be reached)"
                        self._gone = why  # before the link goes: a dial from then on connects again
                        self._socket.shutdown(socket.SHUT_RDWR)
                        break
                    continue
                data = self._socket.recv(65536)
                if not data:
                    why = "baresip closed the connection (it stopped, or another program took it over)"
                    break
                heard, asked = time.monotonic(), None
                for message in reader.feed(data):
                    self._receive(message)
        except (OSError, ValueError) as error:
            why = f"{error.strerror or error}" if isinstance(error, OSError) else str(error)
        if not self._closing:
            self._gone = why
            self._line.lost(f"baresip at {self._where}: {why}")
        self._replies.put(None)

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("response"):
            if message.get("token") != _READERS_TOKEN:
                self._replies.put(message)
            return
        call_id = message.get("id")
        if not message.get("event") or message.get("direction") != "outgoing" or not isinstance(call_id, str) or not call_id:
            return
        self._follow(call_id)
        if self._hang_up_abandoned(call_id):
            return
        kind, param = message.get("type"), str(message.get("param") or "")
        if kind in ("CALL_RINGING", "CALL_PROGRESS"):
            self._line.ringing(call_id)
        elif kind == "CALL_ESTABLISHED":
            self._line.answered(call_id)
        elif kind == "CALL_CLOSED":
            self._line.closed(call_id, param, busy=param.startswith(_BUSY_CODES))

    def _follow(self, call_id: str) -> None:
        """The first call baresip names while a dial waits is the one it dialled."""
        with self._state:
            if self._dialling is None or self._dialled is not None or call_id in self._seen_calls:
                return
            self._seen_calls.add(call_id)
            self._dialled = call_id
            self._line.dialled(call_id, self._dialling.number, self._dialling.at)

    def _hang_up_abandoned(self, call_id: str) -> bool:
        """Whether `call_id` is a dial baresip made after the dial command went unanswered
        (the screen was told the phone did not dial): hung up at once, never followed."""
        with self._state:
            late = self._abandoned is not None and self._dialling is None and call_id not in self._seen_calls and time.monotonic() - self._abandoned < _ABANDONED_FOR
            if late:
                self._seen_calls.add(call_id)
        if late:
            self._end_call_aside(call_id, dialled_late=True)
        return late

    def _give_up_unanswered(self) -> None:
        if (call_id := self._line.overdue()) is not None:
            self._end_call_aside(call_id)
