"""Data larger than memory: peak memory while streaming a memmap into ``partial_fit``.

A float32 array of ``(n_sequences, 50 steps, 8 features)`` is written to a ``.npy`` file
in a temporary directory, piece by piece, and opened as a ``numpy.memmap``;
``skrnn.datasets.iter_chunks`` reads it chunk by chunk into ``partial_fit`` of an echo
state network (``cell_type="esn"``, 100 units: one pass, the exact readout of one fit)
and of a GRU (32 units, Adam: one epoch). Each run is a fresh process that measures,
from just before the file is opened to the end of the stream:

* ``allocated``: the peak of memory allocated through Python and numpy
  (``tracemalloc``, which numpy's data buffers report to);
* ``anon RSS``: the peak resident anonymous memory of the process (``RssAnon`` of
  ``/proc/self/status``, sampled every 5 ms), the memory the process owns, interpreter
  and libraries included;
* ``RSS``: the kernel's peak resident set (``VmHWM``), which also counts the memmap's
  file pages: page cache that the operating system reclaims under memory pressure.

For reference, the same model fitted on the whole array loaded into memory (``fit``
for the ESN, one ``partial_fit`` epoch for the GRU) on the smallest data set.

Usage::

    python benchmarks/bench_out_of_core.py            # ESN 32/128 MB, GRU 8/32 MB
    python benchmarks/bench_out_of_core.py --quick    # ESN 4/16 MB, GRU 2/8 MB

The table is printed and written to ``benchmarks/results/out_of_core.md``
(``out_of_core_quick.md`` with ``--quick``).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import cpu_model  # noqa: E402

STEPS, FEATURES = 50, 8
BYTES_PER_SEQUENCE = STEPS * FEATURES * 4  # float32
MB = 1e6
MODELS = {
    "esn": dict(cell_type="esn", hidden_layer_sizes=100, alpha=1e-3, random_state=0),
    "gru": dict(cell_type="gru", hidden_layer_sizes=32, batch_size=100, random_state=0),
}
FULL = {"esn": (32, 128), "gru": (8, 32)}  # total data sizes, MB
QUICK = {"esn": (4, 16), "gru": (2, 8)}
CHUNKS = (500, 2000)  # sequences per chunk
QUICK_CHUNKS = (250, 1000)


# --------------------------------------------------------------------------- data
def write_data(directory, n_sequences, seed=0):
    """``X.npy`` (float32 memmap-able) and ``y.npy`` written piece by piece."""
    X_path, y_path = directory / "X.npy", directory / "y.npy"
    X = np.lib.format.open_memmap(
        X_path, mode="w+", dtype=np.float32, shape=(n_sequences, STEPS, FEATURES)
    )
    y = np.empty(n_sequences)
    rng = np.random.RandomState(seed)
    for start in range(0, n_sequences, 5000):
        block = rng.normal(size=(min(5000, n_sequences - start), STEPS, FEATURES))
        X[start : start + len(block)] = block
        # a target the models can learn: the first steps of feature 0, the last of 1
        y[start : start + len(block)] = block[:, :5, 0].mean(axis=1) + block[:, -1, 1]
    X.flush()
    del X
    np.save(y_path, y)
    return X_path, y_path


# --------------------------------------------------------------------------- a worker
def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


class AnonPeak:
    """Peak of ``RssAnon`` sampled by a thread every ``interval`` seconds."""

    def __init__(self, interval=0.005):
        self.interval, self.peak, self._stop = interval, _status("RssAnon"), False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop:
            self.peak = max(self.peak, _status("RssAnon"))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()
        self.peak = max(self.peak, _status("RssAnon"))


def worker(model, X_path, y_path, chunk_size):
    """One measured run; prints a JSON line. ``chunk_size`` 0: the in-memory reference."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skrnn import RNNRegressor
    from skrnn.datasets import iter_chunks

    warnings.simplefilter("ignore", ConvergenceWarning)
    est = RNNRegressor(**MODELS[model])
    tracemalloc.start()
    start = time.perf_counter()
    with AnonPeak() as anon:
        y = np.load(y_path)
        if chunk_size:
            X = np.load(X_path, mmap_mode="r")
            for X_chunk, y_chunk in iter_chunks(X, y, chunk_size=chunk_size):
                est.partial_fit(X_chunk, y_chunk)
        else:
            X = np.load(X_path)
            est.fit(X, y) if model == "esn" else est.partial_fit(X, y)
    seconds = time.perf_counter() - start
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({
        "allocated": allocated, "anon": anon.peak, "rss": _status("VmHWM"),
        "seconds": seconds, "n_iter": int(est.n_iter_),
    }))


# --------------------------------------------------------------------------- the table
def measure(model, paths, chunk_size):
    out = subprocess.run(
        [sys.executable, __file__, "--worker", model, str(paths[0]), str(paths[1]),
         str(chunk_size)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data sets")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, X_path, y_path, chunk = args.worker
        worker(model, X_path, y_path, int(chunk))
        return
    sizes, chunks = (QUICK, QUICK_CHUNKS) if args.quick else (FULL, CHUNKS)
    lines = [
        f"CPU: {cpu_model()} (shared with other jobs: times are under load)",
        "",
        "| model | data (MB) | sequences | chunk (sequences) | chunk (MB) | allocated "
        "peak (MB) | anon RSS peak (MB) | RSS peak incl. file pages (MB) | time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for model, totals in sizes.items():
            for total in totals:
                n = int(total * MB / BYTES_PER_SEQUENCE)
                directory = Path(tmp) / f"{model}{total}"
                directory.mkdir()
                paths = write_data(directory, n)
                runs = [(c, f"{c}", f"{c * BYTES_PER_SEQUENCE / MB:.1f}") for c in chunks]
                if total == totals[0]:
                    runs.append((0, "all, in memory", f"{total}"))
                for chunk, chunk_label, chunk_mb in runs:
                    r = measure(model, paths, chunk)
                    line = (
                        f"| {model} | {total} | {n} | {chunk_label} | {chunk_mb} | "
                        f"{r['allocated'] / MB:.1f} | {r['anon'] / MB:.0f} | "
                        f"{r['rss'] / MB:.0f} | {r['seconds']:.1f} |"
                    )
                    print(line, flush=True)
                    lines.append(line)
                for path in paths:
                    os.remove(path)
    name = "out_of_core_quick.md" if args.quick else "out_of_core.md"
    results = Path(__file__).parent / "results" / name
    results.write_text(
        "Printed by `python benchmarks/bench_out_of_core.py"
        + (" --quick" if args.quick else "") + "`\n\n" + "\n".join(lines) + "\n"
    )
    print(f"\nwritten to {results}")


if __name__ == "__main__":
    main()
