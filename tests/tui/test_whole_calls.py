"""Whole calls driven with the keyboard; each asserts what the database holds afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import select
from textual.widgets import Input, Select, Static

from callassist.store import db, queries
from callassist.store.models import Account, Debtor, Instalment, Promise
from callassist.tui.screens.call import CallScreen
from callassist.tui.screens.disposition import DispositionScreen
from callassist.tui.screens.promise import PromiseScreen
from callassist.tui.screens.resume import ResumeScreen
from callassist.tui.screens.worklist import WorklistScreen
from callassist.tui.widgets.line_table import LineTable
from tests.conftest import NOW, TODAY
from tests.tui.conftest import as_owner, as_team_login, press, settle, stored_calls, until, with_demo_ledger


@pytest.fixture(params=["sqlite", "postgresql, wang's own login"])
def db_url(request, tmp_path) -> str:
    """These calls run on SQLite, where the program stamps the times and makes the chain,
    and on PostgreSQL as a team member's own login, where the database does, under its
    policies. (PostgreSQL as its owner, the program making the chain there too, is the
    store's tests' to cover: the screens add nothing to it, and ran every call a third
    time, 2026-12-05.)"""
    if request.param == "sqlite":
        return with_demo_ledger(f"sqlite:///{tmp_path / 'store.db'}")
    return as_team_login(request.getfixturevalue("pg_demo_url"), "wang")


def kinds(events) -> list[str]:
    return [e.kind for e in events]


def steps(events) -> list[str]:
    return [e.payload["state"] for e in events if e.kind == "step_entered"]


async def start_first_call(pilot) -> CallScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WorklistScreen)
    await press(pilot, "enter")
    assert isinstance(pilot.app.screen, CallScreen)
    return pilot.app.screen


async def end_call(pilot, note: str = "", disposition: str | None = None) -> None:
    await press(pilot, "x")
    assert isinstance(pilot.app.screen, DispositionScreen)
    if disposition:
        pilot.app.screen.query_one("#disposition", Select).value = disposition
    if note:
        pilot.app.screen.query_one("#note", Input).value = note
    await press(pilot, "ctrl+s")
    assert isinstance(pilot.app.screen, WorklistScreen)


async def test_right_party_objection_two_rungs_instalment_promise(make_app, db_url):
    app = make_app("en")
    async with app.run_test() as pilot:
        screen = await start_first_call(pilot)
        balance = screen.call.balance
        await press(pilot, "d", "r", "y", "o", "y", "4", "4")
        assert "rung 2/4" in str(screen.query_one("#objections", Static).render())
        await press(pilot, "p", "y")
        form = pilot.app.screen
        assert isinstance(form, PromiseScreen)
        first = (TODAY + timedelta(days=5)).isoformat()
        second = (TODAY + timedelta(days=35)).isoformat()
        half = (balance.amount / 2).quantize(balance.amount)
        assert form.focused.id == "total" and form.focused.selection.end == len(form.focused.value)  # typing replaces the balance
        await pilot.press("tab", *first)
        form.query_one("#row-0-amount", Input).value = str(half)
        await press(pilot, "f2")
        form.query_one("#row-1-due", Input).value = second
        form.query_one("#row-1-amount", Input).value = str(balance.amount - half)
        form.query_one("#method", Select).value = "bank_transfer"
        form.query_one("#channel", Select).value = "wechat"
        earlier = [p for p in screen.active.snapshot.promises if p.status == "open"]
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, CallScreen)
        assert "So we agree" in screen.call.step.text
        # The card follows at once: the new promise is the open one, the one before it replaced.
        card = str(screen.query_one("AccountCard").render())
        assert screen.active.snapshot.promises[0].status == "open" and screen.active.snapshot.promises[0].amount == balance.amount
        assert earlier and "replaced by a newer promise" in card
        await press(pilot, "y")
        await end_call(pilot)

    [(call, events)] = stored_calls(db_url)
    assert call.disposition == "promise" and call.ended_at is not None
    assert kinds(events) == [
        "call_started",
        "step_entered",
        "choice_made",
        "step_entered",  # dial
        "choice_made",
        "step_entered",  # right party
        "choice_made",
        "step_entered",  # good time
        "choice_made",
        "step_entered",  # purpose stated
        "choice_made",
        "step_entered",  # amount agreed
        "objection_raised",
        "choice_made",
        "rebuttal_shown",
        "step_entered",  # stall, rung 1
        "rebuttal_shown",
        "step_entered",  # stall, rung 2
        "choice_made",
        "step_entered",  # asks for a plan
        "choice_made",
        "step_entered",  # terms agreed
        "promise_captured",
        "step_entered",
        "choice_made",
        "step_entered",  # confirmed
        "call_ended",
    ]
    assert steps(events) == ["prepare", "reach_party", "good_time", "purpose", "confirm_amount", "ask_payment", "objection", "objection", "negotiate", "promise", "promise", "wrap_up"]
    rungs = [e.payload["rung"] for e in events if e.kind == "rebuttal_shown"]
    assert rungs == [1, 2]
    # The program's clock says NOW; a team login's events carry the database's own time.
    if make_url(db_url).username == "wang":
        assert all(e.at > NOW for e in events) and [e.at for e in events] == sorted(e.at for e in events)
    else:  # one clock per call, never standing still: each event a little after the one before
        assert all(NOW <= e.at < NOW + timedelta(seconds=1) for e in events) and [e.at for e in events] == sorted(set(e.at for e in events))
    captured = next(e for e in events if e.kind == "promise_captured").payload
    assert [i["due"] for i in captured["instalments"]] == [first, second]
    assert "WeChat" in captured["readback"]
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        assert queries.verify_call(call.id, session=session) is None
        promise = session.exec(select(Promise).where(Promise.call_id == call.id)).one()
        assert promise.status == "open" and promise.total == balance.amount
        assert len(session.exec(select(Instalment).where(Instalment.promise_id == promise.id)).all()) == 2
    engine.dispose()


async def test_gatekeeper_to_callback(make_app, db_url):
    async with make_app("zh").run_test() as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "g")
        assert "金额" not in screen.call.step.text or "不透露" in screen.call.step.text
        assert not screen.call.can_raise_objection()
        await press(pilot, "4")
        assert screen.call.state == "gatekeeper"
        await press(pilot, "c", "k")
        await press(pilot, "x")
        dialog = pilot.app.screen
        assert dialog.query_one("#disposition", Select).value == "callback"
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, DispositionScreen), "a callback needs a note"
        assert "备注" in str(dialog.query_one("#disposition-errors", Static).render())
        dialog.query_one("#note", Input).value = "前台说周一上午十点后再打"
        await press(pilot, "ctrl+s")
        assert "回电需要时间" in str(dialog.query_one("#disposition-errors", Static).render())
        dialog.query_one("#next-contact", Input).value = "2026-11-20 09:00"
        await press(pilot, "ctrl+s")
        assert "已经过去" in str(dialog.query_one("#disposition-errors", Static).render()), "it is 10:00 there now"
        for outside in ("2026-11-23 22:30", "2026-11-24 07:00"):  # issue 21: cn allows calls from 08:00 up to 22:00, their time
            dialog.query_one("#next-contact", Input).value = outside
            await press(pilot, "ctrl+s")
            assert isinstance(pilot.app.screen, DispositionScreen)
            assert f"{outside}不在允许致电的时段内（对方时间 08:00 至 22:00）" in str(dialog.query_one("#disposition-errors", Static).render())
        dialog.query_one("#next-contact", Input).value = "2026-11-23 10:30"
        await press(pilot, "ctrl+s")
    [(call, events)] = stored_calls(db_url)
    assert steps(events) == ["prepare", "reach_party", "gatekeeper", "callback", "wrap_up"]
    assert "objection_raised" not in kinds(events)
    # Typed in the debtor's time (Shanghai), stored in UTC.
    assert events[-1].payload == {"disposition": "callback", "note": "前台说周一上午十点后再打", "state": "wrap_up", "next_contact": "2026-11-23", "callback_at": "2026-11-23T02:30:00+00:00"}
    engine = db.make_engine(db_url)
    with db.session(engine) as session:
        me = queries.collector_by_name("wang", session=session)
        before = queries.worklist(me.id, NOW + timedelta(days=3), session=session).rows
        due = queries.worklist(me.id, NOW + timedelta(days=3, minutes=29), session=session).rows
    engine.dispose()
    # On Monday the callback waits for its time, then comes up among the callbacks due
    # (the demo's missed ones from Friday too), with its reason first.
    place = lambda rows: next(n for n, r in enumerate(rows) if r.account_id == call.account_id)  # noqa: E731
    assert "callback_later" in [r.key for r in before[place(before)].reasons]
    assert place(due) < min(place(before), 4) and due[place(due)].reasons[0].key == "callback_due"
    for event in events:
        if event.kind == "step_entered" and event.payload["state"] in ("reach_party", "gatekeeper", "callback"):
            assert "¥" not in event.payload["text"] and "INV-" not in event.payload["text"]


async def test_dispute_is_logged(make_app, db_url):
    async with make_app("en").run_test() as pilot:
        await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "d", "3", "d", "l")
        await press(pilot, "n")
        pilot.app.screen.query_one(Input).value = "says 40 units of INV-3 arrived damaged; photos promised"
        await press(pilot, "enter")
        await end_call(pilot, note="send delivery note for INV-3")
    [(call, events)] = stored_calls(db_url)
    assert call.disposition == "dispute"
    assert steps(events)[-4:] == ["dispute", "objection", "dispute", "wrap_up"]
    assert [e.payload["excuse"] for e in events if e.kind == "objection_raised"] == ["dispute"]
    notes = [e.payload["text"] for e in events if e.kind == "note_added"]
    assert notes == ["says 40 units of INV-3 arrived damaged; photos promised"]
    assert events[-1].payload["note"] == "send delivery note for INV-3"


async def test_a_wrong_key_is_undone_and_the_log_keeps_both(make_app, db_url):
    """`r` pressed for "refuses" when the debtor said something else: u takes it back, the
    call goes on from where it stood, and the database keeps the choice and its undoing."""
    async with make_app("en").run_test() as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "y", "r")
        assert screen.call.state == "escalate"
        await press(pilot, "u")
        assert screen.call.state == "ask_payment" and kinds(stored_calls(db_url)[0][1])[-2:] == ["undone", "step_entered"]
        await press(pilot, "u")  # only the last choice: a second u changes nothing
        assert screen.call.state == "ask_payment"
        await press(pilot, "3", "ctrl+z")  # a wrong excuse, taken back with Ctrl+Z
        assert screen.call.state == "ask_payment" and screen.call.objection is None
        await press(pilot, "d", "l")
        await end_call(pilot, note="dispute logged after two slips")
    [(call, events)] = stored_calls(db_url)
    assert call.disposition == "dispute" and call.state == "wrap_up"
    assert kinds(events).count("undone") == 2
    undone = [e.payload for e in events if e.kind == "undone"]
    assert [u["what"] for u in undone] == ["Refuses to pay", "Dispute 1/4"] and undone[0]["to"] == undone[1]["to"] == "ask_payment"
    assert [e.payload["trigger"] for e in events if e.kind == "choice_made"][-4:] == ["refuses", "raise_objection", "amount_disputed", "dispute_logged"]


async def test_abusive_exit(make_app, db_url):
    async with make_app("en").run_test() as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "b")
        # The calm exit: who follows up, and the call ends; no lawyer the account does not have.
        assert "My manager will get in touch" in screen.call.step.text and "lawyer" not in screen.call.step.text
        await press(pilot, "o")
        await end_call(pilot, note="shouted and hung up")
    [(call, events)] = stored_calls(db_url)
    assert call.disposition == "abusive"
    assert steps(events)[-2:] == ["abusive", "wrap_up"]


async def test_kill_mid_call_and_resume(make_app, db_url, settings):
    app = make_app("en")
    async with app.run_test() as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "y", "6")
        shown = screen.call.step.text
        await press(pilot, "n")
        await pilot.press(*"half typed")
        await settle(pilot)
        # The process dies here: no end, no cleanup.
    [(call, events)] = stored_calls(db_url)
    assert call.ended_at is None and call.state == "objection"

    async with make_app("en").run_test() as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, ResumeScreen)
        await press(pilot, "y")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen)
        assert screen.call.state == "objection" and screen.call.step.text == shown
        assert "Wear down rung 1/4" in str(screen.query_one("#objections", Static).render())
        await press(pilot, "n")
        assert pilot.app.screen.query_one(Input).value == "half typed"
        await press(pilot, "escape", "6")
        assert screen.call.objection.rung == 2
        await press(pilot, "y")
        assert isinstance(pilot.app.screen, PromiseScreen)
        await press(pilot, "escape")
        await end_call(pilot, note="resumed after crash; will call back with a date", disposition="refused")
    [(call, events)] = stored_calls(db_url)
    assert kinds(events).count("call_started") == 1 and "call_resumed" in kinds(events)
    assert [e.payload["rung"] for e in events if e.kind == "rebuttal_shown"] == [1, 2]
    assert call.ended_at is not None


async def test_later_keeps_the_account_in_sight_and_a_call_left_at_the_promise_resumes_with_its_form(make_app, db_url):
    async with make_app("en").run_test() as pilot:
        screen = await start_first_call(pilot)
        debtor = screen.active.snapshot.debtor
        await press(pilot, "d", "r", "y", "o", "y", "f")
        assert isinstance(pilot.app.screen, PromiseScreen)
        # The process dies here, the promise form open.
    async with make_app("en").run_test() as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, ResumeScreen)
        await press(pilot, "escape")  # Later
        worklist = pilot.app.screen
        assert isinstance(worklist, WorklistScreen)
        table = worklist.query_one(LineTable)
        assert table.cursor_key is not None and f"↻ {debtor}" in table.row_text(0)
        assert any(name == f"{debtor} (unfinished call)" for _, name, _, _ in pilot.app.accounts), "Ctrl+P finds it too"
        assert "Enter resumes it" in str(worklist.query_one("#worklist-detail", Static).render())
        await press(pilot, "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, PromiseScreen))  # resumed at the promise step, its form open again
        assert isinstance(pilot.app.screen_stack[-2], CallScreen) and pilot.app.screen_stack[-2].call.state == "promise"
        await press(pilot, "escape")
        await end_call(pilot, note="will send the date by e-mail", disposition="refused")
    [(call, events)] = stored_calls(db_url)
    assert kinds(events).count("call_started") == 1 and kinds(events).count("call_resumed") == 1 and call.ended_at is not None


async def test_names_are_shown_literally(make_app, db_url):
    engine = db.make_engine(as_owner(db_url))
    with db.session(engine) as session:
        rows = queries.worklist(queries.collector_by_name("wang", session=session).id, NOW, session=session).rows
        first = session.get(Debtor, session.get(Account, rows[0].account_id).debtor_id)
        second = session.get(Debtor, session.get(Account, rows[1].account_id).debtor_id)
        first.name = "[bold]张三[/]"
        second.name = "[@click=app.quit]x[/]"
        session.add_all([first, second])
        session.commit()
    engine.dispose()
    async with make_app("en").run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one(LineTable)
        assert table.row_text(0).startswith(" [bold]张三[/] ")
        assert table.row_text(1).startswith(" [@click=app.quit]x[/] ")
        await pilot.click(LineTable, offset=(3, 2))  # the second row: moves the cursor there
        await settle(pilot)
        assert table.cursor == 1
        await press(pilot, "enter")
        screen = pilot.app.screen
        assert isinstance(screen, CallScreen)
        assert "[@click=app.quit]x[/]" in str(screen.query_one("#call-header", Static).render())
        assert "[@click=app.quit]x[/]" in screen.call.step.text
        await pilot.click("#call-header")
        await settle(pilot)
        assert pilot.app.is_running


async def test_command_palette_finds_an_account_by_phone(make_app, db_url):
    async with make_app("en").run_test() as pilot:
        await settle(pilot)
        account_id, debtor, contact, phone = pilot.app.accounts[5]
        await press(pilot, "ctrl+p")
        digits = "".join(c for c in phone if c.isdigit())[-6:]
        await pilot.press(*digits)
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, CallScreen)
        assert pilot.app.screen.active.snapshot.account_id == account_id


async def test_a_prompt_taller_than_the_panel_scrolls(make_app):
    from callassist.tui.widgets.prompt_panel import PromptPanel

    async with make_app("en").run_test(size=(60, 20)) as pilot:
        screen = await start_first_call(pilot)
        await press(pilot, "d", "r", "y", "o", "y", "p")
        panel = screen.query_one(PromptPanel)
        assert screen.call.state == "negotiate"
        body = screen.query_one("#prompt-text")
        assert panel.max_scroll_y > 0
        assert body.size.height >= len(screen.call.step.text.splitlines())
        tall = body.size.height
        # Back to a short prompt: it keeps the height it was given (no layout per key),
        # shows only its own words, and starts at the top.
        await press(pilot, "r")
        assert screen.call.state == "escalate"
        assert body.size.height == tall and panel.scroll_y == 0
        shown = body.text.plain
        assert shown.split() == screen.call.step.text.split()  # folded to the panel's width, word for word the same


async def test_a_note_is_checked_before_saving_and_stored_without_card_details(make_app, db_url):
    async with make_app("en").run_test() as pilot:
        await start_first_call(pilot)
        await press(pilot, "n")
        typed = "he is a liar; paid by card 4111 1111 1111 1111, CVV 123 [b]x[/b]"
        pilot.app.screen.query_one(Input).value = typed
        await press(pilot, "enter")
        # Flagged first: the form stays, naming the phrase and what to say instead.
        warning = pilot.app.screen.query_one("#note-warning", Static)
        assert warning.display and "'liar' is an insult: courtesy to everyone" in str(warning.render())
        await press(pilot, "enter")  # as written, the collector was told
        await press(pilot, "d", "x")
        form = pilot.app.screen
        form.query_one("#disposition", Select).value = "refused"
        form.query_one("#note", Input).value = "refused, called me an idiot; read out card 5500 0000 0000 0004"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is form and "'idiot' is an insult" in str(form.query_one("#disposition-errors", Static).render())
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, WorklistScreen)
    [(call, events)] = stored_calls(db_url)
    note = next(e.payload for e in events if e.kind == "note_added")
    assert note["text"] == "he is a liar; paid by card [card ····1111], CVV [···] [b]x[/b]" and note["redacted"] == ["card", "security_code"]
    assert events[-1].payload["note"] == "refused, called me an idiot; read out card [card ····0004]" and events[-1].payload["redacted"] == ["card"]
    assert "4111" not in "".join(e.payload.get("text", "") for e in events if e.kind == "note_added")
