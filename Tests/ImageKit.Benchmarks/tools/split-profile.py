#!/usr/bin/env python3
"""Splits one CPU profile of a `pipeline` run by scenario and compares two scenarios, per image.

    PHASE_LOG=/tmp/phases.txt PIPELINE_ROWS=core PIPELINE_VARIANTS=ff DOTNET_PerfMapEnabled=1 \
      DOTNET_EnableWriteXorExecute=0 perf record -k CLOCK_MONOTONIC -F 1999 -g -o /tmp/mix.data \
      dotnet ImageKit.Benchmarks.dll pipeline 8
    perf script -i /tmp/mix.data -F time,ip,sym,dso,pid,tid --ns > /tmp/mix.txt
    python3 split-profile.py /tmp/mix.txt /tmp/phases.txt naive cold

Each timed run appends "label start end" to PHASE_LOG (CLOCK_MONOTONIC ns, the clock perf stamps samples with under
-k CLOCK_MONOTONIC); the warm-up's four runs are skipped. Samples are put in the first class whose test matches the
call chain (leaf first), then summed per image of each scenario. Both scenarios ran interleaved in one process, so
the machine's drift (this VM's CPU speed moves by 10-20 % within minutes) cancels.
"""
import collections
import re
import sys

RATE = 1999.0
CLASSES = [
    ("server (Kestrel, same process)", lambda j, leaf: "Kestrel" in j or "PipelineServer" in j or "StartServerAsync" in j),
    ("decoding (Skia)", lambda j, leaf: "libSkiaSharp" in j),
    ("SQLite (native)", lambda j, leaf: "libe_sqlite3" in leaf),
    ("kernel: recv (body copies, page faults)", lambda j, leaf: "kernel.kallsyms" in leaf and "__libc_recv" in j),
    ("kernel: send", lambda j, leaf: "kernel.kallsyms" in leaf and "__send" in j),
    ("kernel: fcntl (SQLite locks)", lambda j, leaf: "kernel.kallsyms" in leaf and "fcntl" in j),
    ("kernel: page faults elsewhere", lambda j, leaf: "kernel.kallsyms" in leaf and "page_fault" in j),
    ("kernel: other", lambda j, leaf: "kernel.kallsyms" in leaf),
    ("libc (memmove, memset, malloc)", lambda j, leaf: "libc.so" in leaf),
    ("runtime (GC, stubs, helpers)", lambda j, leaf: "libcoreclr" in leaf),
    ("managed code", lambda j, leaf: True),
]


def read_phases(path):
    rows = [line.split() for line in open(path) if line.strip()][4:]
    return [(label, int(start), int(end)) for label, start, end in rows]


def read_samples(path):
    sample = None
    for line in open(path, errors="replace"):
        if not line.strip():
            if sample:
                yield sample
            sample = None
        elif not line.startswith("\t"):
            match = re.search(r"(\d+)\.(\d+):", line)
            sample = (int(match.group(1)) * 10**9 + int(match.group(2)), [])
        elif sample is not None:
            sample[1].append(line.strip().split(" ", 1)[-1])
    if sample:
        yield sample


def main(profile, phase_log, first, second):
    phases = read_phases(phase_log)
    images = collections.Counter(label for label, _, _ in phases)
    totals = {first: collections.Counter(), second: collections.Counter()}
    for time, frames in read_samples(profile):
        label = next((l for l, s, e in phases if s <= time <= e), None)
        if label not in totals or not frames:
            continue
        chain = " ".join(frames)
        name = next(n for n, test in CLASSES if test(chain, frames[0]))
        totals[label][name] += 1
    per_image = lambda label, count: count / RATE / (images[label] * 1000) * 1e6
    print(f"| µs of CPU per image | {first} | {second} | difference |")
    print("|---|---:|---:|---:|")
    for name, _ in CLASSES + [("total", None)]:
        a = per_image(first, sum(totals[first].values()) if name == "total" else totals[first][name])
        b = per_image(second, sum(totals[second].values()) if name == "total" else totals[second][name])
        print(f"| {name} | {a:.1f} | {b:.1f} | {b - a:+.1f} |")


if __name__ == "__main__":
    main(*sys.argv[1:5])
