"""Signed checkpoints: keys kept private, signatures that catch any change, files read safely."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace

import pytest

from callassist.core import checkpoints as signed
from callassist.core.checkpoints import Checkpoint, CheckpointError


def a_checkpoint(**changes) -> Checkpoint:
    fields = dict(log="log-1", number=1, size=10, root="ab" * 32, time="2026-12-03T08:00:00+00:00", by="zhou", key="")
    return Checkpoint(**(fields | changes))


def test_a_key_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "audit" / "signing-key.pem"
    public = signed.make_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signed.read_trusted(signed.public_key_path(path)) == public == signed.public_hex(signed.load_key(path))
    with pytest.raises(CheckpointError, match="never overwritten"):
        signed.make_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(CheckpointError, match=r"may be read by others \(mode 0644\)"):
        signed.load_key(path)
    other = tmp_path / "not-a-key.pem"
    other.write_text("hello")
    other.chmod(0o600)
    with pytest.raises(CheckpointError, match="not an unencrypted Ed25519 key"):
        signed.load_key(other)
    with pytest.raises(CheckpointError, match="no signing key"):
        signed.load_key(tmp_path / "missing.pem")
    # No key is left behind without its public half.
    blocked = tmp_path / "blocked.pem"
    signed.public_key_path(blocked).mkdir()
    with pytest.raises(CheckpointError, match="no key was made"):
        signed.make_key(blocked)
    assert not blocked.exists()


def test_any_change_to_a_signed_checkpoint_breaks_its_signature(tmp_path):
    path = tmp_path / "key.pem"
    signed.make_key(path)
    good = signed.sign(signed.load_key(path), a_checkpoint())
    assert signed.signature_problem(good) is None
    for forged in (
        replace(good, root="cd" * 32),
        replace(good, size=11),
        replace(good, time="2026-12-04T08:00:00+00:00"),
        replace(good, by="boss"),
        replace(good, number=2),
        replace(good, log="log-2"),
        replace(good, sig="00" * 64),
        replace(good, sig="zz"),
    ):
        assert signed.signature_problem(forged) is not None
    # Re-signed by another key, it holds for that key only: the verifier decides which keys count.
    signed.make_key(tmp_path / "other.pem")
    resigned = signed.sign(signed.load_key(tmp_path / "other.pem"), replace(good, root="cd" * 32))
    assert signed.signature_problem(resigned) is None and resigned.key != good.key


def test_a_checkpoint_file_is_read_line_by_line_and_says_what_is_wrong(tmp_path):
    key_path = tmp_path / "key.pem"
    signed.make_key(key_path)
    key = signed.load_key(key_path)
    path = tmp_path / "checkpoints.jsonl"
    first, second = signed.sign(key, a_checkpoint()), signed.sign(key, a_checkpoint(number=2, size=12))
    signed.append(path, first)
    signed.append(path, second)
    found, problems = signed.read(path)
    assert [number for number, _ in found] == [1, 2] and [c for _, c in found] == [first, second] and not problems
    lines = path.read_text().splitlines()
    hostile = [lines[0], "not json", json.dumps({"v": 1}), json.dumps(json.loads(lines[1]) | {"size": "12"}), json.dumps(json.loads(lines[1]) | {"time": "yesterday"}), json.dumps(json.loads(lines[1]) | {"size": True}), lines[1][:40]]
    path.write_text("\n".join(hostile))
    found, problems = signed.read(path)
    assert [number for number, _ in found] == [1]
    assert [problem.line for problem in problems] == [2, 3, 4, 5, 6, 7]
    assert problems[-1].reason == "cut off: the file ends inside this line"
    assert "size: v, number, size are whole numbers" in problems[2].reason
    with pytest.raises(CheckpointError, match="no checkpoint file"):
        signed.read(tmp_path / "missing.jsonl")
