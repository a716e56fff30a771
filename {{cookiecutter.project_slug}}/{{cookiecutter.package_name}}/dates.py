"""Dates in the reader's own time zone: the `local_time` template filter.

The server writes UTC (the models hold aware UTC datetimes, models/types.py), labelled
as such, so a page is right without JavaScript and the same for every reader, which
keeps cached pages shareable; static/local-time.js then rewrites each date in the
browser's time zone and language.
"""

from datetime import datetime

from markupsafe import Markup

FORMATS = {"datetime": "%Y-%m-%d %H:%M", "date": "%Y-%m-%d"}
TIME_ELEMENT = Markup('<time datetime="%s" data-local-time="%s">%s UTC</time>')


def local_time(value: datetime | None, style: str = "datetime") -> Markup | str:
    """`created_at|local_time` in a template, or `created_at|local_time("date")`. A
    filter rather than a macro: the task list shows twenty, and a macro call costs
    Jinja several times what this function does."""
    if value is None:
        return "never"
    instant, text = value.isoformat(timespec="seconds"), value.strftime(FORMATS[style])
    return TIME_ELEMENT % (instant, style, text)  # Markup's % escapes each value
