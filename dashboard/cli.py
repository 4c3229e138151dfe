"""The ``ccpulse`` command. Each sub-command lives in ``dashboard/commands/<name>.py``.

A command module has ``register(subparsers)``, which adds its parser and sets
``handler=function(args, settings) -> int``. Settings are built once here and
passed down; a bad setting stops the start with its message and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import signal
import sys

import dashboard.commands
from dashboard.settings import SettingsError, load_settings

log = logging.getLogger("ccpulse")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccpulse", description="Real-time contact-center monitoring: collectors, store and dashboard.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug messages too")
    parser.add_argument("--config", help="path of a ccpulse.toml (default: ./ccpulse.toml if present)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(dashboard.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"dashboard.commands.{module_info.name}").register(subparsers)
    return parser


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    for noisy in ("werkzeug", "apscheduler.executors.default", "apscheduler.scheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


def _stop(signum, _frame) -> None:
    """A process manager's SIGTERM stops ccpulse as cleanly as Ctrl-C: jobs finish, locks are released."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    configure_logging(args.verbose)
    try:
        overrides = {k: v for k, v in vars(args).items() if k in {"host", "port", "database_url"} and v is not None}
        settings = load_settings(config_path=args.config, **overrides)
    except SettingsError as error:
        print(f"ccpulse: {error}", file=sys.stderr)
        return 2
    try:
        return int(args.handler(args, settings) or 0)
    except SettingsError as error:
        print(f"ccpulse: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        log.info("stopped")
        return 130


if __name__ == "__main__":
    sys.exit(main())
