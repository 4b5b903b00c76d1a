"""skrnn against PyTorch on the CPU: ms per training and inference batch, peak memory.

Run from the repository root (about 12 minutes on a quiet 2-core machine, 25 under
load); the README's table is this command's output, one thread each and process CPU
time, which stays meaningful when other jobs share the machine::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python benchmarks/bench_training.py --threads 1 --timer cpu --repeats 5

On a quiet machine, drop ``--threads 1 --timer cpu`` for wall-clock time with numpy's
BLAS thread count (both libraries get the same number of threads). ``--quick`` runs a
handful of configurations. Without torch installed, skrnn's own figures are still
reported. Results go to ``benchmarks/results/`` (``latest.md``, ``latest.json``,
``ratios.png``) and the markdown table is printed.

Method: for each configuration both contestants train the *same* network (PyTorch is
initialised with skrnn's weights): batch of 64 sequences of 32 features, many-to-one
softmax head, Adam, no clipping, no weight decay. After a warm-up, the two are timed
interleaved (alternating which goes first) so that load from other processes hits both
alike, and the median of the repeats is reported. ``torch.set_num_threads`` is set to the
number of BLAS threads numpy uses (``--threads``, applied to both with threadpoolctl).
Peak memory of one training step is read in a child process from the kernel's
high-water mark of resident memory (``VmHWM``, reset before the step), the same ruler for
both libraries; skrnn's figure adds the buffers its training loop keeps between steps.
The estimator figures go through the public API: ``fit`` (epochs over a fixed data set,
shuffling and all bookkeeping included, divided by the number of batches) and
``predict_proba`` on 64 sequences.
"""

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_model
from _peers import (
    Config,
    initial_weights,
    make_data,
    skrnn_core,
    skrnn_estimator,
    torch_peer,
)

HERE = Path(__file__).resolve().parent
CELLS = ("elman", "lstm", "gru")
# skrnn time / PyTorch time, float32, hidden >= 64 (issue 3)
TRAIN_TARGETS = {"elman": 0.6, "gru": 0.8, "lstm": 1.0}
INFER_TARGETS = {"elman": 1.0, "gru": 1.0, "lstm": 1.5}
FIT_OVERHEAD_TARGET = 1.10
HALF_LENGTH_TARGET = 0.65
FLOAT64_TARGET = 2.5


def configs(quick=False):
    """The grid of the issue, then the variants (ragged, half, bidirectional, float64,
    hidden 8), each variant next to the grid entry it is compared with."""
    Ts, Hs, Ls = ((50,), (64,), (1,)) if quick else ((50, 200), (64, 128, 256), (1, 2))
    grid = [Config(c, T, H, L) for c in CELLS for T in Ts for H in Hs for L in Ls]
    T, H = (50, 64) if quick else (200, 128)
    variants = []
    for c in CELLS:
        variants += [
            Config(c, T, H, lengths="ragged"),
            Config(c, T, H, lengths="half"),
            Config(c, T, H, bidirectional=True),
            Config(c, T, H, dtype="float64"),
        ]
        variants += [Config(c, t, 8) for t in ((50,) if quick else (50, 200))]
    return grid + variants


# --------------------------------------------------------------------------- timing
# wall-clock time; "cpu" is the process's CPU time, for a machine other processes load:
# with one thread it is the time an idle core would take (BLAS and OpenMP worker threads
# spin while they wait, so with more threads it overstates)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
CLOCK = [time.perf_counter]


def _time(fn):
    clock = CLOCK[0]
    start = clock()
    fn()
    return clock() - start


def interleaved(contestants, repeats, warmup=2):
    """Median ms of ``train`` and ``infer`` per contestant, timed in alternation."""
    for c in contestants.values():
        for _ in range(warmup):
            c.train()
            c.infer()
    times = {name: {"train": [], "infer": []} for name in contestants}
    names = list(contestants)
    for r in range(repeats):
        for name in names if r % 2 == 0 else names[::-1]:
            times[name]["train"].append(_time(contestants[name].train))
            times[name]["infer"].append(_time(contestants[name].infer))
    return {
        name: {kind: 1e3 * float(np.median(v)) for kind, v in kinds.items()}
        for name, kinds in times.items()
    }


def estimator_figures(config, repeats, n_batches=8, epochs=3):
    """ms per batch through ``fit`` and ms per ``predict_proba`` of one batch.

    Equal-length data is passed as the 3-D array a user would have, ragged data as a
    list of arrays.
    """
    X, y = make_data(config, config.batch * n_batches, seed=1)
    if config.lengths == "full":
        X = np.stack(X)
    fit_ms = []
    for _ in range(max(2, repeats // 3)):
        est = skrnn_estimator(config, max_iter=epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter reached on purpose
            fit_ms.append(1e3 * _time(lambda est=est: est.fit(X, y)) / (n_batches * epochs))
    X_batch = X[: config.batch]
    est.predict_proba(X_batch)
    predict_ms = [1e3 * _time(lambda: est.predict_proba(X_batch)) for _ in range(repeats)]
    return float(np.median(fit_ms)), float(np.median(predict_ms))


# --------------------------------------------------------------------------- memory
def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_step_mb(fn):
    """Resident memory a call adds at its peak: the high-water mark is reset first."""
    fn()
    gc.collect()
    base = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current resident size
    fn()
    return (_status_kb("VmHWM") - base) / 1024


def memory_worker(config, library):
    """Child process: peak memory of one training step of one library."""
    X, y = make_data(config, config.batch)
    build = {"skrnn": skrnn_core, "torch": torch_peer}[library]
    contestant = build(config, X, y, initial_weights(config))
    # the step's own peak, plus what is kept from the step before for reuse
    return peak_step_mb(contestant.train) + contestant.retained_bytes() / 2**20


def measure_memory(config, libraries, threads):
    """Peak memory per library, each in a fresh child process (one library's allocator
    state must not shape the other's figure) whose allocator returns freed memory."""
    env = dict(os.environ)
    # a fixed mmap threshold makes every large array its own mapping, unmapped on free,
    # so resident memory follows live memory for numpy and torch alike
    env["MALLOC_MMAP_THRESHOLD_"] = "65536"
    env["MALLOC_TRIM_THRESHOLD_"] = "0"
    out = {}
    for library in libraries:
        args = [sys.executable, __file__, "--memory-worker", library, "--threads",
                str(threads)]
        done = subprocess.run(
            args, input=json.dumps(config._asdict()), capture_output=True, text=True,
            env=env,
        )
        if done.returncode == 0:
            out[library] = json.loads(done.stdout)
        else:
            print(done.stderr, file=sys.stderr)
    return out


# --------------------------------------------------------------------------- report
def machine_info(threads, torch):
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "blas": [
            f"{i['internal_api']} {i['version']} ({i.get('architecture')} kernel, "
            f"{i['prefix']})"
            for i in threadpool_info() if i["user_api"] == "blas"
        ],
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }
    import scipy
    import sklearn

    info["scipy"], info["scikit-learn"] = scipy.__version__, sklearn.__version__
    info["torch"] = torch.__version__ if torch is not None else "not installed"
    return info


def _fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def _mark(ratio, target):
    if ratio is None or target is None:
        return ""
    return " ✓" if ratio <= target else " ✗"


def targets_for(config):
    if config.dtype != "float32" or config.hidden < 64:
        return None, None
    return TRAIN_TARGETS[config.cell], INFER_TARGETS[config.cell]


def markdown(rows, info):
    lines = [
        "| config | skrnn train ms | torch train ms | train ratio | skrnn infer ms | "
        "torch infer ms | infer ratio | skrnn peak MB | torch peak MB | fit ms/batch | "
        "fit / core | predict_proba ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        config = Config(**r["config"])
        t_train, t_infer = targets_for(config)
        label = config.label
        if config.hidden < 64:
            label += f" ({1e3 * r['skrnn']['train'] / config.T:.0f} µs/step)"
        lines.append(
            f"| {label} | {_fmt(r['skrnn']['train'])} "
            f"| {_fmt(r.get('torch', {}).get('train'))} "
            f"| {_fmt(r.get('train_ratio'))}{_mark(r.get('train_ratio'), t_train)} "
            f"| {_fmt(r['skrnn']['infer'])} | {_fmt(r.get('torch', {}).get('infer'))} "
            f"| {_fmt(r.get('infer_ratio'))}{_mark(r.get('infer_ratio'), t_infer)} "
            f"| {_fmt(r['memory'].get('skrnn'), 1)} | {_fmt(r['memory'].get('torch'), 1)} "
            f"| {_fmt(r.get('fit_ms'))} "
            f"| {_fmt(r.get('fit_over_core'))}"
            f"{_mark(r.get('fit_over_core'), FIT_OVERHEAD_TARGET)} "
            f"| {_fmt(r.get('predict_ms'))} |"
        )
    return "\n".join(lines)


def derived_checks(rows):
    """The targets that compare two configurations of skrnn with each other."""
    by_label = {Config(**r["config"]): r for r in rows}
    out = []
    for config, r in by_label.items():
        full = by_label.get(config._replace(lengths="full", dtype="float32"))
        if full is None or full is r:
            continue
        ratio = r["skrnn"]["train"] / full["skrnn"]["train"]
        if config.lengths == "half":
            real = "mean length T/2"
            out.append((f"{config.label}: train time / full-length batch ({real})", ratio,
                        HALF_LENGTH_TARGET))
        elif config.lengths == "ragged":
            out.append((f"{config.label}: train time / full-length batch (mean 5T/8)",
                        ratio, None))
        elif config.dtype == "float64":
            out.append((f"{config.label}: train time / float32", ratio, FLOAT64_TARGET))
    return out


def plot(rows, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    rows = [r for r in rows if r.get("train_ratio") is not None]
    if not rows:
        return None
    labels = [Config(**r["config"]).label for r in rows]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(rows) + 1.5))
    ax.scatter([r["train_ratio"] for r in rows], y, label="training batch", marker="o")
    ax.scatter([r["infer_ratio"] for r in rows], y, label="inference batch", marker="x")
    ax.axvline(1.0, color="gray", lw=1)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ticks = [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("skrnn time / PyTorch time (lower is faster; 1 = equal)")
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


# --------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few configurations only")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS and torch threads (default: numpy's BLAS threads)")
    parser.add_argument("--timer", choices=sorted(CLOCKS), default="wall",
                        help="wall-clock, or process CPU time (use with --threads 1)")
    parser.add_argument("--no-torch", action="store_true", help="skrnn figures only")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-estimator", action="store_true")
    parser.add_argument("--only", default=None, help="comma-separated cells to run")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--from-json", default=None,
                        help="re-render the table and plot of an earlier run's JSON")
    parser.add_argument("--memory-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    threads = args.threads or max(
        [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1]
    )
    torch = None
    if not args.no_torch and args.memory_worker != "skrnn":
        try:
            import torch
        except ImportError:
            torch = None
    with threadpool_limits(limits=threads, user_api="blas"):
        if torch is not None:
            torch.set_num_threads(threads)
        if args.from_json:
            saved = json.loads(Path(args.from_json).read_text())
            write_report(saved["rows"], saved["machine"], Path(args.out))
            return
        if args.memory_worker:
            config = Config(**json.load(sys.stdin))
            json.dump(memory_worker(config, args.memory_worker), sys.stdout)
            return
        run(args, threads, torch)


def run(args, threads, torch):
    CLOCK[0] = CLOCKS[args.timer]
    cfgs = configs(args.quick)
    if args.only:
        cfgs = [c for c in cfgs if c.cell in args.only.split(",")]
    info = machine_info(threads, torch)
    info["timer"] = args.timer
    info["load average at start"] = os.getloadavg()[0]
    print(json.dumps(info, indent=1), flush=True)
    libraries = ["skrnn"] + (["torch"] if torch is not None else [])
    rows = []
    for config in cfgs:
        mem = {} if args.no_memory else measure_memory(config, libraries, threads)
        X, y = make_data(config, config.batch)
        flat = initial_weights(config)
        contestants = {"skrnn": skrnn_core(config, X, y, flat)}
        if torch is not None:
            contestants["torch"] = torch_peer(config, X, y, flat)
        row = {"config": config._asdict(), "memory": mem}
        row.update(interleaved(contestants, args.repeats))
        if torch is not None:
            row["train_ratio"] = row["skrnn"]["train"] / row["torch"]["train"]
            row["infer_ratio"] = row["skrnn"]["infer"] / row["torch"]["infer"]
        if not args.no_estimator:
            row["fit_ms"], row["predict_ms"] = estimator_figures(config, args.repeats)
            row["fit_over_core"] = row["fit_ms"] / row["skrnn"]["train"]
        rows.append(row)
        print(markdown([row], info).splitlines()[-1], flush=True)
        del contestants
        gc.collect()

    write_report(rows, info, Path(args.out))


def write_report(rows, info, out):
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, info)
    checks = derived_checks(rows)
    check_lines = [
        f"- {name}: {ratio:.2f}" + ("" if target is None else f" (target ≤ {target}"
                                     f"{', met' if ratio <= target else ', missed'})")
        for name, ratio, target in checks
    ]
    plot_path = plot(rows, out / "ratios.png")
    text = "\n".join(
        ["## Machine", "", *[f"- {k}: {v}" for k, v in info.items()], "",
         "## Results", "", table, "", "## Length and precision", "", *check_lines, ""]
    )
    (out / "latest.md").write_text(text)
    (out / "latest.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    print("\n" + text)
    if plot_path:
        print(f"plot: {plot_path}")


if __name__ == "__main__":
    main()
