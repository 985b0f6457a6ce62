"""A form whose fields survive a crash: it opens on the last draft and hands every change
to `keep`, which the call screen writes to disk off the UI thread. Its free text can be
checked before it is saved (forbidden language in a note)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class DraftedForm(ModalScreen[Result], Generic[Result]):
    def __init__(self, draft: dict, keep: Callable[[dict], None], check: Callable[[str], list[str]] | None = None) -> None:
        super().__init__()
        self.draft = draft
        self._keep = keep
        self._check = check
        self._warned: str | None = None

    def warnings_first(self, text: str) -> list[str]:
        """What is wrong in `text` the first time it is saved; saved again unchanged, it
        goes as written (the collector was told)."""
        if self._check is None or not text or text == self._warned:
            return []
        problems = self._check(text)
        self._warned = text if problems else None
        return problems

    def keep_fields(self, fields: dict) -> None:
        if fields != self.draft:
            self.draft = fields
            self._keep(fields)
