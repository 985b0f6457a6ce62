"""Problems found in trainer content, each pointing at a file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}{hint}"


class ContentError(Exception):
    """Trainer content that cannot be used; carries every problem found, sorted."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """A path as short as it can be said: relative to the working directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def link_problem(path: Path) -> Problem | None:
    """A trainer's file or folder that is a symbolic link is not followed: it could bring
    in a file from anywhere on the machine, unseen by whoever reviews the content."""
    if not path.is_symlink():
        return None
    try:
        target = str(path.readlink())
    except OSError:
        target = "elsewhere"
    shown = str(Path(display_path(path.parent)) / path.name)  # the link's own name, not its target's
    return Problem(shown, 1, 1, "E005", f"is a link to {target}, which is not read", "trainer content is real files in its own folder: copy the file in")
