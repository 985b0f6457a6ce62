"""Command palette: find an account by debtor name, contact or phone, and call it."""

from __future__ import annotations

from functools import partial

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.widgets.option_list import Option

from callassist.core.i18n import label


def _display(candidate: str, query: str) -> Text:
    """The candidate as literal text (names are data, never markup), the query highlighted."""
    text = Text(candidate)
    if query:
        text.highlight_words([query], style="bold underline", case_sensitive=False)
    return text


class Palette(CommandPalette):
    """Textual's palette, saying "no match" in the collector's language."""

    def __init__(self, locale: str, placeholder: str, **kwargs) -> None:
        super().__init__(placeholder=placeholder, **kwargs)
        self.locale = locale

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own says "No matches found" in English whatever the language.
        self._stop_no_matches_countdown()
        if search_value:
            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, self._say_no_match)
        else:
            self._list_visible = False

    def _say_no_match(self) -> None:
        no_match = Align.center(Text(label("palette_no_match", self.locale), style="not bold"))
        self.query_one(CommandList).add_option(Option(no_match, disabled=True, id=self._NO_MATCHES))
        self._list_visible = True


class AccountCommands(Provider):
    async def search(self, query: str) -> Hits:
        app = self.app
        matcher = self.matcher(query)
        for account_id, debtor, contact, phone in app.accounts:
            candidate = f"{debtor} · {contact} · {phone}"
            digits = "".join(ch for ch in phone if ch.isdigit())
            score = matcher.match(candidate)
            if query.replace(" ", "").isdigit() and query.replace(" ", "") in digits:
                score = max(score, 1.0)
            if score > 0:
                yield Hit(score, _display(candidate, query.strip()), partial(app.begin_call, account_id), text=candidate, help=label("start_call", app.locale))

    async def discover(self) -> Hits:
        app = self.app
        for account_id, debtor, contact, phone in app.accounts[:20]:
            candidate = f"{debtor} · {contact} · {phone}"
            yield DiscoveryHit(Text(candidate), partial(app.begin_call, account_id), text=candidate, help=label("start_call", app.locale))
