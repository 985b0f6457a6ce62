"""Where the content the program ships with lies: inside the package once installed from a
wheel or an sdist (the build copies the checkout's scripts/ and objections/ there, see
setup.py), at the top of the source checkout otherwise (an editable install). No symbolic
link is involved, so a checkout on any system finds it."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def shipped(name: str) -> Path:
    """The shipped folder `name` (scripts or objections)."""
    inside = _PACKAGE / "content" / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


SHIPPED_SCRIPTS = shipped("scripts")
SHIPPED_OBJECTIONS = shipped("objections")
