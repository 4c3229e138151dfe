"""``ccpulse import FILE --mapping MAPPING``: import a CSV or JSON Lines file through a column mapping.

The import is a ``FileSource`` polled until the file is read, each chunk stored with
its cursor in one transaction: a killed import resumes where its last chunk was
committed when run again, and re-running a finished import adds nothing. A
progress bar goes to stderr; a summary (accepted, rejected by reason, skipped) to
stdout at the end.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import a contacts / agent states / surveys / queue_log file")
    parser.add_argument("file", help="the CSV or JSON Lines file")
    parser.add_argument("--mapping", required=True, help="the TOML column mapping (see docs/mappings/)")
    parser.add_argument("--source", help="source name the records are stored under (default: the mapping's)")
    parser.add_argument("--timezone", help="time zone of local times in the file (default: the mapping's)")
    parser.add_argument("--queues", help="comma-separated allowed queue names; other queues are rejected")
    parser.add_argument("--chunk", type=int, default=5000, help="rows per committed chunk (default 5000)")
    parser.add_argument("--restart", action="store_true",
                        help="read the file again from the start (records are updated, not duplicated)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run_import)


def run_import(args, settings) -> int:
    from tqdm import tqdm

    from collectors.pipeline import load_cursor, store_batch
    from collectors.sources.base import SourceError
    from collectors.sources.files import FileSource
    from collectors.sources.mapping import load_mapping
    from collectors.sources.validate import reason_key
    from dashboard.store.db import make_engine, upgrade_database

    mapping = load_mapping(args.mapping)
    path = Path(args.file)
    if not path.is_file():
        print(f"ccpulse import: no such file: {path}", file=sys.stderr)
        return 1
    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
    source = FileSource(args.source or mapping.name, path, mapping, timezone=args.timezone, queues=queues,
                        chunk=max(1, args.chunk))
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    cursor = load_cursor(engine, source.name)
    if args.restart:
        cursor = {**cursor, "files": {k: v for k, v in cursor.get("files", {}).items() if k != source.key}}
    tally: Counter = Counter()
    reasons: Counter = Counter()
    start = cursor.get("files", {}).get(source.key, {}).get("offset", 0)
    bar = tqdm(total=path.stat().st_size, initial=start, unit="B", unit_scale=True, file=sys.stderr,
               desc=path.name, disable=args.quiet)
    try:
        while not source.done(cursor):
            now = datetime.now(timezone.utc)
            batch, cursor = source.poll(cursor, now)
            result = store_batch(engine, settings, source.name, source.kind, batch, cursor, now)
            tally.update(accepted=result.accepted, rejected=result.rejected, skipped=result.skipped,
                         contacts=len(batch.contacts), surveys=len(batch.surveys), states=len(batch.states))
            reasons.update(f"{r.field}: {reason_key(r.reason)}" for r in batch.rejections)
            bar.update(cursor["files"][source.key]["offset"] - bar.n)
    except SourceError as error:
        print(f"ccpulse import: {error}", file=sys.stderr)
        return 1
    finally:
        bar.close()
        engine.dispose()
    print(summary(source.name, path, tally, reasons))
    return 0


def summary(name: str, path: Path, tally: Counter, reasons: Counter) -> str:
    """The end-of-import report: records accepted by kind, rejections by field and reason, skips."""
    lines = [f"imported {path.name} as source {name!r}",
             f"  accepted: {tally['accepted']} records ({tally['contacts']} contacts, "
             f"{tally['surveys']} survey responses, {tally['states']} agent states)",
             f"  rejected: {tally['rejected']}"]
    lines += [f"    {count:>7}  {reason}" for reason, count in reasons.most_common()]
    lines.append(f"  skipped:  {tally['skipped']}")
    if not any(tally.values()):
        lines.append("  (nothing new: this file was already imported; --restart reads it again)")
    return "\n".join(lines)
