"""The team-wide log and its signed checkpoints, attacked as someone who can write the
database would: every rewrite `audit verify` missed before is found now, with its call."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from callassist.cli import app
from callassist.settings import Settings
from callassist.store import auditlog, db
from callassist.store.events import GENESIS, event_hash

runner = CliRunner()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, demo_copy) -> Path:
    """A demo database (300 calls); each test works on a copy."""
    path = tmp_path_factory.mktemp("pristine") / "demo.db"
    demo_copy(path)
    return path


class Desk:
    """A copy of the demo database, its audit files in the test's own directory."""

    def __init__(self, root: Path, pristine: Path) -> None:
        self.root = root
        self.path = root / "demo.db"
        shutil.copy(pristine, self.path)
        self.url = f"sqlite:///{self.path}"
        self.env = {"CALLASSIST_DATA_DIR": str(root), "CALLASSIST_ROLE": "supervisor", "CALLASSIST_COLLECTOR": "zhou"}
        self.checkpoints = Settings(data_dir=root).checkpoint_file(self.url)

    def run(self, *argv: str):
        return runner.invoke(app, ["--db", self.url, *argv], env=self.env)

    def sql(self, statement: str, **params):
        engine = db.make_engine(self.url)
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            rows = result.all() if result.returns_rows else None
        engine.dispose()
        return rows

    def verify(self, *extra: str):
        return self.run("audit", "verify", "--checkpoints", str(self.checkpoints), *extra)

    def checkpoint(self):
        made = self.run("audit", "checkpoint")
        assert made.exit_code == 0, made.output
        return made

    def rechain(self, call_id: str) -> None:
        """Recompute a call's hashes after a change, as a careful forger would."""
        prev = GENESIS
        for event_id, seq, kind, at, payload in self.sql("SELECT id, seq, kind, at, payload FROM callevent WHERE call_id = :c ORDER BY seq", c=call_id):
            moment = at.replace(" ", "T") + "+00:00"
            moment = moment.replace(".000000+", "+")
            digest = event_hash(call_id, seq, kind, moment, payload, prev)
            self.sql("UPDATE callevent SET prev_hash = :p, hash = :h WHERE id = :i", p=prev, h=digest, i=event_id)
            prev = digest


@pytest.fixture
def desk(tmp_path, pristine) -> Desk:
    made = Desk(tmp_path, pristine)
    assert made.run("audit", "keygen").exit_code == 0
    made.checkpoint()
    return made


def a_disputed_call(desk: Desk) -> str:
    return desk.sql("SELECT call_id FROM callevent WHERE kind = 'call_ended' AND payload LIKE '%\"disposition\":\"dispute\"%' ORDER BY call_id")[0][0]


def a_backdated_copy(desk: Desk) -> str:
    """A copy of a call, dated 2020 with a chain that holds, inserted as a forger would."""
    forged, source = "demo-20200101090000-0001", a_disputed_call(desk)
    desk.sql(
        "INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, ended_at, state, disposition, practice) "
        "SELECT :f, account_id, collector_id, script, script_hash, locale, '2020-01-01 09:00:00.000000', '2020-01-01 09:00:00.000000', state, disposition, practice FROM call WHERE id = :c",
        f=forged,
        c=source,
    )
    desk.sql("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) SELECT :f, seq, kind, '2020-01-01 09:00:00.000000', payload, '', '' FROM callevent WHERE call_id = :c", f=forged, c=source)
    desk.rechain(forged)
    return forged


def test_an_untouched_log_verifies_against_its_checkpoints(desk):
    assert desk.checkpoints.read_text().count("\n") == 1
    verified = desk.verify()
    assert verified.exit_code == 0, verified.output
    assert "BROKEN" not in verified.stdout and "300 calls checked, 0 broken" in verified.stderr
    assert "1 checkpoint of" in verified.stderr and "0 findings" in verified.stderr
    again = desk.run("audit", "checkpoint")
    assert again.exit_code == 0 and "nothing new to sign" in again.stdout
    plain = desk.run("audit", "verify")
    assert plain.exit_code == 0 and "cannot tell a call rewritten with new hashes" in plain.stderr


def test_an_outcome_rewritten_with_recomputed_hashes_is_found(desk):
    call_id = a_disputed_call(desk)
    desk.sql('UPDATE callevent SET payload = replace(payload, \'"disposition":"dispute"\', \'"disposition":"promise"\') WHERE call_id = :c AND kind = \'call_ended\'', c=call_id)
    desk.sql("UPDATE call SET disposition = 'promise' WHERE id = :c", c=call_id)
    desk.rechain(call_id)
    assert desk.run("audit", "verify").exit_code == 0  # the chain alone cannot tell
    last = desk.sql("SELECT seq FROM callevent WHERE call_id = :c AND kind = 'call_ended'", c=call_id)[0][0]
    found = desk.verify()
    assert found.exit_code == 1
    assert f"CHANGED {call_id}: event {last}: not as it was at checkpoint 1 (" in found.stdout
    refused = desk.run("audit", "checkpoint")
    assert refused.exit_code == 1 and "nothing was signed" in refused.stderr and desk.checkpoints.read_text().count("\n") == 1


def test_a_rewrite_of_the_log_itself_breaks_the_signed_root(desk):
    call_id = a_disputed_call(desk)
    desk.sql('UPDATE callevent SET payload = replace(payload, \'"disposition":"dispute"\', \'"disposition":"promise"\') WHERE call_id = :c AND kind = \'call_ended\'', c=call_id)
    desk.sql("UPDATE call SET disposition = 'promise' WHERE id = :c", c=call_id)
    desk.rechain(call_id)
    desk.sql("UPDATE logentry SET hash = (SELECT e.hash FROM callevent e WHERE e.call_id = logentry.call_id AND e.seq = logentry.seq) WHERE call_id = :c", c=call_id)
    found = desk.verify()
    assert found.exit_code == 1 and "CHANGED" not in found.stdout
    assert "LOG     checkpoint 1 (taken" in found.stdout and "no longer have the root it signed" in found.stdout


def test_a_deleted_call_is_gone_from_what_was_committed(desk):
    call_id = a_disputed_call(desk)
    for table in ("review", "callevent"):
        desk.sql(f"DELETE FROM {table} WHERE call_id = :c", c=call_id)
    desk.sql("UPDATE promise SET call_id = NULL WHERE call_id = :c", c=call_id)
    desk.sql("DELETE FROM call WHERE id = :c", c=call_id)
    assert desk.run("audit", "verify").exit_code == 0
    found = desk.verify()
    assert found.exit_code == 1
    assert f"GONE    {call_id}: present at checkpoint 1 (" in found.stdout and re.search(r"is gone: \d+ events? \(1-", found.stdout) and "no purge may have removed them" in found.stdout
    # Deleting its entries from the log too leaves a hole, or a root that no longer holds.
    desk.sql("DELETE FROM logentry WHERE call_id = :c", c=call_id)
    assert "the log has no entry" in desk.verify().stdout


def test_an_event_deleted_and_the_call_renumbered_is_found(desk):
    call_id = a_disputed_call(desk)
    desk.sql("DELETE FROM callevent WHERE call_id = :c AND seq = 3", c=call_id)
    desk.sql("UPDATE callevent SET seq = seq - 1 WHERE call_id = :c AND seq > 3", c=call_id)
    desk.rechain(call_id)
    assert desk.run("audit", "verify").exit_code == 0
    found = desk.verify()
    assert found.exit_code == 1 and f"CHANGED {call_id}: event 3: not as it was" in found.stdout
    assert f"GONE    {call_id}: present at checkpoint 1" in found.stdout  # its last place is empty now


def test_a_backdated_call_inserted_after_a_checkpoint_is_found(desk):
    forged = a_backdated_copy(desk)
    assert desk.run("audit", "verify").exit_code == 0
    found = desk.verify()
    assert found.exit_code == 1
    assert re.search(rf"ADDED   {forged}: \d+ events? \(1-", found.stdout) and " dated 2020-01-01T09:00:00+00:00 and on, before checkpoint 1 of" in found.stdout and "added to the database after" in found.stdout
    # Entered into the log as well (as the next checkpoint would do), it is still late.
    engine = db.make_engine(desk.url)
    with db.session(engine) as session:
        auditlog.sequence(session=session)
        session.commit()
    engine.dispose()
    assert " dated 2020-01-01T09:00:00+00:00 and on, before checkpoint 1" in desk.verify().stdout


def test_an_event_added_after_a_calls_end_is_found(desk):
    call_id = a_disputed_call(desk)
    last = desk.sql("SELECT max(seq) FROM callevent WHERE call_id = :c", c=call_id)[0][0]
    # A second ending, dated a minute after the first, with the chain carried on.
    desk.sql("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) SELECT call_id, seq + 1, kind, at, replace(payload, '\"dispute\"', '\"promise\"'), '', '' FROM callevent WHERE call_id = :c AND seq = :s", c=call_id, s=last)
    desk.sql("UPDATE call SET disposition = 'promise' WHERE id = :c", c=call_id)
    desk.rechain(call_id)
    assert desk.run("audit", "verify").exit_code == 0
    found = desk.verify()
    assert found.exit_code == 1 and f"ADDED   {call_id}: 1 event ({last + 1}) added after the call had ended, at checkpoint 1 of" in found.stdout
    # The same finding in Chinese: the tag and the ids as they are, for grep; the sentence said.
    said = desk.run("--locale", "zh", "audit", "verify", "--checkpoints", str(desk.checkpoints))
    assert said.exit_code == 1 and re.search(rf"ADDED   {call_id}: 1 个事件（第 {last + 1} 个）是通话结束后才加的，在\S+ \S+ UTC 的检查点 1\n", said.stdout), said.stdout


def test_two_calls_reordered_in_the_log_break_the_signed_root(desk):
    first, second = desk.sql("SELECT call_id, min(position) FROM logentry WHERE call_id IS NOT NULL GROUP BY call_id ORDER BY 2 LIMIT 2")
    desk.sql("UPDATE logentry SET position = -1 - position WHERE call_id IN (:a, :b)", a=first[0], b=second[0])
    rows = desk.sql("SELECT position FROM logentry WHERE position < 0 ORDER BY call_id = :b DESC, position DESC", b=second[0])
    start = min(first[1], second[1])
    for offset, (position,) in enumerate(rows):
        desk.sql("UPDATE logentry SET position = :new WHERE position = :old", new=start + offset, old=position)
    found = desk.verify()
    assert found.exit_code == 1 and "LOG     checkpoint 1" in found.stdout and "reordered" in found.stdout


def test_a_forged_or_foreign_checkpoint_is_refused(desk, tmp_path):
    line = json.loads(desk.checkpoints.read_text())
    desk.checkpoints.write_text(json.dumps(line | {"root": "00" * 32}) + "\n")
    forged = desk.verify()
    assert forged.exit_code == 1 and "line 1: checkpoint 1: its signature does not match what it says" in forged.stdout
    # Signed anew with a key of the forger's own: the signature holds, the key is not trusted.
    other = tmp_path / "forger.pem"
    assert desk.run("audit", "keygen", "--key", str(other)).exit_code == 0
    desk.checkpoints.unlink()
    desk.sql("DELETE FROM logcheckpoint")
    assert desk.run("audit", "checkpoint", "--key", str(other)).exit_code == 0
    foreign = desk.verify()
    assert foreign.exit_code == 1 and "which is not one you trust (--trust)" in foreign.stdout
    assert desk.verify("--trust", str(other) + ".pub").exit_code == 0


def test_a_checkpoint_file_missing_its_last_lines_is_found(desk):
    desk.sql("INSERT INTO purgelog (purged_at, by, role, profile, before, calls, events, reviews) VALUES ('2026-12-01 00:00:00.000000', 'zhou', 'supervisor', 'cn', '2020-01-01', 0, 0, 0)")
    desk.checkpoint()
    lines = desk.checkpoints.read_text().splitlines(keepends=True)
    assert len(lines) == 2 and desk.verify().exit_code == 0
    desk.checkpoints.write_text(lines[0])
    cut = desk.verify()
    assert cut.exit_code == 1 and "checkpoint 2 (size" in cut.stdout and "the file was cut short, or is an older copy" in cut.stdout
    desk.checkpoints.write_text(lines[0] + lines[1][:50])
    torn = desk.verify()
    assert torn.exit_code == 1 and "line 2: cut off: the file ends inside this line" in torn.stdout


def test_a_calls_row_that_disagrees_with_its_events_is_broken(desk):
    """Lists, figures and exports read the call's row: a forger who edits only that (the
    outcome, the collector, the start, practice or not) or deletes it is caught."""
    first, second, third = [row[0] for row in desk.sql("SELECT call_id FROM callevent WHERE kind = 'call_ended' ORDER BY call_id LIMIT 3")]
    last = desk.sql("SELECT max(seq) FROM callevent WHERE call_id = :c", c=first)[0][0]
    desk.sql("UPDATE call SET disposition = 'promise' || disposition WHERE id = :c", c=first)
    desk.sql("UPDATE call SET collector_id = (SELECT id FROM collector WHERE name = 'colleague'), started_at = '2026-11-05 01:00:00.000000' WHERE id = :c", c=second)
    with sqlite3.connect(desk.path) as raw:  # as the sqlite3 shell would: no foreign keys enforced
        raw.execute("DELETE FROM call WHERE id = ?", (third,))
    found = desk.verify()
    assert found.exit_code == 1
    assert f"BROKEN  {first}: event {last}: the call's row says outcome 'promise" in found.stdout
    assert f"BROKEN  {second}: event 1: the call's row says collector 'colleague', its first event 'wang'" in found.stdout
    assert f"BROKEN  {third}: event 1: its events are stored, but the call's row is gone" in found.stdout


def test_corrupt_rows_are_broken_calls_never_a_traceback(desk):
    first, second = [row[0] for row in desk.sql("SELECT id FROM call ORDER BY id LIMIT 2")]
    desk.sql("UPDATE callevent SET payload = 'not json' WHERE call_id = :c AND seq = 2", c=first)
    desk.rechain(first)
    desk.sql("UPDATE callevent SET at = 'yesterday' WHERE call_id = :c AND seq = 2", c=second)
    for found in (desk.run("audit", "verify"), desk.verify()):
        assert found.exit_code == 1 and found.exception is None or isinstance(found.exception, SystemExit)
        assert f"BROKEN  {first}: event 2: its payload is not a JSON object" in found.stdout
        assert f"BROKEN  {second}: event 2: its time is not a time" in found.stdout


def test_a_lawful_purge_is_not_tampering_but_a_forged_one_is(desk):
    oldest = desk.sql("SELECT id, started_at FROM call ORDER BY started_at LIMIT 1")[0]
    desk.sql("UPDATE callevent SET at = '2019-05-01 09:00:00.000000' WHERE call_id = :c", c=oldest[0])
    # The checkpoint committed the original times; a fresh log is made for this test.
    desk.sql("DELETE FROM logentry")
    desk.sql("DELETE FROM logcheckpoint")
    desk.checkpoints.unlink()
    desk.sql("UPDATE call SET started_at = '2019-05-01 09:00:00.000000' WHERE id = :c", c=oldest[0])
    desk.rechain(oldest[0])
    desk.checkpoint()
    purged = desk.run("purge", "--before", "2020-01-01", "--yes")
    assert purged.exit_code == 0, purged.output
    assert desk.verify().exit_code == 0 and desk.verify().stdout.count("GONE") == 0
    desk.checkpoint()  # the purge enters the log
    assert desk.verify().exit_code == 0
    # A call deleted under a forged purge of recent calls stays gone without excuse.
    recent = a_disputed_call(desk)
    desk.sql("INSERT INTO purgelog (purged_at, by, role, profile, before, calls, events, reviews) VALUES ('2026-12-01 00:00:00.000000', 'zhou', 'supervisor', 'cn', '2099-01-01', 1, 1, 0)")
    desk.sql("DELETE FROM callevent WHERE call_id = :c", c=recent)
    assert f"GONE    {recent}" in desk.verify().stdout


def test_a_call_is_proved_on_its_own_without_the_database(desk, tmp_path):
    call_id = a_disputed_call(desk)
    proof = tmp_path / "proof.json"
    made = desk.run("audit", "proof", call_id, "--out", str(proof))
    assert made.exit_code == 0, made.output
    public = str(desk.root / "audit" / "signing-key.pem.pub")
    shutil.move(desk.path, tmp_path / "elsewhere.db")  # no database from here on
    held = runner.invoke(app, ["audit", "verify-proof", str(proof), "--trust", public])
    assert held.exit_code == 0 and f"ok      call {call_id}: events 1-" in held.stdout and "in checkpoint 1" in held.stdout
    document = json.loads(proof.read_text())
    document["events"][-1]["payload"] = document["events"][-1]["payload"].replace("dispute", "promise")
    proof.write_text(json.dumps(document))
    changed = runner.invoke(app, ["audit", "verify-proof", str(proof), "--trust", public])
    assert changed.exit_code == 1 and "its content was changed" in changed.stdout
    proof.write_text("{")
    assert runner.invoke(app, ["audit", "verify-proof", str(proof)]).exit_code == 2


def test_checkpoints_are_a_supervisors_and_need_a_key(desk):
    collector = runner.invoke(app, ["--db", desk.url, "audit", "checkpoint"], env=desk.env | {"CALLASSIST_ROLE": "collector"})
    assert collector.exit_code == 2 and "a supervisor's to sign" in collector.output
    keyless = runner.invoke(app, ["--db", desk.url, "audit", "checkpoint", "--key", str(desk.root / "none.pem")], env=desk.env)
    assert keyless.exit_code == 2 and "callassist audit keygen" in keyless.output


def test_a_changed_log_id_or_a_file_of_another_database_proves_nothing(desk, tmp_path):
    """A forger who renames the log (or hands over another database's file) must not be
    told that nothing changed: a file with no checkpoint of this log is a finding."""
    call_id = a_disputed_call(desk)
    with sqlite3.connect(desk.path) as raw:
        raw.execute("UPDATE storesetting SET value = 'deadbeef' WHERE name = 'log_id'")
        raw.execute("DELETE FROM logcheckpoint")
        raw.execute("DELETE FROM logentry")
        for table, column in (("review", "call_id"), ("callevent", "call_id"), ("call", "id")):
            raw.execute(f"DELETE FROM {table} WHERE {column} = ?", (call_id,))
    found = desk.verify()
    assert found.exit_code == 1
    assert "line 1: checkpoint 1: a checkpoint of another database's log" in found.stdout and "not of this one (deadbeef)" in found.stdout
    assert "holds no checkpoint of this database's log that can be checked" in found.stdout
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert "holds no checkpoint" in desk.run("audit", "verify", "--checkpoints", str(empty)).stdout


def test_a_checkpoint_never_signs_over_a_backdated_call(desk):
    forged = a_backdated_copy(desk)
    before = desk.checkpoints.read_text()
    refused = desk.run("audit", "checkpoint")
    assert refused.exit_code == 1 and re.search(rf"ADDED   {forged}: \d+ events? \(1-", refused.stdout) and "nothing was signed" in refused.stderr
    assert desk.checkpoints.read_text() == before


def test_a_forged_checkpoint_row_neither_blocks_signing_nor_passes_for_one(desk):
    desk.sql("INSERT INTO logcheckpoint (number, size, root, taken_at, by, key, sig) VALUES (2, 10, '00', '2026-12-03 09:00:00.000000', 'x', :k, 'cd')", k="ab" * 32)
    assert desk.verify().exit_code == 0  # not a checkpoint: its signature does not hold
    desk.sql("INSERT INTO purgelog (purged_at, by, role, profile, before, calls, events, reviews) VALUES ('2026-12-01 00:00:00.000000', 'zhou', 'supervisor', 'cn', '2020-01-01', 0, 0, 0)")
    made = desk.run("audit", "checkpoint")  # the log grew by the purge: it is signed, the forged row notwithstanding
    assert made.exit_code == 0 and "checkpoint 3:" in made.stdout, made.output
    assert desk.verify().exit_code == 0


def test_corrupt_log_and_purge_rows_are_findings_never_a_traceback(desk):
    with sqlite3.connect(desk.path) as raw:
        raw.execute("UPDATE logentry SET hash = NULL WHERE position = 3")
        raw.execute("UPDATE logentry SET call_id = NULL, seq = NULL WHERE position = 4")
        raw.execute("INSERT INTO purgelog (purged_at, by, role, profile, before, calls, events, reviews) VALUES ('2026-12-01 00:00:00.000000', x'00', 'supervisor', 'cn', 'xx', 0, 0, 0)")
        raw.execute("UPDATE logcheckpoint SET taken_at = 'garbage'")
    for found in (desk.verify(), desk.run("audit", "checkpoint"), desk.run("audit", "proof", a_disputed_call(desk))):
        assert found.exit_code in (1, 2) and (found.exception is None or isinstance(found.exception, SystemExit)), found.output
    assert "entry 3 of the log" in desk.verify().stdout and "neither an event nor a purge" in desk.verify().stdout


def test_hostile_proofs_and_files_get_one_clear_line(desk, tmp_path):
    call_id = a_disputed_call(desk)
    proof = tmp_path / "proof.json"
    assert desk.run("audit", "proof", call_id, "--out", str(proof)).exit_code == 0
    good = json.loads(proof.read_text())
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000)
    hostile = [good | {"checkpoint": good["checkpoint"] | {"key": 5}}, good | {"events_after_checkpoint": -3}, good | {"events": [good["events"][0] | {"seq": True}]}, good | {"checkpoint": [1]}, good | {"events": [{"seq": 1e400}]}]
    for number, document in enumerate(hostile):
        path = tmp_path / f"hostile{number}.json"
        path.write_text(json.dumps(document).replace("Infinity", "1e999"))
        checked = runner.invoke(app, ["audit", "verify-proof", str(path)])
        assert checked.exit_code in (1, 2) and (checked.exception is None or isinstance(checked.exception, SystemExit)), (number, checked.output)
    for argv in (
        ["audit", "verify-proof", str(deep)],
        ["audit", "verify", "--checkpoints", str(deep)],
        ["audit", "verify", "--checkpoints", str(desk.checkpoints), "--trust", "/bin/ls"],
        ["audit", "proof", call_id, "--out", str(tmp_path)],
        ["audit", "proof", call_id, "--checkpoints", str(deep)],
    ):
        ran = desk.run(*argv)
        assert ran.exit_code in (1, 2) and (ran.exception is None or isinstance(ran.exception, SystemExit)), (argv, ran.output)
    # A proof with its last events left out passes, but says that it shows no end of the call.
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(good | {"events": good["events"][:3]}))
    partial = runner.invoke(app, ["audit", "verify-proof", str(cut)])
    assert partial.exit_code == 0 and "no end of the call is among these events" in partial.stdout
    assert "ended as 'dispute'" in runner.invoke(app, ["audit", "verify-proof", str(proof)]).stdout


def fresh_log(desk: Desk) -> None:
    """Start the log and its checkpoints over from the database as it is now (a change
    made before this stands for what was stored before the first checkpoint)."""
    desk.sql("DELETE FROM logentry")
    desk.sql("DELETE FROM logcheckpoint")
    desk.checkpoints.unlink()
    desk.checkpoint()


def test_an_event_backdated_into_a_call_going_on_at_the_checkpoint_is_found(desk):
    """A call unfinished at the checkpoint may end after it, dated then; an end dated
    weeks before the checkpoint, with another outcome, was added after it."""
    call_id = a_disputed_call(desk)
    seq, at, payload = desk.sql("SELECT seq, at, payload FROM callevent WHERE call_id = :c AND kind = 'call_ended'", c=call_id)[0]
    desk.sql("DELETE FROM callevent WHERE call_id = :c AND seq = :s", c=call_id, s=seq)
    desk.sql("UPDATE call SET ended_at = NULL, disposition = NULL WHERE id = :c", c=call_id)
    fresh_log(desk)
    now = desk.sql("SELECT strftime('%Y-%m-%d %H:%M:%f000', 'now')")[0][0]
    desk.sql("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) VALUES (:c, :s, 'call_ended', :at, :p, '', '')", c=call_id, s=seq, at=now, p=payload.replace('"dispute"', '"promise"'))
    desk.sql("UPDATE call SET ended_at = :at, disposition = 'promise' WHERE id = :c", c=call_id, at=now)
    desk.rechain(call_id)
    assert desk.verify().exit_code == 0  # ended after the checkpoint, dated so: nothing to say
    desk.sql("UPDATE callevent SET at = :at WHERE call_id = :c AND seq = :s", c=call_id, s=seq, at=at)
    desk.sql("UPDATE call SET ended_at = :at WHERE id = :c", c=call_id, at=at)
    desk.rechain(call_id)
    assert desk.run("audit", "verify").exit_code == 0  # the chain alone cannot tell
    found = desk.verify()
    assert found.exit_code == 1 and f"ADDED   {call_id}: 1 event ({seq}) dated {at[:10]}" in found.stdout and "before checkpoint 1 of" in found.stdout
    refused = desk.run("audit", "checkpoint")
    assert refused.exit_code == 1 and f"ADDED   {call_id}: 1 event ({seq})" in refused.stdout
    engine = db.make_engine(desk.url)
    with db.session(engine) as session:  # entered into the log, as a checkpoint would
        auditlog.sequence(session=session)
        session.commit()
    engine.dispose()
    assert f"ADDED   {call_id}: 1 event ({seq}) dated" in desk.verify().stdout


def test_a_score_added_after_a_real_calls_end_is_found(desk):
    """Only a practice call's score may follow its end; a score after a real call's end is
    an event added to a finished call."""
    call_id = a_disputed_call(desk)
    last = desk.sql("SELECT max(seq) FROM callevent WHERE call_id = :c", c=call_id)[0][0]
    desk.sql("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) SELECT call_id, seq + 1, 'practice_scored', at, '{\"score\": 100}', '', '' FROM callevent WHERE call_id = :c AND seq = :s", c=call_id, s=last)
    desk.rechain(call_id)
    found = desk.verify()
    assert found.exit_code == 1 and f"ADDED   {call_id}: 1 event ({last + 1}) added after the call had ended" in found.stdout


def test_a_calls_row_with_an_outcome_but_no_end_is_broken(desk):
    call_id = a_disputed_call(desk)
    desk.sql("DELETE FROM callevent WHERE call_id = :c AND kind = 'call_ended'", c=call_id)
    desk.sql("UPDATE call SET ended_at = NULL WHERE id = :c", c=call_id)
    desk.rechain(call_id)
    found = desk.run("audit", "verify")
    assert found.exit_code == 1 and f"BROKEN  {call_id}: event " in found.stdout and "the call's row says it ended (dispute), but no event ends it" in found.stdout


def test_a_purge_under_shorter_rules_is_named_when_verified_under_longer_ones(desk):
    """A database set up under `us` (3 years) purges a call four years old; verified under
    `us` that is lawful, under `cn` (5 years) it is named, with the purge that did it."""
    oldest = desk.sql("SELECT id FROM call ORDER BY started_at LIMIT 1")[0][0]
    desk.sql("UPDATE callevent SET at = '2022-06-01 09:00:00.000000' WHERE call_id = :c", c=oldest)
    desk.sql("UPDATE call SET started_at = '2022-06-01 09:00:00.000000', ended_at = '2022-06-01 09:00:00.000000' WHERE id = :c", c=oldest)
    desk.rechain(oldest)
    desk.sql("UPDATE storesetting SET value = '3' WHERE name = 'retention_years'")
    fresh_log(desk)
    purged = desk.run("--compliance", "us", "purge", "--before", "2023-01-01", "--yes")
    assert purged.exit_code == 0, purged.output
    assert desk.run("--compliance", "us", "audit", "verify", "--checkpoints", str(desk.checkpoints)).exit_code == 0
    found = desk.verify()
    assert found.exit_code == 1 and f"GONE    {oldest}: present at checkpoint 1" in found.stdout
    assert "and purge 1 of " in found.stdout and "removed calls before 2023-01-01, younger than the 5 years kept here" in found.stdout


def test_hand_changed_times_and_floors_are_findings_never_a_traceback(desk):
    assert auditlog.iso_time("2026-12-03 10:00:37.123+08") == "2026-12-03T02:00:37.123000+00:00"
    call_id = a_disputed_call(desk)
    copy = "demo-20261203100000-0099"
    desk.sql(
        "INSERT INTO call (id, account_id, collector_id, script, script_hash, locale, started_at, state, practice) SELECT :f, account_id, collector_id, script, script_hash, locale, started_at, state, practice FROM call WHERE id = :c",
        f=copy,
        c=call_id,
    )
    desk.sql("INSERT INTO callevent (call_id, seq, kind, at, payload, prev_hash, hash) SELECT :f, seq, kind, 'yesterday', payload, '', '' FROM callevent WHERE call_id = :c AND seq = 1", f=copy, c=call_id)
    desk.sql("UPDATE logentry SET at = 'garbage' WHERE call_id = :c", c=call_id)
    desk.sql("DELETE FROM callevent WHERE call_id = :c", c=call_id)
    desk.sql("UPDATE storesetting SET value = '99999' WHERE name = 'retention_years'")
    for found in (desk.verify(), desk.run("audit", "checkpoint"), desk.verify(), desk.run("purge", "--before", "2020-01-01", "--yes")):
        assert found.exit_code in (1, 2) and (found.exception is None or isinstance(found.exception, SystemExit)), found.output
    assert f"GONE    {call_id}" in desk.verify().stdout


def test_a_new_demo_or_another_database_starts_a_checkpoint_file_of_its_own(desk, tmp_path):
    """A reset demo, or another database of the same file name, is a new log: it must not
    be refused for the old one's checkpoints, nor mixed with them."""
    old = desk.checkpoints.read_text()
    reset = desk.run("demo", "--reset", "--no-open")
    assert reset.exit_code == 0 and "The earlier demo's checkpoints are kept in" in reset.stdout, reset.output
    kept = list(desk.checkpoints.parent.glob(desk.checkpoints.name + ".*"))
    assert len(kept) == 1 and kept[0].read_text() == old and not desk.checkpoints.exists()
    assert desk.run("audit", "checkpoint").exit_code == 0 and desk.verify().exit_code == 0
    twin = tmp_path / "elsewhere" / "demo.db"
    twin.parent.mkdir()
    shutil.copy(desk.path, twin)
    assert Settings(data_dir=tmp_path).checkpoint_file(f"sqlite:///{twin}") != desk.checkpoints
    # The log id changed by hand: the file is another log's, and the refusal says so.
    desk.sql("UPDATE storesetting SET value = 'deadbeef' WHERE name = 'log_id'")
    refused = desk.run("audit", "checkpoint")
    assert refused.exit_code == 1 and "holds another log's checkpoints, none of this database's" in refused.stderr


def test_the_audit_benchmark_verifies_its_own_log(tmp_path):
    """`callassist bench --only audit_verify_1m` measures a log that verifies: a bench
    whose calls the checks call broken would time the wrong work (or none)."""
    from callassist.devtools.bench import bench_audit_verify

    rate = bench_audit_verify(tmp_path, events=300)
    assert rate.summary()["rows"] == 300
