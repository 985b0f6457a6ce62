"""The six excuses at one key each, and where the collector stands on a ladder."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from callassist.core.call import LadderPosition
from callassist.core.i18n import fmt_list, label

PRINCIPLE_WORDS = {
    "en": {"reason": "reason", "relationship": "relationship", "interest": "interest", "law": "law"},
    "zh": {"reason": "晓之以理", "relationship": "动之以情", "interest": "导之以利", "law": "施之以法"},
}
COUNTER_WORDS = {
    "en": {"persist": "persist", "stick": "stick", "frequent": "frequent", "press": "press", "quick": "quick"},
    "zh": {"persist": "缠", "stick": "粘", "frequent": "勤", "press": "逼", "quick": "快"},
}


def describe_rung(position: LadderPosition, locale: str) -> Text:
    """The rung on one line: excuse, rung of rungs, its principle and counters."""
    text = Text()
    text.append(f"{position.excuse_name} ", style="bold")
    text.append(label("rung", locale, rung=position.rung, rungs=position.rungs))
    colon = "：" if locale == "zh" else ": "  # Chinese punctuation in Chinese
    text.append(f" · {label('principle', locale)}{colon}", style="dim")
    # A stored rung is shown as it was, in words the program has or as it is stored.
    text.append(PRINCIPLE_WORDS[locale].get(position.principle, str(position.principle)))
    text.append(f" · {label('counters', locale)}{colon}", style="dim")
    text.append(fmt_list((COUNTER_WORDS[locale].get(c, str(c)) for c in position.counters), locale))
    return text


class ObjectionPanel(Static):
    shown: tuple | None = None

    def show(self, locale: str, position: LadderPosition | None, allowed: bool, verified: bool = False) -> None:
        """The excuses' keys and the rung on screen; on the last rung, what to do if it fails
        in place of the keys (known by then); when excuses cannot be answered now, why."""
        key = (locale, position, allowed, verified)
        if key == self.shown:
            return
        self.shown = key
        text = Text()
        if position and position.rung == position.rungs:
            text.append(label("last_rung", locale, excuse=position.excuse_name), style="bold yellow")
        else:
            text.append(f"{label('objections', locale)}  ", style="dim")
            text.append(label("objection_keys", locale))
        if position:
            text.append("\n")
            text.append_text(describe_rung(position, locale))
        elif not allowed:
            text.append("\n")
            text.append(label("objections_not_now" if verified else "objections_locked", locale), style="dim")
        # Always two lines tall (see call.tcss): a new rung never re-lays out the screen.
        self.update(text, layout=False)
