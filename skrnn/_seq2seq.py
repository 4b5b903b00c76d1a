"""Sequence outputs: aligned per-step heads, encoder–decoders and generation.

Pure functions over numpy arrays; nothing here knows about scikit-learn.

Two objectives sit beside the many-to-one one of ``_network``:

* **aligned** — the model of ``_network`` (one recurrent stack and a dense head) reads
  every step's top output instead of the final state only. Sample ``i`` has ``K_i``
  targets, aligned with the *last* ``K_i`` of its ``L_i`` input steps, so ``K_i = 1`` is
  many-to-one and ``K_i = L_i`` is tagging or next-step prediction.
* **encoder_decoder** — an encoder stack reads ``x_i``; its final states (every layer;
  both directions concatenated when bidirectional) are the initial states of a
  unidirectional decoder stack that emits ``y_i``. The decoder's input at step 0 is a
  start flag, at step ``t`` the target of step ``t - 1`` (teacher forcing), or, with
  probability ``1 - teacher_forcing_ratio``, the model's own prediction of that step.
  The decoder's initial-state gradients flow back into the encoder as final-state
  gradients (``stack_backward(..., d_states=...)``).

Targets are :class:`TargetSequences`: one ``(K_i, n_outputs)`` block per sample, already
encoded as the loss wants them (numbers, one-hot rows, or 0/1 for a logistic output).
Every real target step weighs ``sample_weight[i]``; losses are divided by the sum of the
per-step weights, so a model with ``K_i = 1`` has exactly the many-to-one objective.

Generation and free-running decoding advance one step at a time from carried states
(:func:`step_stack`), so each emitted step costs one step of the stack.
"""

from typing import NamedTuple

import numpy as np

from . import _embedding as emb
from . import _network as net
from . import _recurrent as rec
from ._losses import LOSSES, OUTPUT_ACTIVATIONS


# --------------------------------------------------------------------------- targets
class TargetSequences:
    """Ragged target blocks: ``data[offsets[i]:offsets[i] + lengths[i]]`` is sample ``i``.

    Indexing with an integer array returns the selected samples (in that order, with
    contiguous data), and ``len`` counts samples, so a training problem can subset and
    reorder these exactly like a 2-D target matrix.
    """

    def __init__(self, data, lengths, offsets=None, n_outputs=None):
        self.data = data
        self.lengths = np.asarray(lengths, dtype=np.intp)
        if offsets is None:
            offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.intp)
        self.offsets = offsets
        # outputs of the network: the columns of ``data``, or the classes whose
        # indices ``data`` holds (the "class_log_loss" targets)
        self.n_outputs = data.shape[1] if n_outputs is None else n_outputs

    def __len__(self):
        return len(self.lengths)

    @property
    def shape(self):
        """``(n_samples, n_outputs)``: the shape of the equivalent many-to-one matrix."""
        return (len(self.lengths), self.n_outputs)

    def rows(self, index):
        """Rows of ``data`` of the samples ``index``, concatenated in that order."""
        lengths = self.lengths[index]
        starts = np.cumsum(lengths) - lengths
        return np.repeat(self.offsets[index] - starts, lengths) + np.arange(lengths.sum())

    def __getitem__(self, index):
        index = np.asarray(index, dtype=np.intp)
        return TargetSequences(
            self.data[self.rows(index)], self.lengths[index], n_outputs=self.n_outputs
        )

    def astype(self, dtype, copy=True):
        data = self.data.astype(dtype, copy=copy)
        return TargetSequences(data, self.lengths, self.offsets, self.n_outputs)

    def split(self):
        """Return the list of per-sample ``(K_i, n_outputs)`` arrays."""
        return np.split(self.data, np.cumsum(self.lengths)[:-1])


def step_weights(lengths, sample_weight, dtype):
    """Per-target-step weights (each step weighs its sample's weight), or None."""
    if sample_weight is None:
        return None
    return np.repeat(sample_weight, lengths).astype(dtype, copy=False)


# ----------------------------------------------------------------- encoder–decoder layout
class EncoderDecoderSpec(NamedTuple):
    """Shapes of an encoder–decoder: the encoder has no head (``n_outputs=0``)."""

    encoder: net.NetSpec
    decoder: net.NetSpec

    @property
    def n_outputs(self):
        return self.decoder.n_outputs

    # the encoder's embedding (if any) leads the flat vector, as in a single stack
    @property
    def n_tokens(self):
        return self.encoder.n_tokens

    @property
    def input_size(self):
        return self.encoder.input_size


class EncoderDecoderParams(NamedTuple):
    """Views of one flat vector: the encoder's parameters, then the decoder's."""

    encoder: net.Params
    decoder: net.Params


def encoder_decoder_spec(encoder, n_outputs):
    """Return the decoder matching ``encoder``: unidirectional, as wide as the
    encoder's (concatenated) states, reading the previous target plus a start flag.
    """
    widths = tuple(h * encoder.n_directions for h in encoder.hidden_sizes)
    decoder = net.NetSpec(
        encoder.cell_type, n_outputs + 1, widths, False, n_outputs, encoder.activation
    )
    return EncoderDecoderSpec(encoder._replace(n_outputs=0), decoder)


def _split(flat, spec):
    n = net.n_params(spec.encoder)
    return flat[:n], flat[n:]


def unpack(flat, spec):
    enc, dec = _split(flat, spec)
    return EncoderDecoderParams(
        net.unpack(enc, spec.encoder), net.unpack(dec, spec.decoder)
    )


def pack(params, spec, dtype):
    return np.concatenate([
        net.pack(params.encoder, spec.encoder, dtype),
        net.pack(params.decoder, spec.decoder, dtype),
    ])


def init_params(spec, rng, dtype):
    return np.concatenate([
        net.init_params(spec.encoder, rng, dtype), net.init_params(spec.decoder, rng, dtype)
    ])


def regularised_mask(spec, dtype):
    return np.concatenate([
        net.regularised_mask(spec.encoder, dtype), net.regularised_mask(spec.decoder, dtype)
    ])


# --------------------------------------------------------------------------- shared pieces
def activate(Z, loss):
    """Return the outputs of ``loss``'s canonical link (probabilities or values)."""
    return OUTPUT_ACTIVATIONS[LOSSES[loss][1]](Z)


def target_rows(plan, target_lengths):
    """Packed rows of the last ``K_j`` steps of each sorted sequence ``j``, in target
    order (sequence by sequence, step by step), and the sequence of each row.
    """
    K = np.asarray(target_lengths, dtype=np.intp)
    owner = np.repeat(np.arange(len(K), dtype=np.intp), K)
    starts = np.cumsum(K) - K
    steps = (plan.lengths - K)[owner] + np.arange(K.sum(), dtype=np.intp) - starts[owner]
    return plan.offsets[steps] + owner, owner


def check_aligned_lengths(input_lengths, target_lengths, where="y"):
    """ValueError naming the first sample whose targets outnumber its input steps."""
    too_long = np.flatnonzero(np.asarray(target_lengths) > np.asarray(input_lengths))
    if len(too_long):
        i = int(too_long[0])
        raise ValueError(
            f"{where}[{i}] has {target_lengths[i]} steps but X[{i}] only "
            f"{input_lengths[i]}: in aligned mode the targets of a sequence are aligned "
            "with its last len(y_i) steps, so len(y_i) <= len(x_i) is required "
            f"({len(too_long)} sample(s) break this)."
        )


# --------------------------------------------------------------------------- aligned
def aligned_loss_grad(
    params, grads, spec, batch, targets, sample_weight, loss, *, alpha=0.0,
    reg_mask=None, flat=None, grad_flat=None, dropout=0.0, rng=None, bptt_steps=None,
    embedding_grad=None, workspace=None, initial=None, final=None, noise=None,
):
    """Loss of one batch of an aligned (per-step) model and its gradient.

    ``targets`` and ``sample_weight`` are in the batch's sorted order. The loss is the
    weighted mean over every real target step, plus ``alpha / 2 * ||W||^2`` divided by
    the same sum of step weights. ``bptt_steps`` truncates BPTT to windows with the state
    carried forward, and ``embedding_grad`` keeps an embedding's gradient row-sparse,
    both as in :func:`skrnn._network.loss_grad`. ``initial`` (constant initial states)
    and ``final`` (a list receiving the final states) are those of
    :func:`skrnn._network.backprop_windows`: a stream's window starts from the state
    its previous window ended in. ``noise`` is the training noise of
    :func:`skrnn._network.backprop_windows`.
    """
    rows, owner = target_rows(batch.plan, targets.lengths)
    sw = None if sample_weight is None else sample_weight[owner]
    denominator = float(len(rows)) if sw is None else float(sw.sum())

    def head(cache, win, window_grads):
        first, last = win.rows.start, win.rows.stop
        inside = (rows >= first) & (rows < last)
        if not inside.any():
            return None
        local = rows[inside] - first
        features = rec.stack_output(cache, win.plan)[local]
        value, d_features = net.output_layer_grad(
            params, window_grads, features, targets.data[inside],
            None if sw is None else sw[inside], loss, denominator, rng, dropout,
        )
        d_output = np.zeros((last - first, spec.n_features_out), dtype=d_features.dtype)
        d_output[local] = d_features
        return value, {"d_output": d_output}

    total, dX = net.backprop_windows(
        params, grads, grad_flat, spec, batch, head, dropout=dropout, rng=rng,
        bptt_steps=bptt_steps, workspace=workspace, initial=initial, final=final,
        noise=noise,
    )
    return net.embedding_and_l2(
        total / denominator, params, grads, batch.X, dX, flat, grad_flat, reg_mask,
        alpha, denominator, embedding_grad, emb.table_size(spec),
    )


def aligned_output(params, spec, batch, loss, initial=None):
    """Activated outputs of every step, (N, n_outputs), in target order of the sorted
    batch (sequence by sequence, step by step), and the states after each sequence's
    last step (``[layer][direction]{name: (B, H)}``, sorted order).

    ``initial`` (same layout) continues the sequences from those states instead of
    zero: a stream read chunk by chunk gives the outputs of reading it at once.
    """
    cache = rec.stack_forward(
        spec.cell_type, params.layers(spec), net.embed(params, batch.X), batch.plan,
        activation=spec.activation, h0=initial,
    )
    rows, _ = target_rows(batch.plan, batch.plan.lengths)
    features = rec.stack_output(cache, batch.plan)[rows]
    return activate(net.output_layer(params, features), loss), rec.final_states(
        cache, batch.plan
    )


# ------------------------------------------------------------------------ encoder–decoder
def teacher_inputs(targets):
    """Return the decoder inputs under full teacher forcing, in target order: the start
    flag at step 0, then ``[y_{t-1}, 0]``.
    """
    data = targets.data
    inputs = np.zeros((len(data), data.shape[1] + 1), dtype=data.dtype)
    starts = np.cumsum(targets.lengths) - targets.lengths
    follows = np.ones(len(data), dtype=bool)
    follows[starts] = False
    inputs[starts, -1] = 1.0
    inputs[follows, :-1] = data[np.flatnonzero(follows) - 1]
    return inputs


def _one_hot_argmax(out):
    fed = np.zeros_like(out)
    fed[np.arange(len(out)), out.argmax(axis=1)] = 1.0
    return fed


def _as_is(out):
    return out


# what a decoder reads back of its own activated output, per loss
FEEDBACK = {"squared_error": _as_is, "log_loss": _one_hot_argmax}


class _EncoderDecoderRun(NamedTuple):
    enc_cache: rec.StackCache
    dec_cache: rec.StackCache
    dec_plan: rec.Plan
    dec_order: np.ndarray  # decoder-sorted position -> encoder-sorted position
    dec_rows: np.ndarray  # packed decoder row of each target row
    enc_masks: rec.VariationalMasks | None  # the encoder's training noise


def _decoder_initial_states(enc_final, dec_order):
    """Per encoder layer: its directions' final states concatenated, in decoder order."""
    return [
        [{name: np.concatenate([d[name] for d in layer], axis=1)[dec_order]
          for name in layer[0]}]
        for layer in enc_final
    ]


def _encoder_state_grads(d_initial, enc_final, dec_order):
    """Split the decoder's initial-state gradients back per encoder direction."""
    out = []
    for layer_grad, layer in zip(d_initial, enc_final, strict=True):
        per_dir, start = [], 0
        for d in layer:
            width = d["H"].shape[1]
            grads = {}
            for name in d:
                g = np.empty_like(d[name])
                g[dec_order] = layer_grad[0][name][:, start : start + width]
                grads[name] = g
            per_dir.append(grads)
            start += width
        out.append(per_dir)
    return out


def _encoder_decoder_forward(
    params, spec, batch, target_lengths, dec_inputs, dropout, rng, noise=None
):
    enc, dec = spec.encoder, spec.decoder
    X, enc_masks = rec.perturb_inputs(
        noise, rng, net.embed(params.encoder, batch.X), params.encoder.layers(enc),
        len(batch.plan.lengths),
    )
    enc_cache = rec.stack_forward(
        enc.cell_type, params.encoder.layers(enc), X, batch.plan,
        activation=enc.activation, dropout=dropout, rng=rng, variational=enc_masks,
    )
    enc_final = rec.final_states(enc_cache, batch.plan)
    dec_order = rec.sort_by_length(target_lengths)
    dec_plan = rec.make_plan(target_lengths[dec_order])
    # target row of every packed decoder row, and its inverse
    starts = np.cumsum(target_lengths) - target_lengths
    packed_to_target = starts[dec_order][dec_plan.seq_index] + dec_plan.time_index
    dec_rows = np.empty_like(packed_to_target)
    dec_rows[packed_to_target] = np.arange(len(packed_to_target))
    # the decoder reads targets, not X: of the training noise, only recurrent dropout
    dec_masks = None
    if noise is not None and rng is not None:
        dec_masks = rec.variational_masks(
            rng, params.decoder.layers(dec), len(dec_order), dec_inputs.shape[1], 0.0,
            noise.recurrent_dropout, dec_inputs.dtype,
        )
    dec_cache = rec.stack_forward(
        dec.cell_type, params.decoder.layers(dec), dec_inputs[packed_to_target], dec_plan,
        activation=dec.activation, dropout=dropout, rng=rng,
        h0=_decoder_initial_states(enc_final, dec_order), variational=dec_masks,
    )
    run = _EncoderDecoderRun(
        enc_cache, dec_cache, dec_plan, dec_order, dec_rows, enc_masks
    )
    return run, enc_final


def scheduled_inputs(params, spec, batch, targets, loss, ratio, rng):
    """Return decoder inputs where each step after the first reads the target of the
    previous step with probability ``ratio``, and otherwise the model's own prediction
    of it.

    The predictions are those of one teacher-forced pass (parallel scheduled sampling,
    Duckworth et al., 2019), so no step-by-step loop is needed in training, and they are
    constants of the objective: the gradient does not flow through the fed-back values.
    """
    inputs = teacher_inputs(targets)
    if ratio >= 1.0:
        return inputs
    run, _ = _encoder_decoder_forward(
        params, spec, batch, targets.lengths, inputs, 0.0, None
    )
    features = rec.stack_output(run.dec_cache, run.dec_plan)[run.dec_rows]
    fed = FEEDBACK[loss](activate(net.output_layer(params.decoder, features), loss))
    starts = np.cumsum(targets.lengths) - targets.lengths
    follows = np.ones(len(inputs), dtype=bool)
    follows[starts] = False
    swap = follows & (rng.random_sample(len(inputs)) >= ratio)
    inputs[swap, :-1] = fed[np.flatnonzero(swap) - 1]
    return inputs


def encoder_decoder_loss_grad(
    params, grads, spec, batch, targets, sample_weight, loss, *, alpha=0.0,
    reg_mask=None, flat=None, grad_flat=None, dropout=0.0, rng=None, dec_inputs=None,
    teacher_forcing_ratio=1.0, embedding_grad=None, noise=None,
):
    """Loss of one batch of an encoder–decoder and its gradient in ``grad_flat``.

    ``targets`` (sorted batch order) hold every decoder output step (an end-of-sequence
    row included for categorical outputs). ``dec_inputs`` (target order) are the decoder's
    inputs; by default those of :func:`scheduled_inputs` with ``teacher_forcing_ratio``
    (1: full teacher forcing). Normalised like :func:`aligned_loss_grad`. ``noise``
    (with ``rng``): the training noise of the encoder's input and recurrent dropout
    in both stacks (see :func:`skrnn._recurrent.perturb_inputs`).
    """
    if dec_inputs is None:
        dec_inputs = scheduled_inputs(
            params, spec, batch, targets, loss, teacher_forcing_ratio, rng
        )
    enc, dec = spec.encoder, spec.decoder
    run, enc_final = _encoder_decoder_forward(
        params, spec, batch, targets.lengths, dec_inputs, dropout, rng, noise
    )
    sw = step_weights(targets.lengths, sample_weight, targets.data.dtype)
    denominator = float(len(targets.data)) if sw is None else float(sw.sum())
    grad_flat[...] = 0.0
    features = rec.stack_output(run.dec_cache, run.dec_plan)[run.dec_rows]
    total, d_features = net.output_layer_grad(
        params.decoder, grads.decoder, features, targets.data, sw, loss,
        denominator, rng, dropout,
    )
    d_output = np.empty_like(d_features)
    d_output[run.dec_rows] = d_features
    _, d_initial = rec.stack_backward(
        dec.cell_type, params.decoder.layers(dec), run.dec_cache, run.dec_plan,
        grads.decoder.layers(dec), d_output=d_output, activation=dec.activation,
    )
    dX, _ = rec.stack_backward(
        enc.cell_type, params.encoder.layers(enc), run.enc_cache, batch.plan,
        grads.encoder.layers(enc),
        d_states=_encoder_state_grads(d_initial, enc_final, run.dec_order),
        activation=enc.activation, need_dx=params.encoder.embedding is not None,
    )
    dX = rec.input_gradient(dX, run.enc_masks)
    return net.embedding_and_l2(
        total / denominator, params.encoder, grads.encoder, batch.X, dX, flat, grad_flat,
        reg_mask, alpha, denominator, embedding_grad, emb.table_size(spec),
    )


# --------------------------------------------------------------------------- stepping
def step_stack(spec, params, x, states):
    """One step of a unidirectional stack from carried ``states`` ([l][0]{name}).

    Returns the top outputs (B, H) and the new states, in the same row order as ``x``.
    """
    plan = rec.make_plan(np.ones(len(x), dtype=np.intp))
    cache = rec.stack_forward(
        spec.cell_type, params.layers(spec), x, plan, activation=spec.activation, h0=states
    )
    return rec.stack_output(cache, plan), rec.final_states(cache, plan)


def decode(params, spec, batch, n_steps, loss, end_index=None):
    """Free-running decoding of ``n_steps`` outputs for each sequence of ``batch``.

    Each step's activated output is fed back (``FEEDBACK``) as the next input. Returns
    (B, n_steps, n_outputs) activated outputs in sorted batch order. With ``end_index``,
    decoding stops early once every sequence has emitted that class; later steps are
    then zero.
    """
    enc, dec = spec.encoder, spec.decoder
    enc_cache = rec.stack_forward(
        enc.cell_type, params.encoder.layers(enc), net.embed(params.encoder, batch.X),
        batch.plan, activation=enc.activation,
    )
    B = len(batch.plan.lengths)
    states = _decoder_initial_states(rec.final_states(enc_cache, batch.plan), np.arange(B))
    x = np.zeros((B, dec.input_size), dtype=enc_cache.inputs[0].dtype)
    x[:, -1] = 1.0
    out = np.zeros((B, n_steps, dec.n_outputs), dtype=x.dtype)
    ended = np.zeros(B, dtype=bool)
    for t in range(n_steps):
        top, states = step_stack(dec, params.decoder, x, states)
        out[:, t] = activate(net.output_layer(params.decoder, top), loss)
        x = np.zeros_like(x)
        x[:, :-1] = FEEDBACK[loss](out[:, t])
        if end_index is not None:
            ended |= out[:, t].argmax(axis=1) == end_index
            if ended.all():
                break
    return out


def generate(params, spec, batch, n_steps, loss, choose, initial=None):
    """Continue every sequence of ``batch`` (an aligned model) for ``n_steps`` steps.

    The prefix is read once, from the states ``initial`` (sorted order) if given;
    after that each step feeds ``choose(output, t)``'s next input through one step of
    the stack, carrying every layer's state. ``choose`` returns
    ``(emitted, next_input)`` where ``emitted`` is what the step produced (values or
    class indices). Returns the list of emitted arrays, sorted batch order.
    """
    plan = batch.plan
    cache = rec.stack_forward(
        spec.cell_type, params.layers(spec), net.embed(params, batch.X), plan,
        activation=spec.activation, h0=initial,
    )
    states = rec.final_states(cache, plan)
    top = rec.stack_final(cache, plan)
    emitted = []
    for t in range(n_steps):
        value, x = choose(activate(net.output_layer(params, top), loss), t)
        emitted.append(value)
        if t + 1 < n_steps:
            top, states = step_stack(spec, params, net.embed(params, x), states)
    return emitted


def sample_classes(proba, temperature, rng):
    """Class index per row: argmax at temperature 0, else a draw from
    ``proba ** (1 / temperature)`` renormalised (the softmax of logits / temperature).
    """
    if temperature == 0:
        return proba.argmax(axis=1)
    with np.errstate(divide="ignore"):
        logits = np.log(proba) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(p, axis=1)
    u = rng.random_sample((len(p), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < u).sum(axis=1), p.shape[1] - 1)
