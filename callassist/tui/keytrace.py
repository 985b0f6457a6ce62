"""Where a keystroke's time goes, for `callassist bench` (CALLASSIST_KEY_TRACE names a file).

Off unless the variable is set: each change the call screen stores appends one JSON line
with the moments of its stages (perf_counter seconds) and the garbage collector's pauses
since the line before, so the bench can say how much went to making the events, storing
them, handing the result back to the screen, and laying out and painting the new step.
"""

from __future__ import annotations

import gc
import json
import os
import time

STAGES = ("key", "made", "stored", "received", "painted")
_path = os.environ.get("CALLASSIST_KEY_TRACE")
_stamps: dict[str, float] = {}
_pauses: list[float] = []
_gc_started: list[float] = []


def _watch_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        _pauses.append(time.perf_counter() - _gc_started.pop())


if _path:
    gc.callbacks.append(_watch_gc)


def mark(stage: str) -> None:
    """The keystroke being handled reached `stage` (one of STAGES); "key" starts a new one."""
    if not _path:
        return
    if stage == "key":
        _stamps.clear()
    _stamps[stage] = time.perf_counter()
    if stage == STAGES[-1] and len(_stamps) == len(STAGES):
        with open(_path, "a", encoding="utf-8") as trace:
            trace.write(json.dumps({"stamps": _stamps, "gc": _pauses}) + "\n")
        _stamps.clear()
        _pauses.clear()
