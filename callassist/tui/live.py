"""Screens that follow the team's calls as they happen read them again after a pause,
never back to back: at least a few seconds, and longer the longer a read took, so that a
large database is never read without rest by a screen left open."""

from __future__ import annotations

LIVE_SECONDS = 5.0
REST_FACTOR = 4  # the pause is at least this many times the read


def next_read_in(seconds_taken: float) -> float:
    return max(LIVE_SECONDS, REST_FACTOR * seconds_taken)


def read_again(screen, seconds_taken: float, read) -> None:
    """From the worker that read: `read` again after the rest, if the screen is still open."""

    def schedule() -> None:
        if screen.is_attached:
            screen.set_timer(next_read_in(seconds_taken), read)

    screen.app.call_from_thread(schedule)
