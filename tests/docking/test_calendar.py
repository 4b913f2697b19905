"""Working-day arithmetic of the service-level targets, across PRC holidays and make-up days."""

from __future__ import annotations

from datetime import date

import pytest

from duijie.docking.calendar import WorkCalendar, work_calendar
from duijie.docking.enums import CalendarDayKind
from duijie.docking.models import CalendarDay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("start", "days", "due"), [
    # An ordinary week: Friday + 1 working day is Monday.
    (date(2026, 3, 6), 1, date(2026, 3, 9)),
    (date(2026, 3, 9), 3, date(2026, 3, 12)),
    (date(2026, 3, 9), 0, date(2026, 3, 9)),
    # Spring Festival 2026: Sat 14 Feb is a make-up working day, 15–23 Feb are off.
    (date(2026, 2, 12), 1, date(2026, 2, 13)),
    (date(2026, 2, 12), 2, date(2026, 2, 14)),  # the make-up Saturday counts
    (date(2026, 2, 12), 3, date(2026, 2, 24)),  # then nothing until Tuesday 24 Feb
    (date(2026, 2, 13), 3, date(2026, 2, 25)),
    # ... and Sat 28 Feb is a working day too.
    (date(2026, 2, 26), 2, date(2026, 2, 28)),
    # National Day: 1–7 Oct off, Sun 20 Sep and Sat 10 Oct make-up days.
    (date(2026, 9, 19), 1, date(2026, 9, 20)),
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    # New Year: 1–3 Jan off, Sun 4 Jan worked.
    (date(2025, 12, 31), 1, date(2026, 1, 4)),
])
def test_add_working_days_on_the_prc_calendar(start: date, days: int, due: date) -> None:
    assert work_calendar().add_working_days(start, days) == due


def test_working_days_between_counts_make_up_days_and_skips_holidays() -> None:
    calendar = work_calendar()
    assert calendar.working_days_between(date(2026, 2, 12), date(2026, 2, 24)) == 3
    assert calendar.working_days_between(date(2026, 2, 24), date(2026, 2, 12)) == 0
    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6  # 29, 30 Sep, 8, 9, 10, 12 Oct


def test_weekends_only_calendar(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DUIJIE_WORK_CALENDAR = "weekends"
    calendar = work_calendar()
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 1)
    assert not calendar.is_working_day(date(2026, 2, 14))


def test_operators_days_override_the_package_and_reach_years_it_does_not_cover() -> None:
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=date(2026, 3, 9), kind=CalendarDayKind.HOLIDAY, name="园区停电")
    CalendarDay.objects.create(date=date(2026, 3, 14), kind=CalendarDayKind.WORKDAY, name="补班")
    CalendarDay.objects.create(date=date(2026, 10, 8), kind=CalendarDayKind.HOLIDAY, name="延长假期")
    calendar = work_calendar()
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert calendar.is_working_day(date(2026, 3, 14))
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(date(2026, 1, 5), -1)
