#!/usr/bin/env python3
"""Aggregate per-seed weight-selection runs of `nodal repro local-reg --candidates` (one
process per seed, `--select-seeds 1 --seed S --out DIR_S`) into mean ± sample sd over the
seeds, and apply the same selection rule as `nodal::experiments::local_reg::select`: among
the `local accepted` schedules whose mean validation accuracy is at least vanilla's minus 1
point, the lowest mean validation NFE.

Usage: python3 scripts/local_reg_seeds.py DIR_0 DIR_1 ...   (reads DIR_S/seed<S>.csv)
"""
import csv
import glob
import statistics
import sys


def mean_sd(v):
    return (statistics.mean(v), statistics.stdev(v) if len(v) > 1 else 0.0)


def pm(v, d):
    m, s = mean_sd(v)
    return f"{m:.{d}f} ± {s:.{d}f}"


runs = {}  # (variant, weights) -> list of per-seed dicts (with vanilla of the same seed)
seeds = []
for d in sys.argv[1:]:
    (path,) = glob.glob(f"{d}/seed*.csv")
    seeds.append(path.split("seed")[-1].split(".")[0])
    rows = list(csv.DictReader(open(path)))
    van = next(r for r in rows if r["variant"] == "vanilla")
    for r in rows:
        runs.setdefault((r["variant"], r["w0 → w1"]), []).append((r, van))

f = float
print(f"seeds {', '.join(seeds)}; mean ± sample sd over seeds; ratios per seed to that seed's vanilla\n")
print("| variant | w0 → w1 | val acc % | val NFE ×vanilla | test acc % | Δacc (points) | test NFE/sample | NFE ×vanilla | train ×vanilla | predict speed-up |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (v, w), rs in runs.items():
    print(
        f"| {v} | {w} | {pm([f(r['val acc %']) for r, _ in rs], 2)} "
        f"| {pm([f(r['val NFE/sample']) / f(b['val NFE/sample']) for r, b in rs], 3)} "
        f"| {pm([f(r['test acc %']) for r, _ in rs], 2)} "
        f"| {pm([f(r['test acc %']) - f(b['test acc %']) for r, b in rs], 2)} "
        f"| {pm([f(r['test NFE/sample']) for r, _ in rs], 1)} "
        f"| {pm([f(r['test NFE/sample']) / f(b['test NFE/sample']) for r, b in rs], 3)} "
        f"| {pm([f(r['train CPU s']) / f(b['train CPU s']) for r, b in rs], 3)} "
        f"| {pm([f(b['predict CPU ms']) / f(r['predict CPU ms']) for r, b in rs], 2)} |"
    )
van_acc = statistics.mean(f(r["val acc %"]) for r, _ in runs[("vanilla", "–")])
cands = [
    (statistics.mean(f(r["val NFE/sample"]) for r, _ in rs), w)
    for (v, w), rs in runs.items()
    if v == "local accepted"
    and statistics.mean(f(r["val acc %"]) for r, _ in rs) >= van_acc - 1.0 - 1e-9
]
print(f"\nvanilla mean validation accuracy {van_acc:.2f} %; selected local accepted schedule: "
      + (min(cands)[1] if cands else "none admissible"))
