"""Working days for the service-level targets: weekends off, PRC public holidays off, make-up working
days (调休) on.

The State Council's schedule comes from the ``chinese-calendar`` package (it covers each year from
2004 to the last one published when the package was released); operators add later years, or a
local day off, as ``CalendarDay`` rows, which override the package. Past the package's years, and
with ``DUIJIE_WORK_CALENDAR = "weekends"``, only weekends and those rows count.

``WorkCalendar`` is plain Python (no database): ``work_calendar()`` builds the one in use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings


class WorkCalendar:
    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts: a case opened on
        a Friday with one working day to go is due on Monday)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        left = days
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after it)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def packaged_schedule() -> tuple[dict[date, str], dict[date, str]]:
    """(holidays on weekdays, make-up working days) of the State Council's schedule, by name."""
    from chinese_calendar import constants

    return dict(constants.holidays), dict(constants.workdays)


def work_calendar() -> WorkCalendar:
    from duijie.docking.enums import CalendarDayKind
    from duijie.docking.models import CalendarDay

    holidays: set[date] = set()
    workdays: set[date] = set()
    if getattr(settings, "DUIJIE_WORK_CALENDAR", "cn") == "cn":
        packaged_holidays, packaged_workdays = packaged_schedule()
        holidays.update(packaged_holidays)
        workdays.update(packaged_workdays)
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        if kind == CalendarDayKind.HOLIDAY:
            holidays.add(day)
            workdays.discard(day)
        else:
            workdays.add(day)
            holidays.discard(day)
    return WorkCalendar(holidays, workdays)


def local_date(moment: datetime) -> date:
    from django.utils import timezone

    return timezone.localtime(moment).date()
