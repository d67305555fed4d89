"""Reads .ics files the way calendars do (the icalendar library) and checks
what Norvalt's booking confirmations must get right: one VEVENT; DTSTART
and DTEND in Europe/Oslo at the UTC instants expected; and the file's own
VTIMEZONE (as a calendar without a tz database would use it) giving the
same offset as the tz database, for the event and around both
daylight-saving changes of its year.

Usage: check_ics.py FILE EXPECTED_START_UTC [FILE EXPECTED_START_UTC ...]
(EXPECTED_START_UTC as 2026-12-10T16:00:00+00:00). Exits non-zero with the
reason on the first failure.
"""

import datetime
import sys
import zoneinfo

from icalendar import Calendar

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def check(path: str, expected_start: str) -> None:
    raw = open(path, "rb").read()
    assert b"\n" not in raw.replace(b"\r\n", b""), f"{path}: a line does not end in CRLF"
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), f"{path}: a line is over 75 octets"
    cal = Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    assert len(events) == 1, f"{path}: {len(events)} events"
    event = events[0]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert str(start.tzinfo) == "Europe/Oslo", f"{path}: DTSTART zone {start.tzinfo}"
    utc = datetime.timezone.utc
    got = start.astimezone(utc).isoformat()
    assert got == expected_start, f"{path}: starts {got}, expected {expected_start}"
    assert end > start, f"{path}: ends before it starts"
    # The file's own zone definition, without looking the TZID up.
    own = cal.walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    year = start.year
    probes = [start.replace(tzinfo=None)] + [
        datetime.datetime(year, month, day, hour, 30)
        for month, day in ((3, 20), (4, 5), (10, 20), (11, 5))
        for hour in (9, 17)
    ]
    for local in probes:
        ours = own.localize(local).utcoffset() if hasattr(own, "localize") else local.replace(tzinfo=own).utcoffset()
        tzdb = local.replace(tzinfo=OSLO).utcoffset()
        assert ours == tzdb, f"{path}: VTIMEZONE gives {ours} at {local}, the tz database {tzdb}"


def main() -> int:
    args = sys.argv[1:]
    if not args or len(args) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        for path, expected in zip(args[::2], args[1::2]):
            check(path, expected)
    except AssertionError as e:
        print(f"check_ics: {e}", file=sys.stderr)
        return 1
    print(f"check_ics: {len(args) // 2} calendar(s) read as intended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
