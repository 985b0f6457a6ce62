"""Key-bar keys described in the collector's language (Textual's BINDINGS are per class)."""

from __future__ import annotations

from textual.screen import Screen

from callassist.core.i18n import label


def bind_localized(screen: Screen, locale: str, keys: list[tuple[str, str, str, str | None]]) -> None:
    """Bind (key, action, label key, key display) on this screen instance."""
    for key, action, label_key, display in keys:
        screen._bindings.bind(key, action, label(label_key, locale), key_display=display)
    screen.refresh_bindings()
