"""Taking a call's recording from where the phone wrote it: the pair it wrote for this call,
side by side in one private stereo file under the data folder, its hash and length; a pair
that never comes, or a file that is not the phone's, is one line saying so."""

from __future__ import annotations

import array
import os
import time
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callassist.core.phone import PhoneError, parse_phone_setting
from callassist.phone.recording import collect, file_digest


def _voice(path: Path, samples: list[int], rate: int = 8000, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(array.array("h", samples).tobytes())


def test_the_pair_of_this_call_becomes_one_private_stereo_file(tmp_path):
    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    dialled = datetime.now(UTC)
    old = written / "dump-20200101-000000-sip:x-enc.wav"  # an earlier call's, left there
    _voice(old, [9] * 8)
    os.utime(old, (0, 0))
    _voice(written / "dump-20200101-000000-sip:x-dec.wav", [9] * 8)
    os.utime(written / "dump-20200101-000000-sip:x-dec.wav", (0, 0))
    _voice(written / "dump-20261205-101500-sip:debtor-enc.wav", [100, 200, 300, 400] * 4000)  # 2 s said
    _voice(written / "dump-20261205-101500-sip:debtor-dec.wav", [-5] * 12000)  # 1.5 s heard
    made = collect(written, dialled, data, "call-1", wait=1)
    kept = data / made.file
    assert made.file == "recordings/call-1.wav" and made.seconds == 2.0 and made.sha256 == file_digest(kept)
    assert kept.stat().st_mode & 0o077 == 0 and (data / "recordings").stat().st_mode & 0o077 == 0
    with wave.open(str(kept), "rb") as stereo:
        assert (stereo.getnchannels(), stereo.getframerate(), stereo.getnframes()) == (2, 8000, 16000)
        frames = array.array("h", stereo.readframes(4))
    assert list(frames) == [100, -5, 200, -5, 300, -5, 400, -5]  # the collector left, the debtor right
    assert sorted(path.name for path in written.iterdir()) == ["dump-20200101-000000-sip:x-dec.wav", "dump-20200101-000000-sip:x-enc.wav"]


def test_no_recording_in_time_or_one_not_the_phones_is_one_line(tmp_path):
    written = tmp_path / "snd"
    written.mkdir()
    dialled = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(PhoneError, match="no recording of the call came to .* sndfile") as none:
        collect(written, dialled, tmp_path / "data", "call-2", wait=0.3)
    _voice(written / "dump-1-enc.wav", [1, 2], channels=2)
    _voice(written / "dump-1-dec.wav", [1, 2])
    with pytest.raises(PhoneError, match="dump-1-enc.wav is not 16-bit mono") as odd:
        collect(written, dialled, tmp_path / "data", "call-2", wait=1)
    assert "\n" not in str(none.value) + str(odd.value) and not (tmp_path / "data" / "recordings" / "call-2.wav").exists()


def test_the_baresip_setting_names_where_it_records():
    setting = parse_phone_setting("baresip://127.0.0.1:4444?recordings=/home/wang/.baresip/calls")
    assert setting.recordings == "/home/wang/.baresip/calls" and parse_phone_setting(str(setting)) == setting
    hostile = (  # found by the attackers
        "baresip://:pw@127.0.0.1:4444",
        "baresip://127.0.0.1:4444?recordings=/tmp/x&recordings=/etc",
        "baresip://127.0.0.1:4444?recordings=/tmp/a%00b",
        "baresip://127.0.0.1:4444?recordings=/tmp/%ff",
        "baresip://127.0.0.1:4444?recordings=/tmp/a%0Ab",
    )
    for bad in ("baresip://127.0.0.1:4444?recordings=calls", "baresip://127.0.0.1:4444?record=/x", *hostile):
        with pytest.raises(PhoneError, match="recordings=/ABSOLUTE/FOLDER"):
            parse_phone_setting(bad)


def test_a_pipe_or_a_link_in_the_phones_folder_is_never_read(tmp_path):
    """Found by the attacker: a FIFO named like the phone's file made the collection wait
    forever (and the call's end with it); a link could make it read any file. Only plain
    files are taken; anything else is as if no recording came."""
    written = tmp_path / "snd"
    written.mkdir()
    dialled = datetime.now(UTC) - timedelta(seconds=1)
    _voice(written / "dump-1-enc.wav", [1] * 80)
    os.mkfifo(written / "dump-1-dec.wav")
    started = time.monotonic()
    with pytest.raises(PhoneError, match="no recording of the call came"):
        collect(written, dialled, tmp_path / "data", "call-3", wait=0.5)
    assert time.monotonic() - started < 5
    (written / "dump-1-dec.wav").unlink()
    secret = tmp_path / "secret.wav"
    _voice(secret, [3] * 80)
    (written / "dump-1-dec.wav").symlink_to(secret)
    with pytest.raises(PhoneError, match="no recording of the call came"):
        collect(written, dialled, tmp_path / "data", "call-3", wait=0.5)
    assert secret.exists() and not (tmp_path / "data" / "recordings" / "call-3.wav").exists()


def test_a_pair_cut_mid_sample_is_one_line_and_a_readable_folder_is_tightened(tmp_path):
    """Found by the attacker: a file cut mid-sample stopped the program (a ValueError from
    the samples); and a recordings folder made readable by other means stayed so."""
    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    (data / "recordings").mkdir(parents=True, mode=0o755)
    (data / "recordings").chmod(0o755)
    dialled = datetime.now(UTC) - timedelta(seconds=1)
    _voice(written / "dump-2-enc.wav", [1] * 800)
    _voice(written / "dump-2-dec.wav", [1] * 800)
    with open(written / "dump-2-dec.wav", "r+b") as file:
        file.truncate(44 + 1001)
    with pytest.raises(PhoneError, match="cannot be read"):
        collect(written, dialled, data, "call-4", wait=1)
    assert (data / "recordings").stat().st_mode & 0o077 == 0 and not (data / "recordings" / "call-4.wav").exists()


def test_a_forged_row_never_reaches_a_file_outside_the_recordings(tmp_path):
    """What audit verify, export, purge and the replay read of a recording goes through
    kept_at: a row the program did not write may name any path."""
    from callassist.phone.recording import kept_at

    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "link.wav").symlink_to("/etc/passwd")
    for forged in ("../keep.txt", "/etc/passwd", "recordings/../callassist.db", "recordings", "recordings/link.wav", ""):
        assert kept_at(tmp_path, forged) is None, forged
    assert kept_at(tmp_path, "recordings/call-1.wav") == (tmp_path / "recordings" / "call-1.wav").resolve()


def test_a_long_call_is_put_side_by_side_a_piece_at_a_time(tmp_path):
    """Found by the attacker: both voices were read whole, then copied twice (an hour at
    48 kHz is 700 MB of samples). Two minutes at 48 kHz now take a few pieces' memory,
    and the voices stay in step across the pieces."""
    import tracemalloc

    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    rate, said_frames, heard_frames = 48000, 120 * 48000, 70001
    with wave.open(str(written / "dump-2-enc.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(array.array("h", range(-16000, 16000)).tobytes() * (said_frames // 32000))
    _voice(written / "dump-2-dec.wav", [7] * heard_frames, rate=rate)
    tracemalloc.start()
    try:
        made = collect(written, datetime.now(UTC) - timedelta(seconds=1), data, "call-long", wait=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made.seconds == 120.0 and peak < 4_000_000, peak  # the two files hold 23 MB of samples
    with wave.open(str(data / made.file), "rb") as stereo:
        stereo.setpos(heard_frames - 2)
        frames = array.array("h", stereo.readframes(3))
        stereo.setpos(said_frames - 1)
        last = array.array("h", stereo.readframes(1))
    expected = [(heard_frames - 2) % 32000 - 16000, 7, (heard_frames - 1) % 32000 - 16000, 7, heard_frames % 32000 - 16000, 0]
    assert list(frames) == expected and list(last) == [15999, 0]


def test_a_recording_made_before_the_program_stopped_is_taken_as_it_is(tmp_path):
    """Found by the seventh attacker: the program stopped after the pair had become the
    call's file but before its log had it; the resumed call found no pair and said none had
    come ("is baresip's sndfile module loaded?"), the file in the data folder named by no log."""
    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    (data / "recordings").mkdir(parents=True)
    _voice(data / "recordings" / "call-1.wav", [1, 2] * 8000, channels=2)  # 1 s, side by side
    made = collect(written, datetime.now(UTC), data, "call-1", wait=0.2)
    assert made.file == "recordings/call-1.wav" and made.seconds == 1.0 and made.sha256 == file_digest(data / "recordings" / "call-1.wav")
    with pytest.raises(PhoneError, match="no recording of the call came"):
        collect(written, datetime.now(UTC), data, "call-2", wait=0.2)  # none for this one


def test_a_later_calls_recording_is_never_taken_for_this_ones(tmp_path):
    """Found by the eighth attacker: killed as the pair became the call's file, then another
    call recorded, then the first resumed: the pair searched for was the newest since the
    dial, the later call's, which replaced the call's own file; audit said it was as recorded."""
    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    (data / "recordings").mkdir(parents=True)
    ended = datetime.now(UTC) - timedelta(minutes=5)
    _voice(data / "recordings" / "call-1.wav", [1, 2] * 8000, channels=2)  # its own, whole
    for side in ("enc", "dec"):
        _voice(written / f"dump-20261205-201000-{side}.wav", [7] * 800)  # the later call's
    own = data / "recordings" / "call-1.wav"
    made = collect(written, ended - timedelta(seconds=30), data, "call-1", ended_at=ended, wait=0.2)
    assert made.sha256 == file_digest(own) and made.seconds == 1.0
    own.unlink()  # stopped before the pair became its file: its own pair, not the later one
    for side in ("enc", "dec"):
        _voice(written / f"dump-20261205-200500-{side}.wav", [5] * 1600)
        os.utime(written / f"dump-20261205-200500-{side}.wav", (ended.timestamp(), ended.timestamp()))
    made = collect(written, ended - timedelta(seconds=30), data, "call-1", ended_at=ended, wait=0.2)
    assert made.seconds == 0.2 and (written / "dump-20261205-201000-enc.wav").exists()
    half = data / "recordings" / "call-2.wav"  # cut off as it was written: not taken as it is
    half.write_bytes((data / "recordings" / "call-1.wav").read_bytes()[:60])
    with pytest.raises(PhoneError, match="no recording of the call came"):
        collect(written, ended - timedelta(seconds=30), data, "call-2", ended_at=ended - timedelta(minutes=1), wait=0.2)


def test_a_lost_lines_recording_is_the_one_begun_at_the_answer(tmp_path):
    """Found by the ninth attacker: killed mid-talk, the debtor hung up on the phone, then
    another call on the same phone; resumed, the call (its line lost, so no end to bound
    by) took the newest pair, the later call's. Its recheck: a call that came in and ended
    during this one was taken as the first pair ended after the answer. The pair taken is
    the one whose sound began nearest the answer."""
    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    answered = datetime.now(UTC) - timedelta(minutes=5)
    calls = (
        ("dump-20261205-200000", 1, answered - timedelta(minutes=2)),  # an earlier call's
        ("dump-20261205-200500", 8, answered + timedelta(seconds=8)),  # this call's: 8 s from the answer
        ("dump-20261205-200503", 2, answered + timedelta(seconds=5)),  # the recheck's: one that came in and ended during it
        ("dump-20261205-200600", 1, answered + timedelta(minutes=1)),  # a later call's
    )
    for name, seconds, at in calls:
        for side in ("enc", "dec"):
            _voice(written / f"{name}-{side}.wav", [5] * (8000 * seconds))
            os.utime(written / f"{name}-{side}.wav", (at.timestamp(), at.timestamp()))
    made = collect(written, answered, data, "call-1", wait=0.2)
    assert made.seconds == 8.0 and all((written / f"{name}-enc.wav").exists() for name, seconds, _ in calls if seconds != 8)


def test_the_calls_file_is_put_in_place_whole(tmp_path, monkeypatch):
    """Found by the ninth attacker: killed mid-copy, the file held the first piece under a
    header counting that piece alone, and was taken as whole at resume (8 s of a 12 s call).
    The file is made beside its name and renamed once written: its name is never half a file."""
    from callassist.phone import recording

    written, data = tmp_path / "snd", tmp_path / "data"
    written.mkdir()
    for side in ("enc", "dec"):
        _voice(written / f"dump-20261205-200500-{side}.wav", [5] * 1600)

    def killed_mid_way(said, heard, target):
        target.write_bytes(b"RIFF" + b"\0" * 100)
        raise OSError("killed")

    monkeypatch.setattr(recording, "_side_by_side", killed_mid_way)
    with pytest.raises(PhoneError):
        collect(written, datetime.now(UTC) - timedelta(minutes=1), data, "call-1", wait=0.2)
    assert not (data / "recordings" / "call-1.wav").exists()
    monkeypatch.undo()
    (data / "recordings" / ".call-1.wav.part").write_bytes(b"RIFF")  # as a kill -9 leaves it
    made = collect(written, datetime.now(UTC) - timedelta(minutes=1), data, "call-1", wait=0.2)
    assert made.seconds == 0.2 and not (data / "recordings" / ".call-1.wav.part").exists()
    for side in ("enc", "dec"):  # the ninth attacker's: a link at a live call's name, to another call's file
        _voice(written / f"dump-20261205-200700-{side}.wav", [5] * 2400)
    (data / "recordings" / "call-2.wav").symlink_to(data / "recordings" / "call-1.wav")
    made = collect(written, datetime.now(UTC) - timedelta(minutes=1), data, "call-2", wait=0.2)
    assert made.seconds == 0.3 and not (data / "recordings" / "call-2.wav").is_symlink()
