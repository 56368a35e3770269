"""Time of `baton --help`: the median of repeated runs, each a fresh process.

Run: `.venv/bin/python bench/cli_startup.py [--runs 20] [COMMAND ...]`. Target: 0.5 s. The
machine's load average is printed with the figure: on busy cores a fresh interpreter waits for
its turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, help="What to time (default: baton --help)."
    )
    args = parser.parse_args()
    command = args.command or [str(Path(sys.executable).with_name("baton")), "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    times.sort()
    median = statistics.median(times)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    print(
        f"{' '.join([Path(command[0]).name, *command[1:]])}: "
        f"median {median:.3f} s, min {times[0]:.3f} s, max {times[-1]:.3f} s "
        f"over {args.runs} runs (target {TARGET_SECONDS} s: "
        f"{'met' if median <= TARGET_SECONDS else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
