"""Playing a call's recording from any point, with a player the computer has: ffplay,
paplay, aplay or sox's play, whichever is found first. The part from that point on is
written to a private temporary file first (not every player can start mid-file)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from callassist.phone.recording import PIECE_FRAMES

PLAYERS: dict[str, list[str]] = {
    "ffplay": ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"],
    "paplay": ["paplay"],
    "aplay": ["aplay", "-q"],
    "play": ["play", "-q"],
}


def found_player() -> str | None:
    """The first player this computer has, or None."""
    return next((name for name in PLAYERS if shutil.which(name)), None)


class RecordingPlayer:
    """One recording played at a time; a new one, or stop(), ends the one before."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None

    def play(self, recording: Path, at: float) -> str | None:
        """Start playing `recording` `at` seconds in; the player's name, or None when the
        computer has none. OSError or wave.Error when the file cannot be read."""
        player = found_player()
        if player is None:
            return None
        self.stop()
        self._folder = Path(tempfile.mkdtemp(prefix="callassist-play-"))  # 0700, as mkdtemp makes it
        part = self._folder / "from-here.wav"
        with wave.open(str(recording), "rb") as whole, wave.open(str(part), "wb") as rest:
            rest.setparams(whole.getparams())
            whole.setpos(min(whole.getnframes(), max(0, int(at * whole.getframerate()))))
            while frames := whole.readframes(PIECE_FRAMES):  # a piece at a time: an hour is 700 MB
                rest.writeframes(frames)
        self._process = subprocess.Popen([*PLAYERS[player], str(part)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return player

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=3)
        self._process = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
