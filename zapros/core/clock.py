"""The one place Zapros asks for the time, so that tests can move it."""

from datetime import date, datetime, time

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def zone(name: str | None):
    """The time zone called ``name``, or UTC when it is empty or unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(zone_name: str | None) -> date:
    """Today's date in the zone called ``zone_name``."""
    return now().astimezone(zone(zone_name)).date()


def start_of(day: date, zone_name: str | None) -> datetime:
    """The first moment of ``day`` in the zone called ``zone_name`` (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone(zone_name))
