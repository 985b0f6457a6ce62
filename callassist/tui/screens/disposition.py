"""End the call: the outcome, a note where the outcome needs one, the next contact date,
and whether the contact asked not to be called again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from callassist.core.call import NOTE_REQUIRED
from callassist.core.compliance import STOPS
from callassist.core.flow import DISPOSITIONS
from callassist.core.i18n import label
from callassist.core.promises import parse_when
from callassist.tui.screens.drafted import DraftedForm


class DispositionScreen(DraftedForm[tuple[str, str, date | None, datetime | None, str | None] | None]):
    CSS_PATH = "disposition.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(
        self, locale: str, suggested: str | None, has_promise: bool, local_now: datetime, day_starts: time, draft: dict, keep: Callable[[dict], None], check: Callable[[str], list[str]] | None = None, window: tuple[time, time] | None = None
    ) -> None:
        super().__init__(draft, keep, check)
        self.local_now = local_now  # the debtor's clock: a next contact is typed in their time
        self.window = window  # the hours the contact rules allow calls, their time (None: no rules)
        # A date alone means the start of their working day, and never before calls are allowed.
        self.day_starts = max(day_starts, window[0]) if window else day_starts
        self.locale = locale
        self.suggested = suggested
        self.has_promise = has_promise
        self.error_shown = False

    def compose(self) -> ComposeResult:
        t = lambda key: label(key, self.locale)  # noqa: E731
        with Vertical(id="disposition-box"):
            yield Static(t("disposition_title"), classes="title", markup=False)
            yield Label(t("disposition"), markup=False)
            yield Select([(t(f"disp_{d}"), d) for d in DISPOSITIONS], id="disposition", compact=True, prompt="—", value=self.suggested or Select.NULL)
            yield Label(t("disposition_note_optional"), id="note-label", markup=False)
            yield Input(id="note", compact=True)
            yield Label(t("next_contact"), markup=False)
            yield Input(id="next-contact", compact=True, placeholder=t("next_contact_placeholder"))
            yield Label(t("contact_stop"), markup=False)
            yield Select([(t(f"stop_{stop}"), stop) for stop in STOPS], id="contact-stop", compact=True, prompt="—")
            yield Static(id="disposition-errors")
            with Horizontal(classes="buttons"):
                yield Button(f"Ctrl+S {t('save')}", id="save", variant="primary", compact=True)
                yield Button(f"Esc {t('cancel')}", id="cancel", compact=True)

    def on_mount(self) -> None:
        draft = self.draft
        if draft.get("disposition"):
            self.query_one("#disposition", Select).value = draft["disposition"]
        self.query_one("#note", Input).value = draft.get("note", "")
        self.query_one("#next-contact", Input).value = draft.get("next_contact", "")
        if draft.get("contact_stop"):
            self.query_one("#contact-stop", Select).value = draft["contact_stop"]
        self._note_label()
        self.query_one("#disposition", Select).focus()

    def _value(self, select: str = "#disposition") -> str | None:
        value = self.query_one(select, Select).value
        return None if value is Select.NULL else str(value)

    def _note_label(self) -> None:
        key = "disposition_note" if self._value() in NOTE_REQUIRED else "disposition_note_optional"
        self.query_one("#note-label", Label).update(label(key, self.locale))

    @on(Select.Changed)
    @on(Input.Changed)
    def changed(self) -> None:
        self._note_label()
        if self.error_shown:  # an error goes as soon as what it asked for is there
            error, _ = self.problem(warn=False)
            self.show_error(error)
        fields = {"disposition": self._value() or "", "note": self.query_one("#note", Input).value, "next_contact": self.query_one("#next-contact", Input).value, "contact_stop": self._value("#contact-stop") or ""}
        self.keep_fields(fields)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def _when(self) -> tuple[datetime | None, bool]:
        next_text = self.query_one("#next-contact", Input).value.strip()
        parsed = parse_when(next_text, self.local_now, self.day_starts) if next_text else None
        return parsed or (None, False)

    def problem(self, warn: bool = True) -> tuple[str | None, str | None]:
        """What stops saving, and the id of the field to fix it in (None, None: nothing).
        `warn`: also check the note's words (said once, on saving)."""
        disposition = self._value()
        note = self.query_one("#note", Input).value.strip()
        next_text = self.query_one("#next-contact", Input).value.strip()
        when, _ = self._when()
        if disposition is None:
            return label("err_no_outcome", self.locale), "disposition"
        if disposition == "promise" and not self.has_promise:
            return label("err_no_promise", self.locale), "disposition"
        if disposition in NOTE_REQUIRED and not note:
            return label("err_note_required", self.locale), "note"
        if next_text and when is None:
            return label("err_next_contact", self.locale, value=next_text), "next-contact"
        if disposition == "callback" and when is None:
            return label("err_callback_time", self.locale), "next-contact"
        if when is not None and when <= self.local_now:
            return label("err_next_contact_past", self.locale, now=self.local_now.strftime("%Y-%m-%d %H:%M")), "next-contact"
        if when is not None and self.window and not self.window[0] <= when.time() < self.window[1]:
            return label("err_callback_window", self.locale, when=when.strftime("%Y-%m-%d %H:%M"), opens=self.window[0].strftime("%H:%M"), closes=self.window[1].strftime("%H:%M")), "next-contact"
        if warn and (problems := self.warnings_first(note)):
            return "\n".join(problems + [label("note_check", self.locale)]), "note"
        return None, None

    def show_error(self, error: str | None) -> None:
        self.error_shown = error is not None
        self.query_one("#disposition-errors", Static).update(Text(error or "", style="red"))

    def action_save(self) -> None:
        error, field = self.problem()
        if error:
            self.show_error(error)
            self.query_one(f"#{field}").focus()  # where the collector types the fix
            return
        disposition = self._value()
        note = self.query_one("#note", Input).value.strip()
        when, timed = self._when()
        # A time, or any date agreed as a callback, is a callback: the worklist brings it up then.
        callback = when if when is not None and (timed or disposition == "callback") else None
        self.dismiss((disposition, note, when.date() if when else None, callback, self._value("#contact-stop")))

    def action_cancel(self) -> None:
        self.dismiss(None)
