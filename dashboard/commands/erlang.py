"""``ccpulse erlang``: the Erlang C staffing calculator, the same function the queue page uses."""

from __future__ import annotations

import argparse
import json
import sys

from dashboard.erlang import Staffing, required_agents, staffing, traffic_erlangs

JSON_KEYS = ("traffic_erlangs", "agents", "p_wait", "service_level", "asa_seconds", "occupancy")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "erlang", help="agents needed for a service level (Erlang C)",
        description="Erlang C: the least number of agents meeting a service-level target, and P(wait), "
                    "service level, ASA and occupancy for those agents (or for --agents).")
    parser.add_argument("--arrivals", type=float, required=True, help="contacts arriving in the interval")
    parser.add_argument("--interval-minutes", type=float, required=True, help="length of the interval")
    parser.add_argument("--aht", type=float, required=True, help="average handle time, seconds")
    parser.add_argument("--target-sl", type=float, default=0.8, help="service-level target, a fraction (0.8)")
    parser.add_argument("--target-seconds", type=float, default=20.0, help="answer-time threshold T, seconds")
    parser.add_argument("--agents", type=int, help="show the figures for this many agents instead")
    parser.add_argument("--max-occupancy", type=float, help="also keep occupancy at or below this fraction")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(handler=run_erlang)


def erlang_result(args: argparse.Namespace) -> tuple[int, Staffing]:
    """The required agents and the figures for them (or for ``--agents``); ValueError on bad input."""
    if args.interval_minutes <= 0:
        raise ValueError("--interval-minutes must be greater than 0")
    if args.aht < 0 or args.arrivals < 0:
        raise ValueError("--arrivals and --aht cannot be negative")
    if args.agents is not None and args.agents < 0:
        raise ValueError("--agents cannot be negative")
    traffic = traffic_erlangs(args.arrivals, args.interval_minutes * 60.0, args.aht)
    required = required_agents(traffic, args.aht, args.target_sl, args.target_seconds, args.max_occupancy)
    agents = required if args.agents is None else args.agents
    return required, staffing(agents, traffic, args.aht, args.target_seconds)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def format_table(required: int, result: Staffing, args: argparse.Namespace) -> str:
    lines = [f"traffic            {result.traffic_erlangs:.2f} erlangs",
             f"required agents    {required}  (service level {args.target_sl:.0%} within "
             f"{args.target_seconds:g} s" + (f", occupancy at most {args.max_occupancy:.0%}"
                                            if args.max_occupancy else "") + ")"]
    if args.agents is not None:
        lines.append(f"staffing gap       {required - result.agents:+d}  (required − {result.agents})")
    lines += [f"with {result.agents} agents:",
              f"  P(wait)          {_percent(result.p_wait)}",
              f"  service level    {_percent(result.service_level)}",
              "  ASA              " + ("-" if result.asa_seconds is None else f"{result.asa_seconds:.1f} s"),
              f"  occupancy        {_percent(result.occupancy)}"]
    return "\n".join(lines)


def run_erlang(args: argparse.Namespace, settings) -> int:
    try:
        required, result = erlang_result(args)
    except ValueError as error:
        print(f"ccpulse erlang: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps({key: getattr(result, key) for key in JSON_KEYS}))
    else:
        print(format_table(required, result, args))
    return 0
