"""Settings: database URL, locale, collector, content paths. CLI flags override
environment variables (CALLASSIST_*), which override these defaults."""

from __future__ import annotations

import getpass
from decimal import Decimal
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_CONTENT = Path(__file__).resolve().parent / "content"


def default_data_dir() -> Path:
    return Path(user_data_dir("callassist", appauthor=False))


def default_collector() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "collector"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLASSIST_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    db: str | None = None  # a SQLAlchemy URL; default: callassist.db in data_dir
    locale: str | None = None  # en or zh; default: the system locale
    collector: str = Field(default_factory=default_collector)
    scripts_dir: Path = PACKAGE_CONTENT / "scripts"
    objections_dir: Path = PACKAGE_CONTENT / "objections"
    script: str = "standard"
    creditor_en: str = "Northbridge Supply Co."
    creditor_zh: str = "北桥供应链有限公司"
    # How far above the balance a promise may go (late fees, interest), in the account's currency.
    promise_fee_allowance: Decimal = Decimal(0)

    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'callassist.db'}"

    def demo_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'demo.db'}"

    def creditor(self, locale: str) -> str:
        return self.creditor_zh if locale == "zh" else self.creditor_en

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"
