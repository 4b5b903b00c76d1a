"""One BLAS thread while skrnn computes: results that do not depend on the thread count."""

import threading

from threadpoolctl import ThreadpoolController


class _OneBlasThread:
    """Context in which BLAS runs on one thread; reentrant and shared by threads.

    A threaded BLAS splits some sums (dot products, some matrix-product shapes) between
    its threads, so the last bits of a result, and then trained weights, would depend on
    the number of threads. Training is sequential over time steps with small products
    where extra BLAS threads buy little; parallelism belongs to ``n_jobs``. The limit is
    process-wide, so it is set when the first skrnn computation starts and restored when
    the last one still running (in any thread) ends.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._running = 0
        self._blas = None  # found on first use, once numpy's BLAS is loaded
        self._saved = ()

    def __enter__(self):
        with self._lock:
            if self._running == 0:
                if self._blas is None:
                    # the libraries' own controls: threadpoolctl's limit() context
                    # re-inspects every loaded library, ~0.1 ms per prediction
                    found = ThreadpoolController().select(user_api="blas")
                    self._blas = found.lib_controllers
                self._saved = [lib.get_num_threads() for lib in self._blas]
                for lib in self._blas:
                    lib.set_num_threads(1)
            self._running += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._running -= 1
            if self._running == 0:
                for lib, n_threads in zip(self._blas, self._saved, strict=True):
                    lib.set_num_threads(n_threads)


one_blas_thread = _OneBlasThread()
