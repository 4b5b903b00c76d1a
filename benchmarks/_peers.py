"""The two contestants of one benchmark configuration, built from the same weights.

``skrnn_core`` drives the pure core exactly as the estimators' batch step does (pack the
batch, loss and gradient, Adam); ``skrnn_estimator`` goes through the public ``fit`` /
``predict_proba``; ``torch_peer`` is the PyTorch model a user would write for the same
task (``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU``, a linear head on the last state, softmax
cross-entropy, Adam), initialised with skrnn's weights so both train the same network.
Every builder returns plain closures: ``train()`` runs one training batch, ``infer()``
one inference batch.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from skrnn import RNNClassifier
from skrnn import _network as net
from skrnn import _recurrent as rec
from skrnn._input import Sequences
from skrnn._optim import make_optimizer, optimizer_step

N_FEATURES = 32
N_CLASSES = 10
LEARNING_RATE = 1e-3


class AdamSettings:
    """Adam's settings under the estimators' parameter names, as ``make_optimizer``
    reads them."""

    learning_rate_init, beta_1, beta_2, epsilon = LEARNING_RATE, 0.9, 0.999, 1e-8


class Config(NamedTuple):
    cell: str
    T: int
    hidden: int
    layers: int = 1
    batch: int = 64
    lengths: str = "full"  # "full", "ragged" (uniform in [T/4, T]) or "half" (mean T/2)
    bidirectional: bool = False
    dtype: str = "float32"

    @property
    def label(self):
        parts = [self.cell, f"T={self.T}", f"H={self.hidden}", f"L={self.layers}"]
        if self.lengths != "full":
            parts.append(self.lengths)
        if self.bidirectional:
            parts.append("bidir")
        if self.dtype != "float32":
            parts.append(self.dtype)
        return " ".join(parts)


class Contestant(NamedTuple):
    train: Callable
    infer: Callable
    retained_bytes: Callable = lambda: 0  # memory kept between training batches


def make_lengths(config, n, rng):
    T = config.T
    if config.lengths == "full":
        return np.full(n, T, dtype=np.intp)
    low = T // 4 if config.lengths == "ragged" else 1
    lengths = rng.randint(low, T + 1, size=n)
    lengths[0] = T  # every batch reaches the same maximum length
    return lengths.astype(np.intp)


def make_data(config, n_samples, seed=0):
    """A list of ``n_samples`` sequences (T_i, 32) and integer labels."""
    rng = np.random.RandomState(seed)
    lengths = make_lengths(config, n_samples, rng)
    X = [rng.standard_normal((t, N_FEATURES)).astype(config.dtype) for t in lengths]
    y = rng.randint(0, N_CLASSES, size=n_samples)
    return X, y


def _sequences(X):
    lengths = np.array([len(x) for x in X], dtype=np.intp)
    offsets = np.zeros(len(X), dtype=np.intp)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return Sequences(np.concatenate(X), lengths, offsets)


def _spec(config):
    return net.NetSpec(
        config.cell, N_FEATURES, (config.hidden,) * config.layers, config.bidirectional,
        N_CLASSES,
    )


def initial_weights(config, seed=0):
    """skrnn's initial flat parameter vector for ``config``."""
    spec = _spec(config)
    return net.init_params(spec, np.random.RandomState(seed), np.dtype(config.dtype))


def skrnn_core(config, X, y, flat):
    """One training batch = pack + loss and gradient + Adam, as the estimators do
    (with a workspace lending the recurrent buffers from one batch to the next)."""
    spec = _spec(config)
    dtype = np.dtype(config.dtype)
    seqs = _sequences(X)
    Y = np.eye(N_CLASSES, dtype=dtype)[y]
    flat = flat.copy()
    grad_flat = np.empty_like(flat)
    params, grads = net.unpack(flat, spec), net.unpack(grad_flat, spec)
    optimizer = make_optimizer("adam", flat.size, dtype, AdamSettings)
    index = np.arange(len(X))
    workspace = rec.Workspace()

    def train():
        batch = net.make_batch(seqs, index)
        net.loss_grad(
            params, grads, spec, batch, Y[batch.order], None, "log_loss", flat=flat,
            grad_flat=grad_flat, workspace=workspace,
        )
        optimizer_step(optimizer, flat, grad_flat)

    def infer():
        net.predict_output(params, spec, net.make_batch(seqs, index), "log_loss")

    return Contestant(train, infer, lambda: workspace.nbytes)


def skrnn_estimator(config, **params):
    """The public estimator with the same training maths as the core figure."""
    return RNNClassifier(
        cell_type=config.cell, hidden_layer_sizes=(config.hidden,) * config.layers,
        bidirectional=config.bidirectional, batch_size=config.batch, alpha=0.0,
        clip_norm=None, learning_rate_init=LEARNING_RATE, tol=0.0, random_state=0,
        **params,
    )


# --------------------------------------------------------------------------- PyTorch
TORCH_MODULES = {"elman": "RNN", "lstm": "LSTM", "gru": "GRU"}


def torch_peer(config, X, y, flat):
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence

    spec = _spec(config)
    dtype = getattr(torch, config.dtype)
    module = getattr(torch.nn, TORCH_MODULES[config.cell])(
        N_FEATURES, config.hidden, num_layers=config.layers,
        bidirectional=config.bidirectional, dtype=dtype,
    )
    head = torch.nn.Linear(spec.n_features_out, N_CLASSES, dtype=dtype)
    load_skrnn_weights(module, head, net.unpack(flat, spec), config.bidirectional)
    optimizer = torch.optim.Adam([*module.parameters(), *head.parameters()], LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()

    lengths = torch.tensor([len(x) for x in X])
    padded = np.zeros((config.T, len(X), N_FEATURES), dtype=config.dtype)
    for i, x in enumerate(X):
        padded[: len(x), i] = x
    inputs = torch.from_numpy(padded)
    targets = torch.from_numpy(np.asarray(y))
    ragged = bool((lengths != config.T).any())
    n_dirs = 2 if config.bidirectional else 1

    def logits():
        # a user packs a ragged batch so that padding is skipped (and not read)
        x = inputs
        if ragged:
            x = pack_padded_sequence(inputs, lengths, enforce_sorted=False)
        _, state = module(x)
        h_n = state[0] if isinstance(state, tuple) else state
        return head(torch.cat(list(h_n[-n_dirs:]), dim=1))

    def train():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(logits(), targets)
        loss.backward()
        optimizer.step()

    def infer():
        with torch.inference_mode():
            torch.softmax(logits(), dim=1)

    return Contestant(train, infer)


def load_skrnn_weights(module, head, params, bidirectional):
    """Copy skrnn's parameters into a torch module (same names, gate order, layout)."""
    import torch

    with torch.no_grad():
        for k, p in enumerate(params.recurrent):
            layer, direction = divmod(k, 2 if bidirectional else 1)
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            for key, value in p.items():
                getattr(module, key + suffix).copy_(torch.from_numpy(np.array(value)))
        head.weight.copy_(torch.from_numpy(np.array(params.coef.T)))
        head.bias.copy_(torch.from_numpy(np.array(params.intercept)))
