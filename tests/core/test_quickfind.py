"""Objection quick-find: accuracy on debtors' words the catalog never saw, and the lint of cues."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from callassist.core.objections import EXCUSE_IDS, SITUATION_IDS, excuse_of, load_catalog
from callassist.core.problems import ContentError
from callassist.core.quickfind import conversion_for, same_phrase
from tests.conftest import OBJECTIONS

DATA = Path(__file__).parent / "data"


def _utterances(name: str) -> list[tuple[str, str, str]]:
    """(label, script, text): the label is an excuse or situation id, or two either of
    which is right ("deflect|already_paid")."""
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            excuse, script, text = line.split("\t")
            assert set(excuse.split("|")) <= set(EXCUSE_IDS + SITUATION_IDS), line
            rows.append((excuse, script, text))
    return rows


@pytest.fixture(scope="module")
def finder():
    return load_catalog(OBJECTIONS).finder()


def _measure(finder, rows):
    top1 = top3 = 0
    confusion: Counter = Counter()
    for label, _, text in rows:
        right = label.split("|")
        # An excuse's case counts as the excuse (deflect.signer_away is deflect).
        ranked = list(dict.fromkeys(excuse_of(m.excuse)[0] for m in finder.rank(text)))
        confusion[(right[0], ranked[0] if ranked[0] not in right else right[0])] += 1
        top1 += ranked[0] in right
        top3 += any(answer in ranked[:3] for answer in right)
    return top1 / len(rows), top3 / len(rows), confusion


def _matrix(confusion: Counter) -> str:
    """Rows: what was said; columns: what ranked first (any situation in one column)."""
    said_ids = sorted({said for said, _ in confusion}, key=(EXCUSE_IDS + SITUATION_IDS).index)
    columns = list(EXCUSE_IDS) + ["situation"]
    width = max(map(len, said_ids)) + 1
    column = {found: found if found in EXCUSE_IDS else "situation" for _, found in confusion}
    lines = ["said \\ found".ljust(width + 2) + "".join(e[:9].rjust(10) for e in columns)]
    for said in said_ids:
        counts = Counter()
        for (row, found), count in confusion.items():
            if row == said:
                counts[column[found]] += count
        lines.append(said.ljust(width + 2) + "".join(str(counts[found]).rjust(10) for found in columns))
    return "\n".join(lines)


def test_the_third_set_covers_every_excuse_in_both_languages():
    rows = _utterances("excuse_utterances_round3.tsv")
    assert len(rows) >= 120
    for excuse in EXCUSE_IDS:
        for script in ("en", "zh"):
            assert sum(excuse in label.split("|") and row_script == script for label, row_script, _ in rows) >= 10, (excuse, script)


def test_the_evaluation_set_is_large_and_covers_every_excuse_and_script():
    rows = _utterances("excuse_utterances.tsv")
    assert len(rows) >= 150
    by_excuse = Counter(label.split("|")[0] for label, _, _ in rows)
    assert set(EXCUSE_IDS) <= set(by_excuse) and min(by_excuse[excuse] for excuse in EXCUSE_IDS) >= 20
    by_script = Counter(script for _, script, _ in rows)
    assert by_script["en"] >= 40 and by_script["hans"] >= 40 and by_script["hant"] >= 20 and by_script["mixed"] >= 6


# The first set is the bar. The second was written after the catalog was last
# tuned (83.3% and 98.3% then): a floor under it shows when the catalog is being fitted
# to the first set alone. The third was written for issue 22 before the new ladders' cues
# were tuned, by someone who never saw the catalog (80.0% and 97.5% untuned; issue 22
# asks 90% and 98%).
@pytest.mark.parametrize(("name", "top1_floor", "top3_floor"), [("excuse_utterances.tsv", 0.85, 0.97), ("excuse_utterances_later.tsv", 0.80, 0.95), ("excuse_utterances_round3.tsv", 0.90, 0.98), ("situation_utterances.tsv", 0.85, 0.97)])
def test_top_1_and_top_3_accuracy(finder, capsys, name, top1_floor, top3_floor):
    rows = _utterances(name)
    top1, top3, confusion = _measure(finder, rows)
    with capsys.disabled():
        print(f"\nquick-find on {name} ({len(rows)}): top-1 {top1:.1%}, top-3 {top3:.1%}\n{_matrix(confusion)}")
    assert top1 >= top1_floor, _matrix(confusion)
    assert top3 >= top3_floor, _matrix(confusion)


def test_the_evaluation_sets_are_not_copied_into_the_catalog(finder):
    catalog = {same_phrase(p.text) for p in finder.patterns}
    for name in ("excuse_utterances.tsv", "excuse_utterances_later.tsv", "excuse_utterances_round3.tsv", "situation_utterances.tsv"):
        for _, _, text in _utterances(name):
            assert same_phrase(text) not in catalog, text
            best = finder.rank(text)[0]
            # a near copy of an example matches it almost whole in both directions
            assert best.score < 0.95, (text, best.cue)


def test_traditional_simplified_mixed_and_misspelt_input_find_the_same_excuse(finder):
    for typed in ("会计请假了", "會計請假了", "会记请假了", "accountant请假了", "the accountant is on leave", "the acountant is on leave"):
        found = finder.rank(typed)[0]
        assert found.excuse == "deflect.accountant_away", (typed, found)
    assert finder.rank("帳單沒收到")[0].excuse == "deflect"  # 帳 becomes 帐 in OpenCC, 账 in the catalog
    assert excuse_of(finder.rank("we never recieved the invoce")[0].excuse)[0] == "deflect"


def test_a_ranking_has_every_excuse_and_situation_with_the_cue_that_matched(finder):
    ranked = finder.rank("our accountant is away")
    # Each excuse once, by its best ladder (deflect by one of its cases, perhaps), and each situation.
    assert [m.excuse for m in ranked][0] == "deflect.accountant_away" and sorted(excuse_of(m.excuse)[0] for m in ranked) == sorted(EXCUSE_IDS + SITUATION_IDS)
    assert ranked[0].cue == "the accountant is away" and ranked[0].cue_locale == "en"
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert finder.rank("   ") == finder.rank("") and all(m.score == 0 for m in finder.rank("xyzzy"))
    assert len(finder.rank("会计不在", top=3)) == 3


def test_taiwan_and_hong_kong_chinese_convert_their_vocabulary():
    assert conversion_for("zh-TW") == "tw2sp" and conversion_for("zh_HK") == "hk2s"
    assert conversion_for("zh") == conversion_for(None) == conversion_for("en") == "t2s"


@pytest.fixture
def objections(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(OBJECTIONS, tmp_path / "objections")
    return tmp_path / "objections"


def _insert_cue(path: Path, locale: str, entry: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(f"  {locale}:", lines.index("cues:")) + 1
    lines.insert(at, f"    - {entry}")
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 1


def test_a_phrase_under_two_excuses_needs_a_weight_under_each(objections):
    stall_line = _insert_cue(objections / "stall.yaml", "en", '"head office decides"')
    with pytest.raises(ContentError) as caught:
        load_catalog(objections)
    found = {(p.code, p.path, p.line) for p in caught.value.problems}
    deflect = objections / "deflect.yaml"
    deflect_line = next(i for i, line in enumerate(deflect.read_text(encoding="utf-8").splitlines(), 1) if '"head office decides"' in line)
    assert found == {("E045", "objections/stall.yaml", stall_line), ("E045", "objections/deflect.yaml", deflect_line)}
    message = str(caught.value)
    assert "listed under deflect too" in message and "weight" in message

    # Weighted under both, the phrase is allowed, and counts as weighted.
    (objections / "stall.yaml").write_text((objections / "stall.yaml").read_text(encoding="utf-8").replace('- "head office decides"', '- {phrase: "Head office decides!", weight: 0.3}'), encoding="utf-8")
    deflect.write_text(deflect.read_text(encoding="utf-8").replace('- "head office decides"', '- {phrase: "head office decides", weight: 1.5}'), encoding="utf-8")
    finder = load_catalog(objections).finder()
    assert finder.rank("head office decides")[0].excuse == "deflect"


def test_a_cue_with_nothing_to_match_and_a_bad_weight_are_refused(objections):
    empty_line = _insert_cue(objections / "dodge.yaml", "zh", '"……"')
    weight_line = _insert_cue(objections / "dispute.yaml", "en", "{phrase: too dear, weight: 0}")
    with pytest.raises(ContentError) as caught:
        load_catalog(objections)
    found = {(p.code, p.path, p.line) for p in caught.value.problems}
    assert ("E044", "objections/dodge.yaml", empty_line) in found
    assert any(path == "objections/dispute.yaml" and line == weight_line for _, path, line in found), found


def _ordinary_notes() -> list[str]:
    lines = (DATA / "ordinary_notes.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_notes_name_an_excuse_only_when_they_clearly_speak_of_one(finder, capsys):
    """For missed objections: few flags on ordinary notes matter more than finding all
    (0 of 36 flagged and 49% found when written)."""
    rows = _utterances("excuse_utterances.tsv")
    found = sum((match := finder.detect(text)) is not None and excuse_of(match.excuse)[0] in excuse.split("|") for excuse, _, text in rows)
    wrong = sum((match := finder.detect(text)) is not None and excuse_of(match.excuse)[0] not in excuse.split("|") for excuse, _, text in rows)
    flagged = [note for note in _ordinary_notes() if finder.detect(note)]
    with capsys.disabled():
        print(f"\nmissed-objection detection: {found} of {len(rows)} excuses found, {wrong} named wrongly, {len(flagged)} of {len(_ordinary_notes())} ordinary notes flagged")
    assert len(flagged) <= 1, flagged
    assert found / len(rows) >= 0.45 and wrong <= found * 0.1
    assert finder.detect("Debtor says our accountant is on leave until next week.").excuse == "deflect.accountant_away"
    assert finder.detect("Promised to pay on Friday.") is None and finder.detect("") is None


def test_the_ordinary_notes_are_not_copied_into_the_catalog(finder):
    catalog = load_catalog(OBJECTIONS)
    written = {same_phrase(text) for text in catalog.not_excuses.en + catalog.not_excuses.zh}
    assert len(written) >= 20
    for note in _ordinary_notes():
        assert same_phrase(note) not in written, note
