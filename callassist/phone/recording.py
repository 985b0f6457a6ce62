"""A call's recording, taken from where the phone wrote it into the data folder.

baresip's sndfile module writes two WAV files a call into its snd_path, named by the second
the call started: `dump-…-enc.wav` (what the collector said) and `dump-…-dec.wav` (what they
heard), closed when the call ends. `collect` waits for that pair, puts the two voices side
by side in one stereo file (the collector left, the debtor right) private to the user under
the data folder, removes the pair, and says what the call's log keeps of it: where it is,
its SHA-256, its length and its format."""

from __future__ import annotations

import array
import hashlib
import os
import stat
import time
import wave
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from callassist.core.phone import PhoneError
from callassist.core.private import open_private, private_dir, tighten

FORMAT = "wav: 2 channels (collector left, debtor right), 16-bit"
# How long a pair may take to appear and stop growing after the call ended.
WAIT_SECONDS = 5.0
_STEADY_SECONDS = 0.2
_LAST_WRITE_SECONDS = 3.0  # after the phone said the call ended, its pair is written no more
PIECE_FRAMES = 1 << 16  # frames read at a time, of each voice or of a recording


@dataclass(frozen=True)
class Recording:
    """A call's recording, as the call's log keeps it (`file` relative to the data folder)."""

    file: str
    sha256: str
    seconds: float
    format: str = FORMAT

    def as_payload(self) -> dict[str, object]:
        return {"file": self.file, "sha256": self.sha256, "seconds": self.seconds, "format": self.format}


def kept_at(data_dir: Path, named: str) -> Path | None:
    """Where the recording a call's log names is kept in this data folder; None when the
    name leads outside its recordings/ (a forged row may name any file, a link put in its
    place anywhere, or back to itself)."""
    try:
        folder = (data_dir / "recordings").resolve()
        path = (data_dir / named).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a loop of links
        return None
    return path if path.is_relative_to(folder) and path != folder else None


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read in pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while piece := file.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def collect(snd_path: Path, began_at: datetime, data_dir: Path, name: str, *, ended_at: datetime | None = None, wait: float = WAIT_SECONDS) -> Recording:
    """The recording of the call that began at `began_at` (answered then, or dialled when
    the answer was not seen) and ended at `ended_at` (when the phone said so), moved from
    `snd_path` into `data_dir`/recordings/`name`.wav. PhoneError, in one line, when none
    comes in time or it cannot be read or written.

    The pair taken is the one whose sound began nearest the call's beginning (an earlier
    call's ended before it; one that came in during it, or a later one made while
    callassist was stopped, began after it), and none written more than a few seconds
    after `ended_at`. The file is made
    beside its name and put in place whole, so a file found there already is whole: made
    from this call's pair before callassist stopped, not yet in the log, and taken as it is
    (the eighth and ninth attackers')."""
    if (earlier := _made_earlier(data_dir, name)) is not None:
        return earlier
    until = ended_at.timestamp() + _LAST_WRITE_SECONDS if ended_at is not None else None
    said, heard = _pair(snd_path, began_at.timestamp(), until, wait)
    folder = private_dir(data_dir / "recordings")
    tighten(folder)  # one made readable by other means is the user's alone again
    target, making = folder / f"{name}.wav", folder / f".{name}.wav.part"
    making.unlink(missing_ok=True)  # made afresh, private from its first byte
    try:
        seconds = _side_by_side(said, heard, making)
        os.replace(making, target)
        _keep_name(folder)
    except (OSError, wave.Error, EOFError, ValueError) as error:  # ValueError: samples cut mid-way
        making.unlink(missing_ok=True)
        raise PhoneError(f"the recording in {snd_path} cannot be read: {error}") from None
    said.unlink(missing_ok=True)
    heard.unlink(missing_ok=True)
    return Recording(str(target.relative_to(data_dir)), file_digest(target), seconds)


def recording_begun(snd_path: Path, dialled_at: datetime) -> bool:
    """Whether the phone began a recording after `dialled_at`: a call lost while ringing may
    have been answered while nobody watched the line."""
    try:
        return any(_written_file(path, dialled_at.timestamp() - 1) for path in snd_path.glob("dump-*-enc.wav"))
    except OSError:
        return True  # unreadable: collect says so


def _pair(snd_path: Path, began: float, until: float | None, wait: float) -> tuple[Path, Path]:
    """The enc/dec pair, last written from `began` to `until`, whose sound began nearest
    `began` (its last write less its length: the phone writes as the call goes), once
    neither file grows. A call that came in and ended during this one, or a later one,
    began later."""
    deadline = time.monotonic() + wait
    sizes: dict[Path, int] = {}
    while True:
        try:
            said = sorted((path for path in snd_path.glob("dump-*-enc.wav") if _written_file(path, began - 1, until)), key=lambda path: abs(_sound_began(path) - began), reverse=True)
        except OSError as error:
            raise PhoneError(f"the phone's recordings folder {snd_path} cannot be read: {error.strerror}") from None
        pair = None
        if said:
            heard = said[-1].with_name(said[-1].name.removesuffix("-enc.wav") + "-dec.wav")
            if _written_file(heard, began - 1, until):
                pair = (said[-1], heard)
        if pair is not None:
            now = {path: path.stat().st_size for path in pair}
            if now == sizes:
                return pair
            sizes = now
        if time.monotonic() > deadline:
            raise PhoneError(f"no recording of the call came to {snd_path} (is baresip's sndfile module loaded, with snd_path {snd_path}?)")
        time.sleep(_STEADY_SECONDS)


def _sound_began(path: Path) -> float:
    """When the phone began writing `path`: its last write less the sound it holds."""
    try:
        with wave.open(str(path), "rb") as sound:
            held = sound.getnframes() / sound.getframerate()
        return path.lstat().st_mtime - held
    except (OSError, wave.Error, EOFError, ZeroDivisionError):
        return float("inf")  # not a recording (yet): chosen last


def _keep_name(folder: Path) -> None:
    """The folder's names written to disk: the file's new name survives a crash with it."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _written_file(path: Path, since: float, until: float | None = None) -> bool:
    """Whether `path` is a plain file (not a link, a pipe or a device, which the phone never
    writes and reading could follow elsewhere or wait on forever) last changed from `since`
    to `until`."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_mtime >= since and (until is None or info.st_mtime <= until)


def _made_earlier(data_dir: Path, name: str) -> Recording | None:
    """The call's file in `data_dir`/recordings, if it is there (put there whole) and
    reads as a recording: its frames all there."""
    target = data_dir / "recordings" / f"{name}.wav"
    try:
        if not stat.S_ISREG(target.lstat().st_mode):
            return None  # a link put in its place leads to another file (the ninth attacker's), or anywhere
        with wave.open(str(target), "rb") as made:
            frames, frame_size, rate = made.getnframes(), made.getnchannels() * made.getsampwidth(), made.getframerate()
        if frames == 0 or target.stat().st_size < frames * frame_size:
            return None
        return Recording(str(target.relative_to(data_dir)), file_digest(target), round(frames / rate, 3))
    except (OSError, wave.Error, EOFError):
        return None


def _side_by_side(said: Path, heard: Path, target: Path) -> float:
    """The two mono files as one stereo file, the shorter padded with silence; its length.
    Read and written a piece at a time: an hour's call at 48 kHz is 700 MB of samples."""
    with wave.open(str(said), "rb") as left, wave.open(str(heard), "rb") as right:
        rate = left.getframerate()
        for path, voice in ((said, left), (heard, right)):
            if voice.getnchannels() != 1 or voice.getsampwidth() != 2 or voice.getframerate() != rate:
                raise wave.Error(f"{path.name} is not 16-bit mono at {rate} Hz")
        descriptor = open_private(target, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(descriptor, "wb") as file:
            with wave.open(file, "wb") as out:
                out.setnchannels(2)
                out.setsampwidth(2)
                out.setframerate(rate)
                frames = 0
                # Samples are moved whole, never read as numbers: the bytes' order does not matter.
                while (piece := _interleaved(left.readframes(PIECE_FRAMES), right.readframes(PIECE_FRAMES))) is not None:
                    out.writeframes(piece.tobytes())
                    frames += len(piece) // 2
            file.flush()
            os.fsync(file.fileno())
    return round(frames / rate, 3)


def _interleaved(said: bytes, heard: bytes) -> array.array[int] | None:
    """One piece of each voice, side by side (the shorter padded with silence); None when
    both have ended. ValueError for a piece cut mid-sample."""
    if not said and not heard:
        return None
    a, b = array.array("h", said), array.array("h", heard)
    frames = max(len(a), len(b))
    a.frombytes(bytes(2 * (frames - len(a))))
    b.frombytes(bytes(2 * (frames - len(b))))
    both = array.array("h", bytes(4 * frames))
    both[0::2], both[1::2] = a, b
    return both
