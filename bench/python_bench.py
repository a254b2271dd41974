"""Python against the CLI and C++: fitting assist2015_train, and the per-call cost of
Engine.record / Engine.recommend (the same course and loops as bench/engine_bench.cpp).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--runs 5]

Prints medians over the runs; docs/performance.md records them. Not a test: nothing asserted.
"""
import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

import pathwise
from pathwise import _native

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "assist2015", "assist2015_train.csv")
CLI = os.path.join(ROOT, "build", "pathwise")


def median_time(f, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def three_line_frame(path):
    """assist2015 as a pyBKT-style data frame (user_id, skill_name, correct, order_id)."""
    with open(path) as f:
        lines = [l.strip().rstrip(",") for l in f]
    users, skills, correct = [], [], []
    for k in range(0, len(lines) - 2, 3):
        s = lines[k + 1].split(",")
        c = lines[k + 2].split(",")
        users += ["learner-%d" % (k // 3)] * len(s)
        skills += s
        correct += [int(x) for x in c]
    return pd.DataFrame({"user_id": users, "skill_name": skills, "correct": correct,
                         "order_id": np.arange(1, len(correct) + 1)})


def fit_figures(runs):
    if not os.path.exists(DATA):
        print("assist2015 not found (%s); fit figures skipped" % DATA)
        return
    out = "/tmp/pathwise-bench-a15.json"
    df = three_line_frame(DATA)
    runs_of = {"cli": [], "path": [], "frame": []}
    cpu_of = {"cli": [], "path": [], "frame": []}
    # Interleaved, so that a change in the machine's load hits all three alike. CPU time (all
    # threads; the CLI's from its rusage) is less disturbed by other processes than wall time.
    for _ in range(runs):
        for name, f in (("cli", lambda: subprocess.run([CLI, "fit", DATA, "-o", out, "--quiet"],
                                                       check=True, capture_output=True)),
                        ("path", lambda: pathwise.Model().fit(data_path=DATA)),
                        ("frame", lambda: pathwise.Model().fit(data=df))):
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            p0 = time.process_time()
            t = time.perf_counter()
            f()
            runs_of[name].append(time.perf_counter() - t)
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_of[name].append(time.process_time() - p0 + (c1.ru_utime - c0.ru_utime) +
                                (c1.ru_stime - c0.ru_stime))
    print("assist2015_train fit, %d interleaved runs, seconds:" % runs)
    for name, label in (("cli", "CLI `pathwise fit -o`      "),
                        ("path", "Model().fit(data_path=...) "),
                        ("frame", "Model().fit(data=DataFrame)")):
        w, c = runs_of[name], cpu_of[name]
        print("  %s wall min %.3f median %.3f (%.2f x CLI)  cpu median %.3f (%.2f x CLI)" % (
            label, min(w), statistics.median(w),
            statistics.median(w) / statistics.median(runs_of["cli"]), statistics.median(c),
            statistics.median(c) / statistics.median(cpu_of["cli"])))
    convert, _ = median_time(lambda: pathwise.read_log(data=df), runs)
    m = pathwise.Model().fit(data=df)
    same = m.native == pathwise.Model().fit(data_path=DATA).native
    print("  DataFrame -> log (%d rows)  %.3f" % (len(df), convert))
    print("  DataFrame fit == file fit:", same)


def engine_figures(runs):
    skills = [{"id": "skill-%d" % k} for k in range(100)]
    for k in range(100):
        if k % 10:
            skills[k]["prerequisites"] = ["skill-%d" % (k - 1)]
    items = [{"id": "item-%d-%d" % (k, i), "skills": ["skill-%d" % k], "difficulty": i / 19.0}
             for k in range(100) for i in range(20)]
    curriculum = {"format": "pathwise-curriculum", "version": "1.0", "skills": skills,
                  "items": items}
    model = _native.BktModel()
    for k in range(100):
        model.set_skill("skill-%d" % k, {"prior": 0.2 + 0.005 * k, "learn": 0.15,
                                         "forget": 0.0, "guess": 0.2, "slip": 0.1})
    ids = [it["id"] for it in items]
    learners = ["learner-%d" % i for i in range(1000)]
    t0 = dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=dt.timezone.utc)
    n = 100000

    def record_loop():
        e = pathwise.Engine(curriculum, model, options={"check_clock": False})
        start = time.perf_counter()
        for i in range(n):
            e.record(learners[i % 1000], ids[(i * 7) % 2000], i % 3 != 0, t0)
        return (time.perf_counter() - start) / n

    def recommend_loop():
        e = pathwise.Engine(curriculum, model, options={"check_clock": False})
        t = t0
        for k in range(100):
            if k % 10 > 3:
                continue
            for r in range(12):
                t += dt.timedelta(minutes=1)
                e.record("learner", "item-%d-%d" % (k, r % 20), True, t)
        start = time.perf_counter()
        for _ in range(n // 4):
            e.recommend("learner", t)
        return (time.perf_counter() - start) / (n // 4)

    rec = statistics.median(record_loop() for _ in range(runs))
    recommend = statistics.median(recommend_loop() for _ in range(runs))
    print("Engine per call from Python, in memory, median of %d runs:" % runs)
    print("  record     %.2f us" % (rec * 1e6))
    print("  recommend  %.2f us" % (recommend * 1e6))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    fit_figures(a.runs)
    engine_figures(a.runs)
    sys.exit(0)
