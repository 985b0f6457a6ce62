"""A custom contact-rule profile as a file: used as written, or refused with each problem
at its line."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from callassist.core.compliance import ContactRules
from callassist.core.problems import ContentError
from callassist.core.profiles import load_profile
from callassist.settings import Settings, SettingsError

GOOD = """\
name: hk
source: our counsel's reading, 2026
window: {from: "09:00", to: "20:30"}
zones: [Asia/Hong_Kong]
conversations_per_debtor_day: 2
retention_years: 7
"""


def test_a_profile_file_is_used_as_written(tmp_path):
    path = tmp_path / "hk.yaml"
    path.write_text(GOOD, encoding="utf-8")
    rules = load_profile(path)
    assert (rules.name, rules.window[1].hour, rules.window[1].minute, rules.retention_years, rules.unanswered_per_phone_day) == ("hk", 20, 30, 7, None)
    late = datetime(2026, 11, 20, 20, 30, tzinfo=ZoneInfo("Asia/Hong_Kong")).astimezone(UTC)
    assert [b.rule for b in ContactRules(rules, "Asia/Hong_Kong", 1, "+852", ()).budget(late).blocks] == ["hours"]
    assert Settings.load(compliance=str(path)).contact_rules == rules


def test_a_broken_profile_file_names_each_problem_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace('to: "20:30"', 'to: "08:00"').replace("Asia/Hong_Kong", "Asia/Hongkong_").replace("retention_years: 7", "retention_year: 7"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_profile(path)
    found = sorted((p.line, p.message) for p in caught.value.problems)
    assert [line for line, _ in found] == [1, 3, 4, 6], found
    assert found[0][1] == "missing key 'retention_years'" and "close after it opens (09:00 to 08:00)" in found[1][1]
    assert "unknown time zone 'Asia/Hongkong_'" in found[2][1] and "unknown key 'retention_year'" in found[3][1]
    with pytest.raises(SettingsError, match="bad.yaml:3:1: E012 window: Value error, the window must close"):
        Settings.load(compliance=str(path))
    with pytest.raises(SettingsError, match="no such profile file"):
        Settings.load(compliance=str(tmp_path / "missing.yaml"))


def test_whose_consent_recording_needs_is_the_profiles_and_decides_the_notice(tmp_path):
    """A recorded call needs the greeting's notice only where every party must consent:
    the us profiles (some states need everyone's consent, and the profile cannot tell
    which state), a file that says all_parties; not cn, and not a phone that keeps no
    recordings."""
    recorded = "baresip://127.0.0.1:4444?recordings=/var/tmp/calls"
    assert [Settings.load(compliance=name, phone=recorded).recording_notice for name in ("cn", "us", "us-creditor")] == [False, True, True]
    assert not Settings.load(compliance="us", phone="baresip://127.0.0.1:4444").recording_notice
    assert not Settings.load(compliance="us", phone="command:xdg-open tel:{number}").recording_notice
    path = tmp_path / "hk.yaml"
    path.write_text(GOOD + "recording_consent: all_parties\n", encoding="utf-8")
    assert load_profile(path).recording_consent == "all_parties" and Settings.load(compliance=str(path), phone=recorded).recording_notice
    path.write_text(GOOD + "recording_consent: everyone\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_profile(path)
    [problem] = caught.value.problems
    assert problem.line == 7 and "recording_consent" in str(problem) and "one_party" in str(problem) and "all_parties" in str(problem)
