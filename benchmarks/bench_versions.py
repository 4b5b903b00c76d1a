"""The recurrent core of an earlier revision against the working tree, side by side.

Extracts ``skrnn/`` of a git revision into a temporary directory, imports it under
another name (the package uses relative imports only) and times one training batch and
one inference batch of both cores, interleaved in one process (same data, same initial
weights, same task as ``bench_training.py``: batch 64, 32 features, many-to-one softmax
head, Adam, float32). Prints a markdown table of ms per batch and the ratio
now / then (below 1: faster now)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python benchmarks/bench_versions.py 1bfa3c7 --threads 1 --timer cpu

Run from the repository root (a git checkout).
"""

import argparse
import importlib
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peers import (  # noqa: E402
    LEARNING_RATE,
    N_CLASSES,
    AdamSettings,
    Config,
    make_data,
    skrnn_core,
)

ROOT = Path(__file__).resolve().parent.parent
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
GRID = [(cell, T, H) for cell in ("elman", "lstm", "gru") for T in (50, 200)
        for H in (64, 128, 256)]


def import_revision(revision, directory):
    """``skrnn/`` of ``revision`` as a package named ``skrnn_<revision>``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "skrnn"], check=True,
        capture_output=True,
    ).stdout
    name = "skrnn_" + revision.replace("-", "_").replace("~", "_").replace("^", "_")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")
    (Path(directory) / "skrnn").rename(Path(directory) / name)
    sys.path.insert(0, str(directory))
    return name


def old_core(name, config, X, y, flat):
    """The training and inference batch of the old revision's core (its own API)."""
    net = importlib.import_module(name + "._network")
    rec = importlib.import_module(name + "._recurrent")
    optim = importlib.import_module(name + "._optim")
    inp = importlib.import_module(name + "._input")
    spec = net.NetSpec(config.cell, X[0].shape[1], (config.hidden,), False, N_CLASSES)
    seqs = inp.check_sequence_list(X)
    Y = np.eye(N_CLASSES, dtype=np.float32)[y]
    flat = flat.copy()
    grad_flat = np.empty_like(flat)
    params, grads = net.unpack(flat, spec), net.unpack(grad_flat, spec)
    step = _adam(optim, flat)
    index = np.arange(len(X))
    workspace = rec.Workspace()

    def train():
        batch = net.make_batch(seqs, index)
        net.loss_grad(params, grads, spec, batch, Y[batch.order], None, "log_loss",
                      flat=flat, grad_flat=grad_flat, workspace=workspace)
        step(flat, grad_flat)

    def infer():
        net.predict_output(params, spec, net.make_batch(seqs, index), "log_loss")

    return train, infer


def _adam(optim, flat):
    """An Adam step of a revision's ``_optim``: an object before the optimizer state
    became data (a dict), a function of that dict after."""
    if hasattr(optim, "Adam"):
        return optim.Adam(flat.size, flat.dtype, LEARNING_RATE).step
    state = optim.make_optimizer("adam", flat.size, flat.dtype, AdamSettings)
    return lambda params, grad: optim.optimizer_step(state, params, grad)


def timed(fn, clock):
    start = clock()
    fn()
    return clock() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("revision", help="the earlier git revision, e.g. 1bfa3c7")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timer", choices=sorted(CLOCKS), default="cpu")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    clock = CLOCKS[args.timer]
    from skrnn import _network as net

    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(args.threads):
        name = import_revision(args.revision, tmp)
        print(f"| cell | T | H | train ms {args.revision} | now | ratio | "
              f"infer ms {args.revision} | now | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for cell, T, H in GRID:
            config = Config(cell, T, H, 1)
            X, y = make_data(config, config.batch)
            spec = net.NetSpec(cell, X[0].shape[1], (H,), False, N_CLASSES)
            flat = net.init_params(spec, np.random.RandomState(0), np.dtype(np.float32))
            new = skrnn_core(config, X, y, flat)
            old_train, old_infer = old_core(name, config, X, y, flat)
            pairs = {"train": (old_train, new.train), "infer": (old_infer, new.infer)}
            times = {key: ([], []) for key in pairs}
            for fns in pairs.values():
                for fn in fns:
                    fn()
                    fn()  # warm-up
            for r in range(args.repeats):
                for key, (a, b) in pairs.items():
                    first, second = (a, b) if r % 2 == 0 else (b, a)
                    t_first, t_second = timed(first, clock), timed(second, clock)
                    t_a, t_b = (t_first, t_second) if r % 2 == 0 else (t_second, t_first)
                    times[key][0].append(t_a)
                    times[key][1].append(t_b)
            cells = []
            for key in ("train", "infer"):
                then, now = (1e3 * np.median(v) for v in times[key])
                cells += [f"{then:.2f}", f"{now:.2f}", f"{now / then:.2f}"]
            print(f"| {cell} | {T} | {H} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
