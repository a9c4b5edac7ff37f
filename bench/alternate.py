#!/usr/bin/env python3
"""Times two commands in alternation, for comparing two builds of survey (or a build
with and without some setting) on a noisy machine, where runs of one command after
the other drift with the machine's load by more than the difference measured.

    python3 bench/alternate.py RUNS PREPARE_A COMMAND_A PREPARE_B COMMAND_B

Each PREPARE (a shell command, untimed, may be "") runs before its COMMAND (a shell
command, timed, output discarded). Pairs run in ABBA order: in an A/A test the second
run of a pair was 6 % faster than the first. Prints each command's median and
minimum wall time in milliseconds and the ratio of the medians, A/B.

Warm builds need a root and an output folder per command, since the cache belongs to
one binary; for example, one paper edited before each warm build:

    python3 bench/alternate.py 10 \\
      "echo ' w' >> /tmp/a/content/papers/x.md" "cd /tmp/a && ./old build --output /dev/shm/a" \\
      "echo ' w' >> /tmp/b/content/papers/x.md" "cd /tmp/b && ./new build --output /dev/shm/b"
"""

import statistics
import subprocess
import sys
import time


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(arguments):
    if len(arguments) != 5:
        sys.exit(__doc__)
    runs = int(arguments[0])
    commands = {"A": arguments[1:3], "B": arguments[3:5]}
    times = {"A": [], "B": []}
    for run in range(runs):
        order = "AB" if run % 2 == 0 else "BA"
        for name in order:
            prepare, command = commands[name]
            if prepare:
                subprocess.run(prepare, shell=True, check=True)
            times[name].append(timed(command))
    for name, measured in times.items():
        median, least = statistics.median(measured), min(measured)
        print(f"{name}: n={len(measured)} median {1e3 * median:.1f} ms, min {1e3 * least:.1f} ms")
    print(f"A/B {statistics.median(times['A']) / statistics.median(times['B']):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
