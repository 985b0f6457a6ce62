"""A form whose fields survive a crash: it opens on the last draft and hands every change
to `keep`, which the call screen writes to disk off the UI thread."""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class DraftedForm(ModalScreen[Result], Generic[Result]):
    def __init__(self, draft: dict, keep: Callable[[dict], None]) -> None:
        super().__init__()
        self.draft = draft
        self._keep = keep

    def keep_fields(self, fields: dict) -> None:
        if fields != self.draft:
            self.draft = fields
            self._keep(fields)
