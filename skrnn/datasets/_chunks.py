"""Sequences read from disk one chunk at a time, for ``partial_fit``.

scikit-learn's route for data larger than memory is ``partial_fit`` over chunks of
samples. What is read is only ever one chunk: rows ``start:stop`` of an array-like that
slices lazily (a ``numpy.memmap``, a dask array, an h5py or zarr dataset) or the ``.npy``
files of the chunk's sequences (one ragged sequence per file). Every chunk is a fresh
in-memory numpy array (or list of arrays), so the estimator never holds a reference into
the file and memory stays bounded by the chunk.
"""

import os
from numbers import Integral

import numpy as np


def _n_rows(array, position):
    """Return the number of samples of one argument (its first axis length)."""
    if isinstance(array, (list, tuple)):
        return len(array)
    shape = getattr(array, "shape", None)
    if shape is None or not hasattr(array, "__getitem__"):
        raise TypeError(
            f"{position} is a {type(array).__name__}; iter_chunks reads arrays that slice "
            "lazily (numpy.memmap, dask array, h5py or zarr dataset, numpy array) or a "
            "list of sequences or of .npy file paths."
        )
    if len(shape) == 0:
        raise ValueError(f"{position} is a scalar, not a collection of samples.")
    rows = shape[0]
    if rows is None or rows != rows:  # dask's unknown chunk sizes are NaN
        raise ValueError(
            f"{position} has an unknown number of rows (a dask array with unknown chunk "
            "sizes); call its compute_chunk_sizes() method first."
        )
    return int(rows)


def _boundaries(X, n_samples, chunk_size):
    """Row boundaries ``[0, ..., n_samples]`` of the chunks."""
    if chunk_size is None:
        blocks = getattr(X, "chunks", None)  # a dask array's blocks along axis 0
        if not (isinstance(blocks, tuple) and blocks and isinstance(blocks[0], tuple)):
            raise ValueError(
                "chunk_size is required: only a dask array has blocks to follow "
                f"(X is a {type(X).__name__})."
            )
        return np.concatenate([[0], np.cumsum(blocks[0])]).astype(int)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, Integral):
        raise TypeError(
            f"chunk_size must be an int (sequences per chunk) or None, got {chunk_size!r}."
        )
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1 sequence, got {chunk_size}.")
    return np.append(np.arange(0, n_samples, chunk_size), n_samples)


def _load(item, i):
    """Sequence ``X[i]``: read from its ``.npy`` file, or the array itself."""
    if not isinstance(item, (str, os.PathLike)):
        return item
    try:
        arr = np.load(item, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"X[{i}] ({os.fspath(item)!r}) is not a readable .npy "
                         f"array: {exc}") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive
        arr.close()
        raise ValueError(
            f"X[{i}] ({os.fspath(item)!r}) is an .npz archive; each file must hold one "
            "sequence saved with numpy.save."
        )
    return arr


def _where(X, i):
    item = X[i]
    return f"X[{i}] ({os.fspath(item)!r})" if isinstance(item, (str, os.PathLike)) else (
        f"X[{i}]"
    )


def _read_sequences(X, start, stop, first):
    """Sequences ``X[start:stop]`` of a list, each checked against ``X[first]``'s
    features per step; returns the list and the index and feature count of the first.
    """
    chunk = []
    for i in range(start, stop):
        seq = _load(X[i], i)
        ndim = np.ndim(seq)
        if ndim not in (1, 2):
            raise ValueError(
                f"{_where(X, i)} has shape {np.shape(seq)}; each sequence must be a "
                "(T_i,) or (T_i, n_features) array."
            )
        n_features = 1 if ndim == 1 else np.shape(seq)[1]
        if first is None:
            first = (i, n_features)
        elif n_features != first[1]:
            raise ValueError(
                f"{_where(X, i)} has {n_features} features per time step, but "
                f"{_where(X, first[0])} has {first[1]}; every sequence needs the same "
                "number."
            )
        chunk.append(seq)
    return chunk, first


def _read_rows(array, start, stop):
    """Rows ``start:stop`` of an argument as an in-memory numpy array (or list)."""
    if isinstance(array, (list, tuple)):
        return list(array[start:stop])
    # np.array copies out of a memmap; a dask, h5py or zarr slice is read here
    return np.array(array[start:stop])


def iter_chunks(X, *arrays, chunk_size=None):
    """Read sequences (and their targets) from disk one chunk at a time.

    The route for data larger than memory: each chunk goes to ``partial_fit``, and only
    one chunk is ever in memory. With ``cell_type="esn"`` one pass of ``partial_fit``
    over the chunks gives the readout of one ``fit`` on all of the data; trained cells
    (``"gru"``, ``"lstm"``, ``"elman"``) take one optimizer epoch per chunk, as they
    would from the same chunks held in memory.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps[, n_features]) or list
        The sequences, as

        * an array that slices lazily: a ``numpy.memmap`` (e.g. from
          ``numpy.load(path, mmap_mode="r")``), a dask array, an h5py or zarr dataset,
          or an in-memory numpy array; rows ``start:stop`` are read per chunk;
        * a list of paths (``str`` or ``os.PathLike``) of ``.npy`` files, one
          ``(T_i,)`` or ``(T_i, n_features)`` sequence per file (``numpy.save``), read
          file by file; sequences may have any lengths. In-memory arrays may stand
          among the paths.
    *arrays : array-likes of n_samples rows, or None
        Arguments cut into the same rows as ``X``, such as ``y`` and
        ``sample_weight``: numpy arrays, memmaps, dask arrays or lists. None stays None.
    chunk_size : int or None, default=None
        Sequences per chunk (the last chunk holds the rest). None follows the blocks of
        a dask array ``X`` along its first axis.

    Returns
    -------
    chunks : iterator
        One item per chunk: ``X_chunk``, the chunk's sequences in memory (an array of
        ``X``'s dimensions, or a list of arrays for a list ``X``); with ``arrays``, the
        tuple ``(X_chunk, *array_chunks)`` of each argument's rows of the chunk.
        Arguments are checked when ``iter_chunks`` is called, the data is read as the
        iterator advances, and a new call starts a new pass (an epoch).

    Raises
    ------
    ValueError
        When the arguments have different numbers of samples, ``chunk_size`` is not
        positive or is missing for an ``X`` that is not a dask array, or a sequence read
        from a list is not 1-D or 2-D, has another number of features per step than the
        first one, or is not a readable ``.npy`` file (named with its path).
    TypeError
        When an argument is neither a list nor an array that slices.

    See Also
    --------
    skrnn.RNNClassifier.partial_fit : One epoch (or, for an ESN, one chunk of the
        readout's normal equations) on a chunk.

    Notes
    -----
    Memory stays bounded by the chunk while streaming a memmap much larger than the
    chunk (measured in ``benchmarks/bench_out_of_core.py``). The pages a memmap reads
    are cached by the operating system as file pages, which it reclaims under memory
    pressure.

    Examples
    --------
    >>> import numpy as np
    >>> from skrnn.datasets import iter_chunks
    >>> X, y = np.zeros((10, 5, 2)), np.arange(10)
    >>> [(X_chunk.shape, y_chunk.tolist()) for X_chunk, y_chunk in iter_chunks(
    ...     X, y, chunk_size=4)]  # doctest: +NORMALIZE_WHITESPACE
    [((4, 5, 2), [0, 1, 2, 3]), ((4, 5, 2), [4, 5, 6, 7]), ((2, 5, 2), [8, 9])]
    """
    n_samples = _n_rows(X, "X")
    if n_samples == 0:
        raise ValueError("X holds no sequences: found 0 samples.")
    for k, array in enumerate(arrays, start=1):
        if array is not None and (rows := _n_rows(array, f"argument {k}")) != n_samples:
            raise ValueError(
                f"Found arguments with inconsistent numbers of samples: X has {n_samples}, "
                f"argument {k} (after X) has {rows}."
            )
    bounds = _boundaries(X, n_samples, chunk_size)
    return _chunks(X, arrays, bounds)


def _chunks(X, arrays, bounds):
    # a generator of its own, so that iter_chunks checks its arguments when called
    first = None
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if isinstance(X, (list, tuple)):
            X_chunk, first = _read_sequences(X, start, stop, first)
        else:
            X_chunk = _read_rows(X, start, stop)
        if not arrays:
            yield X_chunk
            continue
        yield (X_chunk, *(
            None if a is None else _read_rows(a, start, stop) for a in arrays
        ))
