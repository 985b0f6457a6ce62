"""Column types that keep money exact and times timezone-aware on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class Amount(TypeDecorator[Decimal]):
    """Decimal money: NUMERIC(18, 4) where the database has it, exact text on SQLite (whose NUMERIC is a float)."""

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4, asdecimal=True))

    def process_bind_param(self, value: Decimal | str | int | None, dialect: Dialect) -> Decimal | str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(value)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Decimal | str | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return value  # the text as written
        # NUMERIC(18, 4) pads every amount to four places; 87958.0000 would read as more
        # places than the currency has. The value is the same with the padding off.
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# What a stored time reads as when the row holds something that is not a time (a row
# changed by hand in a SQLite file): far before any call, so views can flag it, and
# reading every other row goes on.
DAMAGED_TIME = datetime(1, 1, 1, tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC; read back aware, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object):
        read = super().result_processor(dialect, coltype)
        if read is None:
            return None

        def read_or_flag(value: object) -> datetime | None:
            try:
                return read(value)
            except (ValueError, TypeError):
                return DAMAGED_TIME

        return read_or_flag

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: callassist stores only timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
