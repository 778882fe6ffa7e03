#!/usr/bin/env python3
"""ab.py N -- LABEL CMD... [-- LABEL CMD...]: time commands A/B style.

Runs each command N times, alternating between them (so a slow minute of a
shared machine hits all alike), and prints the fastest wall time and the
fastest CPU time (user + system, children) of each. Output is discarded.

    bench/ab.py 5 -- old /tmp/assay.old yara -C sb.adb corpus -- new build/src/assay yara -C sb.adb corpus
"""
import resource
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    commands, current = [], None
    for arg in sys.argv[2:]:
        if arg == "--":
            current = []
            commands.append(current)
        else:
            current.append(arg)
    best = [[float("inf"), float("inf")] for _ in commands]
    for _ in range(runs):
        for i, cmd in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.monotonic()
            subprocess.run(cmd[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            wall = time.monotonic() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            best[i][0] = min(best[i][0], wall)
            best[i][1] = min(best[i][1], cpu)
    for cmd, (wall, cpu) in zip(commands, best):
        print(f"{cmd[0]}: wall {wall:.2f} s  cpu {cpu:.2f} s")


if __name__ == "__main__":
    main()
