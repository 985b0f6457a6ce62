"""Custom contact-rule profiles as files: a YAML file with the fields of a built-in one,
validated before use, every problem with its file, line and what would be valid.

    name: hk
    source: our counsel's reading of the local code, 2026
    window: {from: "09:00", to: "21:00"}
    zones: [Asia/Hong_Kong]
    conversations_per_debtor_day: 2
    retention_years: 7
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callassist.core.compliance import PROFILES, CollectsAs, HoldReason, Profile, RecordingConsent
from callassist.core.problems import ContentError, Problem, display_path
from callassist.core.yamlfile import load_model


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    opens: time = Field(alias="from", description="first local time a call may be made, HH:MM")
    closes: time = Field(alias="to", description="local time from which no call may be made, HH:MM")

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.closes <= self.opens:
            raise ValueError(f"the window must close after it opens ({self.opens:%H:%M} to {self.closes:%H:%M})")
        return self


class ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=32)
    source: str = Field(min_length=1, description="where the rules come from")
    window: _Window
    zones: list[str] = Field(min_length=1, description="IANA zones of the debtors: an unknown zone must satisfy all of them")
    conversations_per_debtor_day: int | None = Field(None, ge=1)
    unanswered_per_phone_day: int | None = Field(None, ge=1)
    attempts_per_debt_week: int | None = Field(None, ge=1)
    quiet_days_after_conversation: int | None = Field(None, ge=1)
    retention_years: int = Field(ge=1, le=100)
    disclosure: bool = False
    absolute_holds: list[HoldReason] = Field(default_factory=list, description="holds no supervisor may override for a call: only a release lifts them")
    collects_as: CollectsAs = Field("creditor", description="creditor: the desk collects its own company's debts; agency: other companies' debts")
    disclosure_consumer: bool = Field(False, description="with disclosure, a creditor's own desk says it too on consumer debts")
    recording_consent: RecordingConsent = Field("one_party", description="one_party: a party to a call may record it; all_parties: everyone on it must consent, so a recorded call's greeting says it is recorded")

    @field_validator("name")
    @classmethod
    def _own_name(cls, name: str) -> str:
        # A file named like a built-in profile would be logged (and read) as that one.
        if name in PROFILES:
            raise ValueError(f"{name!r} is a built-in profile's name: give the file's rules a name of their own, e.g. {name}-local")
        return name

    @field_validator("zones")
    @classmethod
    def _known_zones(cls, zones: list[str]) -> list[str]:
        for zone in zones:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r}: use IANA names such as Asia/Shanghai") from None
        return zones


def load_profile(path: Path) -> Profile:
    """The profile a file describes; ContentError with every problem (file, line, field)."""
    if not path.is_file():
        raise ContentError([Problem(display_path(path), 0, 0, "E001", "no such profile file", "give a built-in name (cn, us, us-creditor) or the path of a YAML profile")])
    model, _ = load_model(ProfileFile, path, link_allowed=True)
    return Profile(
        model.name,
        model.source,
        (model.window.opens, model.window.closes),
        tuple(model.zones),
        model.conversations_per_debtor_day,
        model.unanswered_per_phone_day,
        model.attempts_per_debt_week,
        model.quiet_days_after_conversation,
        model.retention_years,
        model.disclosure,
        tuple(model.absolute_holds),
        model.collects_as,
        model.disclosure_consumer,
        model.recording_consent,
    )
