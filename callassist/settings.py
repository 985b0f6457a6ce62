"""Settings: database URL, locale, collector, content paths, creditor names.

CLI flags override environment variables (CALLASSIST_<NAME>), which override the
defaults here. A plain dataclass: it is read before the first paint, so it must be cheap.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir

from callassist.core.compliance import ROLES, Profile
from callassist.core.compliance import profile as compliance_profile
from callassist.core.figures import Judge
from callassist.core.names import user_name_problem
from callassist.core.phone import BaresipSetting, PhoneError, PhoneSetting, parse_phone_setting
from callassist.core.priority import parse_class_days
from callassist.core.promises import DEFAULT_GRACE_DAYS
from callassist.core.shipped import SHIPPED_OBJECTIONS, SHIPPED_SCRIPTS

ENV_PREFIX = "CALLASSIST_"


class SettingsError(ValueError):
    """A setting with a value that cannot be used; says which and what would be valid."""


def default_data_dir() -> Path:
    return Path(user_data_dir("callassist", appauthor=False))


def default_collector() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "collector"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    db: str | None = None  # a SQLAlchemy URL; default: callassist.db in data_dir
    locale: str | None = None  # en or zh; default: the system locale
    collector: str = field(default_factory=default_collector)
    scripts_dir: Path = SHIPPED_SCRIPTS
    objections_dir: Path = SHIPPED_OBJECTIONS
    script: str = "standard"
    creditor_en: str = "Northbridge Supply"
    creditor_zh: str = "北桥供应链有限公司"
    # How far above the balance a promise may go (late fees, interest), in the account's currency.
    promise_fee_allowance: Decimal = Decimal(0)
    promise_grace_days: int = DEFAULT_GRACE_DAYS
    # Days past due at which an account moves to the next debt class (collection, watch, doubtful, write-off).
    debt_class_days: str = "0,90,180,365"
    role: str = "collector"  # collector, supervisor or trainer
    compliance: str = "cn"  # the contact rules in force (core/compliance.py)
    audit_key: Path | None = None  # the key checkpoints are signed with; default: audit/signing-key.pem in data_dir
    checkpoints: Path | None = None  # the file of signed checkpoints; default: audit/<database>.checkpoints.jsonl in data_dir
    phone: str = "none"  # what dials (core/phone.py): none, baresip://HOST:PORT or command:PROGRAM {number}

    def __post_init__(self) -> None:
        try:
            parse_class_days(self.debt_class_days)
        except ValueError as exc:
            raise SettingsError(f"{ENV_PREFIX}DEBT_CLASS_DAYS: {exc}") from None
        if self.promise_grace_days < 0:
            raise SettingsError(f"{ENV_PREFIX}PROMISE_GRACE_DAYS={self.promise_grace_days}: must be 0 or more days")
        if self.role not in ROLES:
            raise SettingsError(f"role {self.role!r} (--role, {ENV_PREFIX}ROLE): use {', '.join(ROLES)}")
        if problem := user_name_problem(self.collector):
            raise SettingsError(f"collector {problem} (--collector, {ENV_PREFIX}COLLECTOR)")
        _profile(self.compliance)  # a profile that cannot be used is said at start, not mid-call
        try:
            parse_phone_setting(self.phone)
        except PhoneError as exc:
            raise SettingsError(f"phone (--phone, {ENV_PREFIX}PHONE): {exc}") from None

    @property
    def contact_rules(self) -> Profile:
        """The profile in force: a built-in name, or a YAML file of one (core/profiles.py)."""
        return _profile(self.compliance)

    def judge(self) -> Judge:
        """What reads an ended call for its summary with this content (the shipped content's
        when this has problems): what a migration's back-fill is given."""
        from callassist.core.judge import load_judge

        return load_judge(self.scripts_dir, self.script, self.objections_dir, self.contact_rules)

    @property
    def phone_setting(self) -> PhoneSetting:
        """The phone calls are dialled through (checked when the settings were made)."""
        return parse_phone_setting(self.phone)

    @property
    def recording_notice(self) -> bool:
        """Whether calls are recorded (the phone keeps recordings) under rules that need every
        party's consent: each call then opens with the program's recording notice, on the
        first step someone may hear (core/call.py Call._owes_notice)."""
        setting = self.phone_setting
        return isinstance(setting, BaresipSetting) and setting.recordings is not None and self.contact_rules.recording_consent == "all_parties"

    @property
    def class_days(self) -> tuple[int, int, int, int]:
        return parse_class_days(self.debt_class_days)

    @classmethod
    def load(cls, **overrides) -> Settings:
        """Defaults, then CALLASSIST_* environment variables, then `overrides` (None is ignored)."""
        values = {}
        for spec in fields(cls):
            raw = os.environ.get(ENV_PREFIX + spec.name.upper())
            if overrides.get(spec.name) is not None:
                raw = overrides[spec.name]
            if raw is not None and raw != "":
                values[spec.name] = _convert(spec.name, spec.type, raw)
        return cls(**values)

    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'callassist.db'}"

    def demo_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'demo.db'}"

    def reading_url(self) -> str:
        """The database to open the worklist on, replay from or report on: the configured
        one; with none configured and no default database yet, the demo's, once made."""
        if self.db is None and not (self.data_dir / "callassist.db").exists() and (self.data_dir / "demo.db").exists():
            return self.demo_url()
        return self.database_url()

    def creditor(self, locale: str) -> str:
        return self.creditor_zh if locale == "zh" else self.creditor_en

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"

    @property
    def signing_key(self) -> Path:
        return self.audit_key or self.data_dir / "audit" / "signing-key.pem"

    def checkpoint_file(self, url: str) -> Path:
        """Where the checkpoints of the database at `url` go: --checkpoints, or a file of
        that database's own in the data dir (the demo's apart from the real one's; two
        SQLite files of one name in different folders apart too)."""
        if self.checkpoints:
            return self.checkpoints
        import hashlib

        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            where = Path(parsed.database or "memory")
            name = f"{where.stem}-{hashlib.sha256(str(where.resolve()).encode()).hexdigest()[:8]}"
        else:
            name = f"{parsed.host or 'local'}-{parsed.port or 5432}-{parsed.database}"
        return self.data_dir / "audit" / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".checkpoints.jsonl")


@lru_cache(maxsize=8)
def _profile(name: str) -> Profile:
    if not name.endswith((".yaml", ".yml")):
        try:
            return compliance_profile(name)
        except ValueError as exc:
            raise SettingsError(f"--compliance, {ENV_PREFIX}COMPLIANCE: {exc}; or the path of a YAML profile") from None
    from callassist.core.problems import ContentError
    from callassist.core.profiles import load_profile

    try:
        return load_profile(Path(name).expanduser())
    except ContentError as exc:
        raise SettingsError("the compliance profile has problems:\n" + "\n".join(str(problem) for problem in exc.problems)) from None


def _convert(name: str, kind: str, raw):
    if not isinstance(raw, str):
        return raw
    if kind in ("Path", "Path | None"):
        return Path(raw).expanduser()
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a whole number, e.g. 3") from None
    if kind == "Decimal":
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise SettingsError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number, e.g. 25.00") from None
    return raw
