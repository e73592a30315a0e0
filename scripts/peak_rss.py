"""Run a command and report its wall time and the peak resident memory of its whole process tree.

`/usr/bin/time -v` reports only the largest single process reaped, which misses a JVM that
dbt-spark's session method starts as a child (py4j). This polls /proc every 0.2 s and sums the
RSS of the command and all its descendants.  Usage: python scripts/peak_rss.py CMD [ARGS...]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss[int(entry)] = int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def main() -> int:
    start = time.monotonic()
    proc = subprocess.Popen(sys.argv[1:])
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.2)
    elapsed = time.monotonic() - start
    print(f"peak_rss: exit {proc.returncode}, {elapsed:.1f} s wall, peak RSS of the process tree "
          f"{peak / 1024:.0f} MB", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
