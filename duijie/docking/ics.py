"""A case's meeting as an iCalendar file (RFC 5545), for the attendees' calendars."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from icalendar import Calendar, Event

from duijie.docking.models import CaseEntry

DEFAULT_LENGTH = timedelta(hours=1)


def meeting_calendar(meeting: CaseEntry, title: str, url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Duijie//docking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "duijie.local"
    event.add("uid", f"docking-{meeting.case_id}-meeting-{meeting.pk}@{host}")
    event.add("dtstamp", meeting.created_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    event.add("summary", title)
    if meeting.location:
        event.add("location", meeting.location)
    description = "\n".join(part for part in (meeting.body, meeting.online_link, meeting.attendees, url) if part)
    event.add("description", description)
    if meeting.online_link:
        event.add("url", meeting.online_link)
    else:
        event.add("url", url)
    calendar.add_component(event)
    return calendar.to_ical()
