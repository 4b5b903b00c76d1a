"""Paired differences between runs of ``bench_real_data.py --cv K``, fit by fit.

Two runs with the same ``--sets``, ``--seeds`` and ``--cv`` score the same folds of the
same training splits with the same seeds, so the difference of each fit's accuracy
against the baseline run's fit of the same (set, seed, fold) removes most of the
fold-to-fold spread that a comparison of means keeps. Reads the progress lines the
benchmark prints (``fit 3/27 ArrowHead gru seed=1 fold 2/3: acc=0.750 ...``), saved
from its standard error::

    python benchmarks/bench_real_data.py --cv 3 ... 2> base.log
    python benchmarks/bench_real_data.py --cv 3 ... --param recurrent_dropout=0.25 2> rd.log
    python benchmarks/paired_cv.py base.log rd.log

prints, per configuration and set, the number of paired fits, the two mean accuracies,
their mean difference and its standard error, and the mean of the per-set differences.
"""

import argparse
import re
import statistics
from pathlib import Path

FIT_LINE = re.compile(
    r"fit \d+/\d+ (?P<set>\S+) (?P<cell>\S+) seed=(?P<seed>\d+) fold (?P<fold>\d+)/\d+: "
    r"acc=(?P<acc>[\d.]+)"
)


def read_fits(path):
    """``{(set, cell, seed, fold): accuracy}`` of one benchmark log."""
    text = Path(path).read_text()
    return {
        (m["set"], m["cell"], m["seed"], m["fold"]): float(m["acc"])
        for m in FIT_LINE.finditer(text)
    }


def paired_rows(base, other):
    """Per set: ``(set, n, base mean, other mean, mean difference, its std. error)``."""
    rows = []
    for name in sorted({key[0] for key in other}):
        keys = [key for key in other if key[0] == name and key in base]
        if not keys:
            continue
        diffs = [other[key] - base[key] for key in keys]
        error = float("nan")
        if len(diffs) > 1:
            error = statistics.stdev(diffs) / len(diffs) ** 0.5
        rows.append((
            name, len(keys), statistics.fmean(base[key] for key in keys),
            statistics.fmean(other[key] for key in keys), statistics.fmean(diffs), error,
        ))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", help="log of the baseline run")
    parser.add_argument("runs", nargs="+", help="logs of the runs compared with it")
    args = parser.parse_args(argv)
    base = read_fits(args.baseline)
    print("| run | set | paired fits | baseline | run | difference ± s.e. |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for path in args.runs:
        label = Path(path).stem
        rows = paired_rows(base, read_fits(path))
        for name, n, b, o, d, e in rows:
            print(f"| {label} | {name} | {n} | {b:.3f} | {o:.3f} | {d:+.3f} ± {e:.3f} |")
        if rows:
            mean = statistics.fmean(row[4] for row in rows)
            print(f"| {label} | mean of {len(rows)} sets | | | | {mean:+.3f} |")


if __name__ == "__main__":
    main()
