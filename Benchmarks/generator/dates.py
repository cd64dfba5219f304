"""Calendar arithmetic on `datetime.date`."""
import calendar
from datetime import date, datetime, timedelta, timezone

LAW_120 = date(2026, 7, 1)
"""Episodes planned to start from this day are judged by Law 120/2025 (a fixed 24- or 36-month term)."""
FIRST_REGIME = date(2022, 1, 1)
"""The earliest day the treatment service knows a regime for (Law 73/2021)."""
REFORM = date(2025, 7, 1)
"""Residences from this day are recorded under the 2025 communes only."""


def today():
    """The services' today: the date in Asia/Ho_Chi_Minh (UTC+7 all year, without the time zone
    database a fresh machine may lack)."""
    return datetime.now(timezone(timedelta(hours=7))).date()


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def between(rng, first, last):
    """A day from `first` to `last` inclusive (`first` when the range is empty)."""
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def days(n):
    return timedelta(days=n)


def text(day):
    return day.isoformat()
