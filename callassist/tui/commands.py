"""Command palette: find an account by debtor name, contact or phone, and call it."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from callassist.core.i18n import label


def _display(candidate: str, query: str) -> Text:
    """The candidate as literal text (names are data, never markup), the query highlighted."""
    text = Text(candidate)
    if query:
        text.highlight_words([query], style="bold underline", case_sensitive=False)
    return text


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
