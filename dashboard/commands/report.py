"""``ccpulse report``: the KPIs of a date range, whole or by queue, channel, agent, day or week.

Reads the 15-minute roll-ups through ``dashboard.store.read`` and takes every
figure with the functions the pages use, so a report and a page agree.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, datetime, timedelta, timezone

from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts
from dashboard.metrics.journey import Touchpoints, fcr_provisional, touchpoints
from dashboard.metrics.windows import date_range, iso_week, week_start
from dashboard.settings import Settings
from dashboard.store import read
from dashboard.store.db import make_engine, session_scope

KEYS = ("group", "offered", "answered", "answered_within_threshold", "abandoned", "short_abandoned",
        "service_level", "asa_seconds", "average_wait_seconds", "abandon_rate", "aht_seconds",
        "transfer_rate", "fcr", "repeat_contact_rate", "response_sla", "first_response_seconds",
        "touchpoints_mean", "touchpoints_4plus_share", "csat", "csat_mean", "nps", "ces")
SHARES = {"service_level", "abandon_rate", "transfer_rate", "fcr", "repeat_contact_rate", "response_sla",
          "touchpoints_4plus_share", "csat"}
SECONDS = {"asa_seconds", "average_wait_seconds", "aht_seconds", "first_response_seconds"}
DASH = "-"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="print the KPIs of a date range",
        description="The KPIs of the dates --from to --to (inclusive, in the site's time zone, "
                    "each day from its reset hour), from the 15-minute roll-ups.")
    parser.add_argument("--from", dest="first", type=_date, required=True, help="first date, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=_date, required=True, help="last date, YYYY-MM-DD")
    parser.add_argument("--by", choices=("queue", "channel", "agent", "day", "week"), help="one row per group")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--database-url", help="the store to read (default: the setting)")
    parser.set_defaults(handler=run_report)


def kpi_row(group: str, counts: Counts, form: str, journey: Touchpoints | None) -> dict[str, object]:
    """One report row: counts and ratios of ``counts``, journey figures when known, None for no value."""
    return {
        "group": group, "offered": counts.offered, "answered": counts.answered,
        "answered_within_threshold": counts.answered_within_threshold, "abandoned": counts.abandoned,
        "short_abandoned": counts.short_abandoned, "service_level": ratios.service_level(counts, form),
        "asa_seconds": ratios.asa_seconds(counts), "average_wait_seconds": ratios.average_wait_seconds(counts),
        "abandon_rate": ratios.abandon_rate(counts), "aht_seconds": ratios.aht_seconds(counts),
        "transfer_rate": ratios.transfer_rate(counts), "fcr": ratios.fcr(counts),
        "repeat_contact_rate": ratios.repeat_contact_rate(counts), "response_sla": ratios.response_sla(counts),
        "first_response_seconds": ratios.first_response_seconds(counts),
        "touchpoints_mean": journey.mean if journey else None,
        "touchpoints_4plus_share": journey.share_4plus if journey else None,
        "csat": ratios.csat(counts), "csat_mean": ratios.csat_mean(counts), "nps": ratios.nps(counts),
        "ces": ratios.ces(counts)}


def _journey(session, monday: date, last_monday: date) -> Touchpoints | None:
    if last_monday < monday:
        return None  # no whole ISO week inside the range: customer weeks cannot be cut
    return touchpoints(read.touchpoints(session, monday, last_monday))


def report_rows(session, settings: Settings, first: date, last: date, by: str | None) -> list[dict[str, object]]:
    """The report's rows for the dates ``first`` to ``last`` inclusive, one per group (one when ``by`` is None).

    Touchpoints come from whole ISO weeks inside the range (by week: that week, when
    it lies wholly inside), and are None by day, queue, channel or agent.
    """
    tz, reset = settings.tz, settings.day_reset_hour
    window = date_range(first, last, tz, reset)
    groups = read.counts_by(session, window.start, window.end, by, tz=tz, reset_hour=reset)
    first_monday = week_start(first + timedelta(days=6))
    last_monday = week_start(last + timedelta(days=1)) - timedelta(days=7)
    rows = []
    for key, counts in groups.items():
        form = settings.service_level_form
        journey = None
        if by is None:
            journey, label = _journey(session, first_monday, last_monday), read.ALL
        elif by == "queue":
            label = str(key)
            form = settings.queues[label].service_level_form if label in settings.queues else form
        elif by == "week":
            year, number = iso_week(key)
            label = f"{year}-W{number:02d}"
            if first <= key and key + timedelta(days=6) <= last:
                journey = _journey(session, key, key)
        else:
            label = key.isoformat() if isinstance(key, date) else str(key)
        rows.append(kpi_row(label, counts, form, journey))
    return rows


def _cell(key: str, value: object) -> str:
    if value is None:
        return DASH
    if key in SHARES:
        return f"{100 * value:.1f} %"
    if key in SECONDS:
        return f"{value:.1f} s"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def format_table(rows: list[dict[str, object]], provisional: bool) -> str:
    """Metrics down, groups across; no value is a dash; a provisional FCR is starred."""
    columns = [[str(row["group"]) for row in rows]] + [
        [_cell(key, row[key]) + ("*" if key == "fcr" and provisional and row[key] is not None else "")
         for row in rows] for key in KEYS[1:]]
    widths = [max([len(columns[0][i])] + [len(col[i]) for col in columns[1:]]) for i in range(len(rows))]
    name_width = max(len(k) for k in KEYS)
    lines = []
    for key, cells in zip(KEYS, columns):
        lines.append(key.ljust(name_width) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    if provisional:
        lines.append("* provisional: a repeat window is still open, the FCR may still fall")
    return "\n".join(lines)


def format_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=KEYS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{k: ("" if v is None else v) for k, v in row.items()} for row in rows])
    return out.getvalue().rstrip("\n")


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    if args.last < args.first:
        print(f"ccpulse report: --to {args.last} is before --from {args.first}", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            rows = report_rows(session, settings, args.first, args.last, args.by)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "csv":
        print(format_csv(rows))
    else:
        window_end = date_range(args.first, args.last, settings.tz, settings.day_reset_hour).end
        # the report's one read of the clock: it decides only the provisional mark
        now = datetime.now(timezone.utc)
        print(format_table(rows, fcr_provisional(window_end, now, settings.repeat_window_days * 86400)))
    return 0
