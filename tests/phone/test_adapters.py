"""The adapters without a line (none, command:) with real processes, and ctrl_tcp's framing."""

from __future__ import annotations

import json
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callassist.core.phone import NoPhoneSetting, PhoneError, parse_phone_setting
from callassist.phone import open_phone
from callassist.phone.baresip import NetstringReader, netstring


def test_no_phone_sends_nothing_and_reports_nothing(events):
    phone = open_phone(NoPhoneSetting(), events.put)
    assert not phone.reports_line
    assert phone.dial("+86 21 5555 0101").startswith("manual-")
    with pytest.raises(PhoneError, match="cannot dial"):
        phone.dial("call me maybe")
    phone.hang_up("anything")
    phone.close()
    assert events.settle(0.1) == []


@pytest.fixture
def arguments_recorder(tmp_path):
    """A program that writes the arguments it was given, as JSON, to the file its first names."""
    program = tmp_path / "record-arguments"
    program.write_text(f"#!{sys.executable}\nimport json, sys\nopen(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))\n")
    program.chmod(0o755)
    return program


def _written(path, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return json.loads(path.read_text())
        time.sleep(0.02)
    pytest.fail(f"the phone command wrote nothing to {path} within {timeout:g} s")


def test_the_command_gets_the_number_as_one_literal_argument_without_a_shell(tmp_path, arguments_recorder, events, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "*67#5550101").write_text("")  # a shell would glob the number onto this name
    written = tmp_path / "arguments.json"
    phone = open_phone(parse_phone_setting(f"command:{arguments_recorder} {written} --dial tel:{{number}} '{{number}}'"), events.put)
    assert not phone.reports_line
    assert phone.dial("*67# 555-0101").startswith("command-")  # * and # are a shell's glob and comment
    assert _written(written) == ["--dial", "tel:*67#5550101", "*67#5550101"]
    phone.close()
    assert events.settle(0.1) == []


def test_a_number_a_shell_would_run_is_refused_and_nothing_starts(tmp_path, arguments_recorder, events):
    written = tmp_path / "arguments.json"
    phone = open_phone(parse_phone_setting(f"command:{arguments_recorder} {written} {{number}}"), events.put)
    for number in ["5550101; touch pwned", "$(touch pwned)", "`touch pwned`", "555|sh"]:
        with pytest.raises(PhoneError, match="cannot dial"):
            phone.dial(number)
    time.sleep(0.2)
    assert not written.exists() and not (tmp_path / "pwned").exists()


def test_a_command_that_cannot_start_is_a_clear_error(tmp_path, events):
    phone = open_phone(parse_phone_setting(f"command:{tmp_path / 'no-such-softphone'} {{number}}"), events.put)
    with pytest.raises(PhoneError) as raised:
        phone.dial("5550101")
    assert str(raised.value) == f"the phone command {str(tmp_path / 'no-such-softphone')!r} could not start: No such file or directory"


MESSAGES = st.lists(st.dictionaries(st.sampled_from(["event", "type", "param", "id", "data"]), st.one_of(st.booleans(), st.text(max_size=20)), max_size=4), max_size=5)


@given(MESSAGES, st.lists(st.integers(1, 40), max_size=10))
def test_ctrl_tcp_messages_are_read_back_however_the_bytes_are_cut(messages, cuts):
    stream = b"".join(netstring(message) for message in messages)
    reader, read, start = NetstringReader(), [], 0
    for cut in [*cuts, len(stream)]:
        read += reader.feed(stream[start : start + cut])
        start += cut
    read += reader.feed(stream[start:])
    assert read == messages


@pytest.mark.parametrize("garbage", [b"hello", b"12x:{}", b"2:{},x", b"3:{},"])
def test_anything_else_on_ctrl_tcp_is_refused(garbage):
    with pytest.raises(ValueError):
        NetstringReader().feed(garbage + b"9" * 20)
