"""Streams: sequences laid end to end, cut into parallel streams and read window by window.

Truncated backpropagation through time as Williams & Peng (1990) describe it and as
character and word language models train (char-rnn; Zaremba et al., 2014): every
sequence of an epoch is laid end to end; the concatenation of ``N`` steps is cut into
``B`` streams of ``N // B`` or ``N // B + 1`` consecutive steps; window ``k`` holds steps
``k * W : (k + 1) * W`` of every stream, and the optimizer steps after each window. A
stream's state is carried (detached) from one window to the next, and reset to zero
where a sequence starts, so no state ever flows from one sequence into another.

A window becomes one packed batch of *segments*: each stream's steps in the window, cut
where a sequence starts. A segment that goes on from the stream's previous window starts
from the stream's carried state, any other from zero. Segments are sorted by decreasing
length (stably), so the packed batch keeps their order (``_network.make_batch``).

Pure functions of integer arrays; nothing here knows about training or scikit-learn.
"""

from typing import NamedTuple

import numpy as np

from ._cells import CELLS
from ._recurrent import sort_by_length

# streams of stream=True with batch_size="auto": enough rows per step for GEMMs to pay
# off, few enough that an epoch still makes N / (32 * W) optimizer steps
AUTO_STREAMS = 32
# steps per window of stream=True with bptt_steps=None (char-rnn and Zaremba et al.'s
# small model use 50 and 20; longer windows learn longer dependencies per update)
DEFAULT_WINDOW = 64


class StreamLayout(NamedTuple):
    """Where the streams of one epoch lie in the concatenation of its sequences."""

    order: np.ndarray  # (n,) sample index of the sequences, in the order laid end to end
    seq_starts: np.ndarray  # (n,) position of each laid sequence's first step
    stream_starts: np.ndarray  # (B + 1,) first position of each stream, then N
    window: int  # steps per window

    @property
    def n_streams(self):
        return len(self.stream_starts) - 1

    @property
    def n_windows(self):
        longest = int(np.max(np.diff(self.stream_starts)))
        return -(-longest // self.window)


def stream_layout(lengths, order, n_streams, window):
    """Return the streams of sequences of ``lengths`` laid end to end in ``order``.

    The first ``N % n_streams`` streams are one step longer than the others.
    """
    laid = np.asarray(lengths, dtype=np.intp)[order]
    seq_starts = np.cumsum(laid) - laid
    total = int(laid.sum())
    size, longer = divmod(total, n_streams)
    stream_lengths = np.full(n_streams, size, dtype=np.intp)
    stream_lengths[:longer] += 1
    stream_starts = np.concatenate([[0], np.cumsum(stream_lengths)]).astype(np.intp)
    return StreamLayout(np.asarray(order, dtype=np.intp), seq_starts, stream_starts,
                        int(window))


class Segments(NamedTuple):
    """The segments of one window, sorted by decreasing length (stable)."""

    lengths: np.ndarray  # (S,) steps of each segment
    source: np.ndarray  # (S,) sample index of the sequence it is part of
    step: np.ndarray  # (S,) its first step within that sequence
    stream: np.ndarray  # (S,) the stream it belongs to
    continues: np.ndarray  # (S,) bool: starts from its stream's carried state
    last: np.ndarray  # (S,) bool: its stream's last segment in this window


def window_segments(layout, k):
    """Return the :class:`Segments` of window ``k`` of ``layout``."""
    starts, W = layout.stream_starts, layout.window
    a = np.minimum(starts[:-1] + k * W, starts[1:])
    e = np.minimum(a + W, starts[1:])
    running = np.flatnonzero(a < e)  # streams with steps in this window
    a, e = a[running], e[running]
    # a stream's steps cut where a sequence starts; pieces of different streams are
    # disjoint and in stream order, so the cuts of the window are one sorted array
    seq_starts = layout.seq_starts
    lo, hi = np.searchsorted(seq_starts, [a[0], e[-1]])
    inside = seq_starts[lo:hi]
    cuts = np.union1d(np.union1d(a, e), inside)
    begin, end = cuts[:-1], cuts[1:]
    piece = np.searchsorted(a, begin, side="right") - 1
    keep = begin < e[piece]  # not a gap between two streams' pieces
    begin, end, piece = begin[keep], end[keep], piece[keep]
    seq = np.searchsorted(seq_starts, begin, side="right") - 1
    step = begin - seq_starts[seq]
    # a stream's first segment goes on from the previous window unless a sequence
    # starts there (and in window 0 nothing came before)
    continues = (begin == a[piece]) & (step > 0) & (k > 0)
    last = end == e[piece]
    lengths = end - begin
    by_length = sort_by_length(lengths)
    return Segments(
        lengths[by_length], layout.order[seq][by_length], step[by_length],
        running[piece][by_length], continues[by_length], last[by_length],
    )


def initial_states(carried, segments, spec, dtype):
    """Return the initial states of a window's segments: the carried state of their
    stream for the segments that go on, zero for the others
    (``[layer][0]{name: (S, H)}``, the layout of ``_recurrent.stack_forward``'s
    ``h0``). ``carried`` is None before the first window.
    """
    S = len(segments.lengths)
    going_on = np.flatnonzero(segments.continues)
    states = []
    for li, width in enumerate(spec.hidden_sizes):
        per_name = {}
        for name in CELLS[spec.cell_type].state:
            value = np.zeros((S, width), dtype=dtype)
            if len(going_on):
                value[going_on] = carried[li][name][segments.stream[going_on]]
            per_name[name] = value
        states.append([per_name])
    return states


def carry(carried, final, segments, n_streams):
    """Return the streams' states after a window: each stream's last segment's final
    state (``final`` as ``_network.backprop_windows`` fills it), per layer
    ``{name: (B, H)}``.
    """
    ends = np.flatnonzero(segments.last)
    if carried is None:
        carried = [
            {name: np.zeros((n_streams, v.shape[1]), v.dtype)
             for name, v in layer[0].items()}
            for layer in final
        ]
    for out, layer in zip(carried, final, strict=True):
        for name, value in layer[0].items():
            out[name][segments.stream[ends]] = value[ends]
    return carried
