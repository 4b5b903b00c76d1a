"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) on the fit loop.

The only module that knows that API. The training loop announces its epochs and
mini-batches through the event points of ``_training.Events``; :class:`FitTasks` turns
them into scikit-learn's task tree::

    fit                    one per fit / partial_fit call; max_subtasks: the epochs
    └── epoch              one per epoch (L-BFGS: per iteration; echo state network:
        │                  its one pass); max_subtasks: its batches
        └── batch          one per optimizer step (stream: per window; echo state
                           network: per chunk of sequences); leaves

The end of every epoch passes ``fitted_estimator``: a copy of the estimator holding the
weights and the training record of that epoch, so that
:class:`sklearn.callback.ScoringMonitor` scores each epoch. A callback whose
``on_fit_task_end`` returns True stops training: at an epoch's end, after that epoch;
at a batch's end, after the batch's epoch. Either way the model is fitted and
consistent, as after early stopping, with ``n_iter_`` counting the epochs run.

With scikit-learn < 1.9 there is no ``sklearn.callback``: :data:`MIXINS` is empty, the
estimators have no ``set_callbacks`` and :func:`fit_tasks` yields no events.
"""

import copy
from contextlib import contextmanager

import numpy as np

from ._training import Events, architecture

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = None

# the base classes that give an estimator ``set_callbacks``
MIXINS = () if CallbackSupportMixin is None else (CallbackSupportMixin,)


class FitTasks:
    """The callback contexts of one fit, driven by the loop's event points.

    Parameters
    ----------
    est : BaseRNN
        The estimator being fitted (with callbacks set or propagated to it).
    X, y : object
        The data ``fit`` received, passed to the callbacks (ScoringMonitor scores on it).
    sample_weight : array-like or None
        Passed to the callbacks as the metadata ``{"sample_weight": ...}``.
    n_epochs : int
        The most epochs this fit can run.
    """

    def __init__(self, est, X, y, sample_weight, n_epochs):
        self.est = est
        self.data = {
            "X": X, "y": y,
            "metadata": None if sample_weight is None else {"sample_weight": sample_weight},
        }
        self.root = est._init_callback_context(max_subtasks=n_epochs)
        self.root.call_on_fit_task_begin(estimator=est, **self.data)
        self.epoch = self.batch = None
        self.stop_requested = False

    def events(self):
        """Return the event-point callables that drive these contexts."""
        return Events(
            on_batch_end=(self._batch_end,), on_epoch_end=(self._epoch_end,),
            on_epoch_begin=(self._epoch_begin,), on_batch_begin=(self._batch_begin,),
        )

    def _epoch_begin(self, history, info):
        self.epoch = self.root.subcontext(task_name="epoch", max_subtasks=info.n_batches)
        self.epoch.call_on_fit_task_begin(estimator=self.est, **self.data)

    def _batch_begin(self, history, info):
        self.batch = self.epoch.subcontext(task_name="batch")
        self.batch.call_on_fit_task_begin(estimator=self.est)

    def _batch_end(self, history, info):
        batch, self.batch = self.batch, None
        if batch.call_on_fit_task_end(estimator=self.est):
            self.stop_requested = True

    def _epoch_end(self, history, info):
        epoch, self.epoch = self.epoch, None
        stop = epoch.call_on_fit_task_end(
            estimator=self.est, **self.data,
            reconstruction_attributes=lambda: epoch_attributes(self.est, history, info),
        )
        return stop or self.stop_requested

    def _close_open_tasks(self):
        """End, with nothing to report, the batch and epoch whose end never came (an
        interruption inside them, an L-BFGS line search that scipy abandoned).
        """
        for name in ("batch", "epoch"):
            task = getattr(self, name)
            if task is not None:
                setattr(self, name, None)
                task.call_on_fit_task_end(estimator=self.est)

    def close(self):
        """End the open tasks and the fit, whose ``fitted_estimator`` is the model."""
        self._close_open_tasks()
        self.root.call_on_fit_task_end(
            estimator=self.est, **self.data, reconstruction_attributes={}
        )


def epoch_attributes(est, history, info):
    """Return the attributes that make a copy of ``est`` the model after an epoch.

    The weights are copied out of the trained vector ``info.params`` (which training
    goes on changing) in the model's dtype, with the training record up to that epoch.
    An echo state network's epoch ends once the estimator holds its readout: nothing to
    change.
    """
    if info.params is None:
        return {}
    shadow = copy.copy(est)
    spec = est._spec
    flat = np.array(info.params, dtype=est.output_coef_.dtype)  # a copy
    shadow._set_params_views(architecture(spec).unpack(flat, spec))
    shadow._record_history(copy.deepcopy(history))
    mine = vars(est)
    missing = object()
    return {
        name: value for name, value in vars(shadow).items()
        if mine.get(name, missing) is not value
    }


@contextmanager
def fit_tasks(est, X, y, sample_weight, n_epochs):
    """Yield the events that report a fit to ``est``'s callbacks (none without any).

    The tasks are ended when the fit returns; a fit that raises ends none of them (as
    scikit-learn's estimators do), and ``_fit_context`` tears the callbacks down.
    """
    if not getattr(est, "_skl_callbacks", None):
        yield Events()
        return
    tasks = FitTasks(est, X, y, sample_weight, n_epochs)
    yield tasks.events()
    tasks.close()
