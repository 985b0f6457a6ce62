"""A card number typed into a form never reaches the disk in clear, and a form's draft
goes when the form is closed without saving, and at the end of the call."""

from __future__ import annotations

from callassist.tui.screens.note import NoteScreen
from tests.tui.conftest import press, settle
from tests.tui.test_whole_calls import end_call, start_first_call

CARD = "4111 1111 1111 1111"


def on_disk(root) -> list[str]:
    """Every file under the data folder whose bytes hold the card's digits or its code. The
    code alone is three digits that a database's pages hold by chance (an amount, a time):
    there it is looked for as typed, after its label; anywhere else, alone."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            database = path.name.startswith("demo.db") or data.startswith(b"SQLite format 3")
            if b"4111 1111" in data or b"41111111" in data or b"cvv 737" in data.lower() or (not database and b"737" in data):
                found.append(str(path))
    return found


async def test_a_card_typed_into_a_note_is_masked_in_its_draft_and_the_draft_goes(make_app, settings):
    app = make_app("en")
    async with app.run_test() as pilot:
        screen = await start_first_call(pilot)
        drafts = pilot.app.workspace.calls.drafts
        call_id = screen.active.call_id
        await press(pilot, "n")
        assert isinstance(pilot.app.screen, NoteScreen)
        await pilot.press(*f"card {CARD} cvv 737")
        await settle(pilot)
        assert drafts.load(call_id, "note") == {"text": "card [card ····1111] cvv [···]"}
        assert on_disk(settings.data_dir) == []
        await press(pilot, "escape")  # closed without saving: nothing of it is kept
        assert drafts.load(call_id, "note") is None and not list(settings.drafts_dir.glob(f"{call_id}.*"))
        await press(pilot, "n")
        await pilot.press(*"half a thought")
        await settle(pilot)
        await press(pilot, "escape")
        assert drafts.load(call_id, "note") is None
        # A draft left from before a crash, its form never opened again, ends with the call.
        drafts.keep(call_id, "promise", {"total": "100"})
        drafts.write(call_id, "promise")
        await press(pilot, "d")
        await end_call(pilot, note="ended", disposition="refused")
        await settle(pilot)
    assert not list(settings.drafts_dir.glob(f"{call_id}.*"))
