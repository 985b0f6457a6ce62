"""Signed checkpoints of the team-wide log, kept in a file outside the database.

A checkpoint says: the log `log` had `size` entries with Merkle root `root` at `time`,
signed by `by` with an Ed25519 key that never enters the database. The file holds one
checkpoint a line (JSON), so it can be mailed, committed to git or kept on WORM storage;
whoever later rewrites the database cannot make the log extend a checkpoint they did not
sign, nor sign one with a key they do not hold.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from callassist.core.jsonvalue import is_json_object
from callassist.core.private import open_private, private_dir

FORMAT = 1
FIELDS = ("v", "log", "number", "size", "root", "time", "by", "key", "sig")
WHOLE = ("v", "number", "size")


class CheckpointError(ValueError):
    """A key or checkpoint file that cannot be used: which, where, and what would do."""


@dataclass(frozen=True)
class Checkpoint:
    log: str  # the log's id (storesetting log_id): checkpoints of another database do not apply
    number: int  # 1, 2, ... in the order the database recorded them
    size: int  # entries of the log it covers
    root: str  # hex Merkle root of those entries
    time: str  # ISO 8601 UTC, when it was taken
    by: str  # who signed
    key: str  # hex of the raw Ed25519 public key
    sig: str = ""  # hex Ed25519 signature of signed_bytes()
    v: int = FORMAT

    def signed_bytes(self) -> bytes:
        body = {name: value for name, value in asdict(self).items() if name != "sig"}
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def line(self) -> str:
        return json.dumps({name: getattr(self, name) for name in FIELDS}, ensure_ascii=False, separators=(",", ":"))

    @property
    def taken_at(self) -> datetime:
        return datetime.fromisoformat(self.time)


def fingerprint(public_hex: str) -> str:
    """A short name for a public key, to compare by eye or on the phone."""
    return public_hex[:16]


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".pub")


def make_key(path: Path) -> str:
    """A new signing key at `path` (mode 0600, never overwritten) and its public half
    beside it (`.pub`); returns the public key's hex."""
    private_dir(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        descriptor = open_private(path, os.O_WRONLY | os.O_EXCL)
    except FileExistsError:
        raise CheckpointError(f"{path} exists already: a signing key is never overwritten (move it away first, or use --key)") from None
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())
    public = public_hex(key)
    try:
        with os.fdopen(open_private(public_key_path(path), os.O_WRONLY | os.O_TRUNC), "w", encoding="ascii") as out:
            out.write(public + "\n")
    except OSError as exc:
        path.unlink()  # no key without its public half: a retry starts clean
        raise CheckpointError(f"cannot write the public key {public_key_path(path)}: {exc.strerror}; no key was made") from None
    return public


def load_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at `path`; refused when others may read it."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"no signing key at {path}: make one with `callassist audit keygen`") from None
    except OSError as exc:
        raise CheckpointError(f"cannot read the signing key {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointError(f"{path} may be read by others (mode {stat.S_IMODE(mode):04o}): `chmod 600 {path}`, or make a new key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise CheckpointError(f"{path} is not an unencrypted Ed25519 key in PEM (as `callassist audit keygen` writes)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} holds another kind of key, not an Ed25519 key (as `callassist audit keygen` makes)")
    return key


def own_key(path: Path, make: bool = False) -> Ed25519PrivateKey:
    """The signing key at `path`; made first (mode 0600) when `make` and there is none."""
    if make and not path.exists():
        make_key(path)
    return load_key(path)


def read_trusted(path: Path) -> str:
    """A public key to trust: a `.pub` file's hex (or a signing key's public half)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise CheckpointError(f"cannot read the public key {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        text = ""
    if text.startswith("-----BEGIN PRIVATE KEY"):
        return public_hex(load_key(path))
    try:
        if len(bytes.fromhex(text)) == 32:
            return text.lower()
    except ValueError:
        pass
    raise CheckpointError(f"{path}: a public key is 64 hex digits (the .pub file `callassist audit keygen` writes)")


def sign(key: Ed25519PrivateKey, checkpoint: Checkpoint) -> Checkpoint:
    unsigned = replace(checkpoint, key=public_hex(key), sig="")
    return replace(unsigned, sig=key.sign(unsigned.signed_bytes()).hex())


def signature_problem(checkpoint: Checkpoint) -> str | None:
    """Why the signature does not hold, or None."""
    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.key))
        public.verify(bytes.fromhex(checkpoint.sig), checkpoint.signed_bytes())
    except (ValueError, TypeError, InvalidSignature):
        return "its signature does not match what it says (changed after signing, or forged)"
    return None


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Add a line to the checkpoint file, written through to the disk."""
    private_dir(path.parent)
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_APPEND), "a", encoding="utf-8") as out:
        out.write(checkpoint.line() + "\n")
        out.flush()
        os.fsync(out.fileno())


@dataclass(frozen=True)
class FileProblem:
    line: int
    reason: str


def read(path: Path) -> tuple[list[tuple[int, Checkpoint]], list[FileProblem]]:
    """Each checkpoint of the file with its line number, and each line that is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"no checkpoint file {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    found: list[tuple[int, Checkpoint]] = []
    problems: list[FileProblem] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            if not is_json_object(fields) or set(fields) != set(FIELDS):
                raise ValueError(f"a checkpoint has the fields {', '.join(FIELDS)}")
            wrong = [name for name in FIELDS if not isinstance(fields[name], int if name in WHOLE else str) or isinstance(fields[name], bool)]
            if wrong:
                raise ValueError(f"{', '.join(wrong)}: {', '.join(WHOLE)} are whole numbers, the rest text")
            checkpoint = Checkpoint(**fields)
            if checkpoint.taken_at.tzinfo is None:
                raise ValueError(f"time {checkpoint.time!r} has no UTC offset")
        except (ValueError, RecursionError) as exc:
            cut = number == len(lines) and not text.endswith("\n")
            problems.append(FileProblem(number, "cut off: the file ends inside this line" if cut else f"not a checkpoint ({exc})"))
            continue
        found.append((number, checkpoint))
    return found, problems
