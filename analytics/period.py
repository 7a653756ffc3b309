"""The period and channel every figure is asked for, and the small shapes figures are reported in."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, true

Channel = Literal["all", "chat", "email"]
MAX_DAYS = 400


@dataclass(frozen=True)
class Period:
    """UTC days `start`…`end` (both included) and a channel (all, chat or email)."""

    start: date
    end: date
    channel: Channel = "all"

    def days(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def where(self, day_column, channel_column) -> tuple[ColumnElement, ...]:
        """The filter of a roll-up's day and channel columns."""
        channel = true() if self.channel == "all" else channel_column == self.channel
        return day_column.between(self.start, self.end), channel


def ratio(numerator: float, denominator: float, counts: str, *, scale: float = 1.0) -> dict:
    """A rate with what it counts: numerator / denominator × scale (None when nothing was counted)."""
    value = round(numerator / denominator * scale, 4) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator, "counts": counts}


def average(total: float, n: int, counts: str) -> dict:
    """An average with what it counts: the sum over how many."""
    return {
        "value": round(total / n, 2) if n else None,
        "numerator": round(total, 2),
        "denominator": n,
        "counts": counts,
    }
