"""`python -m benchmarks [name ...]`: run benchmarks by name (default: the quick ones).

Each benchmark is also runnable alone as `python -m benchmarks.bench_<name>`; every one writes
`benchmarks/results/<name>.json`.
"""

from __future__ import annotations

import runpy
import sys

QUICK = ("crypto", "lake", "simulate")


def main() -> None:
    names = sys.argv[1:] or list(QUICK)
    for name in names:
        print(f"== bench_{name}")
        sys.argv = [f"bench_{name}"]
        runpy.run_module(f"benchmarks.bench_{name}", run_name="__main__")


if __name__ == "__main__":
    main()
