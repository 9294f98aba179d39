"""Run every benchmark in this folder and print their tables one after another.

    .venv/bin/python benchmarks/run_all.py

Each ``bench_*.py`` is a standalone script that prints its own table (case, size, seconds,
peak memory, target, met); this runner only calls them in turn, each in a fresh process so
that one benchmark's memory does not inflate the next one's peak.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.name} ==", flush=True)
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
