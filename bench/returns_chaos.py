"""The returns chaos test at the issue's size, three times: SIGKILL the worker three times during a burst of
fulfilments and refunds (``tests/chaos/test_returns_sigkill.py``), printing each run's figures and the median.

    python -m bench.returns_chaos            # scale 7: 1,050 orders = 2,100 fulfilments, ~840 refunds
    python -m bench.returns_chaos --scale 4 --runs 1
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

FIGURE = re.compile(r"returns chaos: .*?(?P<seconds>[\d.]+) s from the first event to the last document")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    seconds = []
    for run in range(1, args.runs + 1):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
             "tests/chaos/test_returns_sigkill.py"],
            env={**os.environ, "O2C_CHAOS_SCALE": str(args.scale)}, capture_output=True, text=True, check=False)
        line = next((x for x in result.stdout.splitlines() if "returns chaos:" in x), None)
        print(f"run {run}: {'passed' if result.returncode == 0 else 'FAILED'}: {line or result.stdout[-2000:]}",
              flush=True)
        if result.returncode == 0 and line and (found := FIGURE.search(line)):
            seconds.append(float(found["seconds"]))
    if seconds:
        spread = f"{min(seconds):.1f}–{max(seconds):.1f}"
        print(f"median {statistics.median(seconds):.1f} s from the first event to the last document ({spread})")
    return 0 if len(seconds) == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
