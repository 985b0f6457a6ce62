"""Real phones for the tests: baresip processes on loopback, each with its own config folder
and free ports, calling each other peer to peer (no registrar). The collector's is driven
through ctrl_tcp and records each call with the sndfile module; the debtor's answers by
itself (or leaves it to the test) and speaks a line made with espeak-ng. Every process a
test starts is stopped when it ends; none of these tests skips: without baresip, espeak-ng
or sox they fail, saying how to install them."""

from __future__ import annotations

import ctypes
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from callassist.core.phone import BaresipSetting, LineEvent
from callassist.phone.baresip import NetstringReader, netstring

TOOLS = ("baresip", "espeak-ng", "sox", "soxi")
MODULES = Path("/usr/lib/baresip/modules")
SPOKEN = "Hello, this is Li Wei from finance. I know the invoice is overdue. We will pay on Friday."
CALL_SECONDS = 20  # how long the sounds last: longer than any call here (a source that ends hangs up)
START_TIMEOUT = 5.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the phone tests need {', '.join(missing)}: apt-get install baresip espeak-ng sox (the README's test command installs them)", pytrace=False)


def run(*command: str | Path) -> str:
    return subprocess.run([str(part) for part in command], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def sounds(tmp_path_factory) -> dict[str, Path]:
    """The debtor's voice and the collector's silent microphone, as baresip's aufile wants
    them (16-bit signed mono PCM), each CALL_SECONDS long."""
    _require_tools()
    folder = tmp_path_factory.mktemp("sounds")
    run("espeak-ng", "-v", "en", "-w", folder / "spoken.wav", SPOKEN)
    run("sox", folder / "spoken.wav", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", folder / "debtor.wav", "pad", "0", str(CALL_SECONDS))
    run("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", folder / "collector.wav", "trim", "0", str(CALL_SECONDS))
    return {"debtor": folder / "debtor.wav", "collector": folder / "collector.wav"}


# The phones' ports come from below the kernel's ephemeral range (32768 and up, where every
# outgoing connection of the suite, to PostgreSQL say, takes its local port): a port probed
# free there could be taken by a connection of the other worker before baresip binds it,
# and the test would then drive another test's phone. Each xdist worker has its own block.
_PORT_BLOCK = 1000
_PORTS_FROM = 20000
_BLOCKS = (32768 - _PORTS_FROM) // _PORT_BLOCK  # twelve workers, each with its own block


def _free_port(span: int = 2) -> int:
    """The first of `span` ports in a row free for TCP and UDP (sip_listen binds PORT+1 for
    TLS; a phone's ctrl_tcp takes the third)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    first = _PORTS_FROM + int(worker.removeprefix("gw") or 0) % _BLOCKS * _PORT_BLOCK
    for _ in range(100):
        port = random.randrange(first, first + _PORT_BLOCK - span)
        if all(_bindable(port + offset, kind) for offset in range(span) for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM)):
            return port
    raise RuntimeError(f"no {span} free ports in a row on 127.0.0.1 between {first} and {first + _PORT_BLOCK}")


def _bindable(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _die_with_parent() -> None:
    """Run in the child before baresip starts: the kernel kills it if the test process dies
    before it could stop it (a worker killed on a timeout), so no phone outlives the tests."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class Baresip:
    """One running baresip: its account's SIP URI, its ctrl_tcp and its folders."""

    name: str
    folder: Path
    sip_port: int
    ctrl_port: int
    process: subprocess.Popen[bytes]
    recordings: Path  # where its sndfile module writes, when it records

    @property
    def uri(self) -> str:
        return f"sip:{self.name}@127.0.0.1:{self.sip_port}"

    @property
    def setting(self) -> BaresipSetting:
        return BaresipSetting("127.0.0.1", self.ctrl_port)

    def log(self) -> str:
        return (self.folder / "log").read_text(errors="replace")

    def command(self, command: str, params: str | None = None) -> str:
        """Runs a ctrl_tcp command (taking ctrl_tcp over from whoever held it) and returns
        baresip's reply."""
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as link:
            link.sendall(netstring({"command": command, "params": params, "token": "test"} if params else {"command": command, "token": "test"}))
            reader = NetstringReader()
            while data := link.recv(65536):
                for message in reader.feed(data):
                    if message.get("response"):
                        return str(message.get("data", ""))
        assert self.process.poll() is None, f"{self.name}'s baresip died before answering {command!r}:\n{self.log()}"
        raise AssertionError(f"{self.name}'s baresip closed ctrl_tcp before answering {command!r}:\n{self.log()}")


class Phones:
    """Starts baresip processes for one test and stops every one of them after it."""

    def __init__(self, folder: Path, sounds: dict[str, Path]) -> None:
        self.folder, self.sounds = folder, sounds
        self.started: list[Baresip] = []

    def start(self, name: str, *, answermode: str, record: bool = False) -> Baresip:
        for _ in range(4):  # another process may take a port between the probe and baresip's bind
            if self._ready(phone := self._launch(name, answermode, record)):
                return phone
        pytest.fail(f"{name}'s baresip did not start; its last log:\n{phone.log()}", pytrace=False)

    def _launch(self, name: str, answermode: str, record: bool) -> Baresip:
        folder = self.folder / f"{name}-{len(self.started)}"
        folder.mkdir()
        # One probe for the three: the ctrl port probed apart could be the SIP port's TLS
        # neighbour, free until baresip binds it for TLS, and the tests' commands then went
        # to the TLS listener, which closed them ("baresip closed the connection").
        sip_port = _free_port(span=3)
        ctrl_port = sip_port + 2
        config = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{sip_port}",
            f"audio_source aufile,{self.sounds[name]}",
            f"audio_player aufile,{folder / 'heard.wav'}",
            "audio_alert aufile,/dev/null",
            f"module_path {MODULES}",
            "module g711.so",
            "module aufile.so",
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        ]
        # Outside pytest's folders (seen in full runs: a recording written there was gone
        # when the test looked; never with the phone tests alone), removed by stop_all.
        recordings = Path(tempfile.mkdtemp(prefix=f"callassist-{name}-recordings-")) if record else folder / "recordings"
        if record:
            config += ["module sndfile.so", f"snd_path {recordings}"]
        (folder / "config").write_text("\n".join(config) + "\n")
        (folder / "accounts").write_text(f"<sip:{name}@127.0.0.1:{sip_port}>;regint=0;answermode={answermode}\n")
        with (folder / "log").open("wb") as log:
            process = subprocess.Popen(["baresip", "-f", str(folder)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        phone = Baresip(name, folder, sip_port, ctrl_port, process, recordings)
        self.started.append(phone)
        return phone

    def _ready(self, phone: Baresip) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if phone.process.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", phone.ctrl_port), timeout=1).close()
                return True
            except OSError:
                time.sleep(0.01)
        self.stop(phone)
        return False

    def stop(self, phone: Baresip) -> None:
        if phone.process.poll() is None:
            phone.process.terminate()
            try:  # a baresip with a call up says goodbye first; to a dead peer that takes long
                phone.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                phone.process.kill()
                phone.process.wait(timeout=3)

    def stop_all(self) -> None:
        for phone in self.started:
            self.stop(phone)
            shutil.rmtree(phone.recordings, ignore_errors=True)
        assert all(phone.process.poll() is not None for phone in self.started)


@pytest.fixture
def phones(tmp_path, sounds) -> Iterator[Phones]:
    started = Phones(tmp_path, sounds)
    yield started
    started.stop_all()


@pytest.fixture
def collector(phones) -> Baresip:
    """The collector's softphone: answers nothing by itself, records every call."""
    return phones.start("collector", answermode="manual", record=True)


@pytest.fixture
def debtor(phones) -> Baresip:
    """The debtor's softphone, answering by itself and speaking."""
    return phones.start("debtor", answermode="auto")


class Events:
    """The line events a phone delivers, for a test to wait on."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[LineEvent] = queue.SimpleQueue()
        self.seen: list[LineEvent] = []

    def put(self, event: LineEvent) -> None:
        self.queue.put(event)

    def wait_for(self, kind: str, timeout: float = 5.0) -> LineEvent:
        """The first event of `kind` from now on; the events before it are kept in `seen`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.queue.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if event.kind == kind:
                return event
        pytest.fail(f"no {kind} event within {timeout:g} s; seen: {[event.kind for event in self.seen]}", pytrace=False)

    def settle(self, quiet: float = 0.5) -> list[LineEvent]:
        """Every event until none comes for `quiet` seconds."""
        while True:
            try:
                self.seen.append(self.queue.get(timeout=quiet))
            except queue.Empty:
                return self.seen


@pytest.fixture
def events() -> Events:
    return Events()
