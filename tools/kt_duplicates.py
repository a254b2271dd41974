#!/usr/bin/python3
"""Alternating-skill runs in a three-line knowledge-tracing file.

ASSIST2009's three-line files write a problem tagged with two skills as two consecutive rows,
one per skill, so a learner's sequence shows runs that alternate between two skills (a, b, a,
b, ...) whose paired answers agree. This script finds those runs (length >= 4: two problems or
more), reports their share and agreement, and writes

  OUT.dedup.csv  the file with the second row of each pair dropped (one row per problem), and
  OUT.mask       one line per response of the input, in file order: 1 if the response is the
                 second row of a pair (its answer is the first row's), else 0.

Usage: tools/kt_duplicates.py INPUT.csv OUT
"""
import sys


def read(path):
    with open(path) as f:
        lines = [l.strip() for l in f if l.strip()]
    for i in range(0, len(lines) - 2, 3):
        skills = [s for s in lines[i + 1].split(",") if s != ""]
        outcomes = [o for o in lines[i + 2].split(",") if o != ""]
        yield skills, outcomes


def pairs_in_runs(skills):
    """Indices of the second rows of pairs inside alternating runs of length >= 4."""
    second = set()
    n, i = len(skills), 0
    while i < n - 1:
        if skills[i] == skills[i + 1]:
            i += 1
            continue
        j = i + 2
        while j < n and skills[j] == skills[j - 2] and skills[j] != skills[j - 1]:
            j += 1
        if j - i >= 4:
            for k in range(i + 1, j, 2):
                second.add(k)
            i = j
        else:
            i += 1
    return second


def main(src, out):
    total = in_runs = agree = pairs = 0
    with open(out + ".dedup.csv", "w") as dd, open(out + ".mask", "w") as mask:
        for skills, outcomes in read(src):
            second = pairs_in_runs(skills)
            total += len(skills)
            in_runs += 2 * len(second)
            pairs += len(second)
            agree += sum(outcomes[k] == outcomes[k - 1] for k in second)
            keep = [k for k in range(len(skills)) if k not in second]
            dd.write("%d\n%s\n%s\n" % (len(keep), ",".join(skills[k] for k in keep),
                                       ",".join(outcomes[k] for k in keep)))
            mask.write("".join("%d\n" % (k in second) for k in range(len(skills))))
    print("%s: %d responses, %d (%.1f %%) in alternating-skill runs, %d pairs, answers agree in "
          "%.1f %%" % (src, total, in_runs, 100.0 * in_runs / total, pairs,
                       100.0 * agree / max(pairs, 1)))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
