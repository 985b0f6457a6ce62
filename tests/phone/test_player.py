"""Playing a recording from an event's place in it: the part from there on goes to the
first player the computer has; with none, nothing starts and the screen says so."""

from __future__ import annotations

import array
import os
import time
import wave

from callassist.phone.player import RecordingPlayer


def _recording(path, seconds: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        samples = array.array("h", range(-32768, 32768)) * (2 * 48000 * seconds // 65536 + 1)  # each telling its place
        out.writeframes(samples[: 2 * 48000 * seconds].tobytes())


def test_the_part_from_the_event_on_is_played_by_the_player_found(tmp_path, monkeypatch):
    recording = tmp_path / "call.wav"
    _recording(recording, 10)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    heard = tmp_path / "heard.wav"
    fake = bin_dir / "aplay"  # copies what it is given to play
    fake.write_text(f'#!/bin/sh\nfor last; do :; done\n/bin/cp "$last" {heard}\necho "$last" > {tmp_path / "given"}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    player = RecordingPlayer()
    assert player.play(recording, 7.5) == "aplay"
    for _ in range(100):
        if (tmp_path / "given").exists():
            break
        time.sleep(0.05)
    player.stop()
    with wave.open(str(heard), "rb") as played:
        assert (played.getnchannels(), played.getnframes()) == (2, 120000)  # the last 2.5 s, copied in pieces
        assert list(array.array("h", played.readframes(1))) == [720000 % 65536 - 32768, 720001 % 65536 - 32768]
    given = (tmp_path / "given").read_text().strip()
    assert "callassist-play-" in given and not os.path.exists(given)  # the part played is gone once stopped


def test_without_a_player_nothing_starts(tmp_path, monkeypatch):
    recording = tmp_path / "call.wav"
    _recording(recording, 1)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert RecordingPlayer().play(recording, 0) is None
