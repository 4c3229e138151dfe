"""``python -m benchmarks [NAME] [ARGS...]`` (``make bench``): run one benchmark, ``metrics`` by default.

NAME is a module of this package with a ``main(argv)`` (metrics, drilldown, trends, load, ...);
the remaining arguments go to it.
"""

from __future__ import annotations

import importlib
import inspect
import sys


def main(argv: list[str]) -> int:
    name = argv[0] if argv and not argv[0].startswith("-") else "metrics"
    rest = argv[1:] if argv and argv[0] == name else argv
    try:
        module = importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"benchmarks.{name}":
            raise
        print(f"no benchmark named {name!r} (a module benchmarks/{name}.py with main(argv))", file=sys.stderr)
        return 2
    if inspect.signature(module.main).parameters:
        return int(module.main(rest) or 0)
    sys.argv = [f"benchmarks.{name}", *rest]  # a main() that reads its own arguments
    module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
