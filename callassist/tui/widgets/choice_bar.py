"""What the debtor may do next: one key each, only the choices the machine allows now."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from callassist.core.call import Choice


class ChoiceBar(Static):
    def show(self, choices: list[Choice], heading: str, extra: list[tuple[str, str]] = ()) -> None:
        text = Text()
        text.append(f"{heading}  ", style="dim")
        items = [(c.key, c.label) for c in choices] + list(extra)
        for index, (key, words) in enumerate(items):
            if index:
                text.append("   ")
            # Non-breaking spaces keep a key and its words on one line when the bar wraps.
            text.append(f"\u00a0{key}\u00a0", style="reverse bold")
            text.append("\u00a0" + words.replace(" ", "\u00a0"))
        self.update(text)
