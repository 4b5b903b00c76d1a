"""Docstring sections shared by the estimators (one source, like their ``__init__``)."""

INPUT_DOC = """Input: ``X`` is a 2-D array ``(n_samples, n_timesteps)`` of univariate
    sequences, a 3-D array ``(n_samples, n_timesteps, n_features)``, or a list of arrays
    of shape ``(T_i, n_features)`` or ``(T_i,)`` holding sequences of any lengths. Every
    sequence starts from a zero state; padding never exists inside the network. 3-D and list
    inputs may have other lengths at predict time; the number of features per step may
    not change, and 2-D inputs follow scikit-learn's rule of a fixed number of columns.

    With ``embedding_dim`` set, ``X`` holds integer token ids instead: a 2-D array
    ``(n_samples, max_length)`` padded with trailing zeros (each row is read up to its
    last non-zero id), or a list of 1-D integer arrays (any trailing zeros are padding
    too), such as :class:`skrnn.preprocessing.TextSequencer` returns for raw text.
    Id 0 is padding and 1 the unknown token; ids larger than any seen by ``fit``, or
    never seen by it, are read as 1. A step may also be a bag of ids (subword pieces,
    ``TextSequencer(subwords=...)``): a list of 2-D ``(T_i, P_i)`` integer arrays or a
    3-D array ``(n_samples, max_length, P)``, each row a bag zero-padded to ``P``; the
    step's input is the mean of the embedding rows of the bag's non-zero ids, and ids
    never seen by ``fit`` are left out of their bag (a bag left empty reads as 1). Ids
    given as int32 arrays make ``fit`` compute in float32 (as float32 features do),
    any other integer type in float64."""

PARAMETERS_DOC = """    cell_type : {"gru", "lstm", "elman", "esn"}, default="gru"
        The recurrent cell, with PyTorch's equations and parameter layout:
        "elman" ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``; "lstm" gates
        i, f, g, o with a cell state; "gru" gates r, z, n; all three trained by
        backpropagation through time. "esn" is an echo state network: a fixed random
        leaky reservoir ``h_t = (1 - a) h_{t-1} + a act(W_in x_t + W h_{t-1} + b)``
        that is never trained, read by a linear readout fitted in closed form (ridge
        regression with strength ``alpha``) on the concatenation of each sequence's
        last state and its mean state (after ``washout``). Classifier probabilities
        are ``softmax(scores / s2)``, the ridge scores of the class indicators over the
        residual variance of that fit (a Gaussian noise model of the scores): the most
        probable class is the highest ridge score, as in ``RidgeClassifier``, and they
        stream with ``partial_fit``; being measured on the training data they are
        over-confident when the readout over-fits (raise ``alpha``, or wrap the
        estimator in ``CalibratedClassifierCV``). The ESN ignores every optimizer
        setting (``solver``, ``batch_size``, ``learning_rate``, ``learning_rate_init``,
        ``learning_rate_min``, ``max_iter``, ``shuffle``, ``tol``,
        ``momentum``, ``nesterovs_momentum``, ``early_stopping``,
        ``validation_fraction``, ``beta_1``, ``beta_2``, ``epsilon``,
        ``n_iter_no_change``), ``clip_norm``, ``dropout``, ``input_dropout``,
        ``recurrent_dropout``, ``input_noise``, ``token_dropout``, ``bptt_steps`` and
        ``pooling`` (its readout always reads the last and the mean state); it
        refuses ``bidirectional=True``, ``embedding_dim`` and more than one layer.
        ``partial_fit`` is available with any ``solver``. In ``SeqToSeqRNN`` the ESN
        works in ``mode="aligned"``, where the readout reads the state of every target
        step (steps before ``washout`` are left out of the fit); ``mode=
        "encoder_decoder"`` refuses it (a decoder fed its own outputs has no closed-form
        readout) and ``generate`` is not available.
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Units of each stacked recurrent layer (per direction). For "esn", the size of
        the one reservoir (hundreds to thousands of units are usual: it is not
        trained).
    embedding_dim : int or None, default=None
        When set, ``X`` holds integer token ids and the network learns an embedding
        table of this width in front of the first recurrent layer; its number of rows
        is the largest id seen by ``fit`` plus one. A mini-batch step updates only the
        rows of the ids it reads (with the optimizer's state of those rows only), and
        ``alpha`` penalises those rows; the padding row (id 0) stays zero.
    embedding_init : array-like of shape (n_words, embedding_dim) or None, default=None
        Pretrained rows to start the embedding from: row ``j`` starts the row of id
        ``j + 2`` (the ``j``-th word of ``TextSequencer(vocabulary=words)``), so
        ``load_word_vectors().vectors`` lines up with
        ``TextSequencer(vocabulary=load_word_vectors().words)``. The padding row stays
        zero; the unknown row (id 1) and the rows after the pretrained ones (ids of
        other words, subword pieces) start random as without it. Pretrained rows count
        as seen in training: their ids are read as themselves at predict time even
        when no training sequence held them. Used by the first ``fit`` only
        (``warm_start`` and ``partial_fit`` continue the fitted table).
    freeze_embedding : bool, default=False
        Keep the rows given by ``embedding_init`` fixed during training (the other rows,
        such as subword pieces and the unknown row, are still learnt); requires
        ``embedding_init``.
    activation : {"tanh", "relu"}, default="tanh"
        Activation of the Elman cell and of the ESN reservoir; ignored by LSTM and GRU.
    bidirectional : bool, default=False
        Add a layer reading each sequence backwards beside every layer; their outputs
        are concatenated.
    pooling : {"last", "mean", "max"}, default="last"
        What the output layer of a many-to-one model (one output per sequence) reads
        from the top layer: "last" its state after the sequence's last real step
        (bidirectional: with the backward direction's state after reading back to the
        first step); "mean" the average of its outputs over the sequence's real steps;
        "max" their per-feature maximum over those steps (bidirectional: of the
        concatenated outputs). "mean" and "max" give every step a direct path to the
        output layer rather than one through all later steps; they cannot be combined
        with a ``bptt_steps`` shorter than the longest sequence.
        Ignored by ``SeqToSeqRNN`` and by "esn".
    dropout : float in [0, 1), default=0.0
        Dropout rate on the input of every recurrent layer above the first and on the
        features the output layer reads, during training only; a new mask at every
        step.
    input_dropout : float in [0, 1), default=0.0
        Variational dropout (Gal & Ghahramani, 2016) on the input of the first
        recurrent layer (the features, or the embedding vectors): each training
        sequence draws one mask of its input features, used at all its steps (Keras'
        ``dropout``). Training only; like ``dropout``, the kept values are scaled by
        ``1 / (1 - input_dropout)``, so nothing changes at predict time.
    recurrent_dropout : float in [0, 1), default=0.0
        Variational dropout on the recurrent connections of every layer and direction:
        each training sequence draws one mask of the hidden units per layer and
        direction, and at every step the recurrent weights read the previous state
        times that mask (the state update and an LSTM's cell are not masked, as in
        Keras' ``recurrent_dropout``). With ``bptt_steps`` the mask stays the same in
        every window of a batch (``SeqToSeqRNN(stream=True)`` steps the optimizer per
        window: there each window draws new masks). Training only.
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to every input value (or embedding
        vector entry) at every step during training only, a new draw each time. It is
        on the scale of the inputs: use it on standardised features (for example after
        ``StepwiseTransformer(StandardScaler())``).
    token_dropout : float in [0, 1), default=0.0
        Token (word) dropout: at every step of every training sequence, the whole
        input vector (with ``embedding_dim``, the token's embedding) is zeroed with
        this probability and the others are scaled by ``1 / (1 - token_dropout)``,
        each step drawn on its own (Iyyer et al., 2015; Gal & Ghahramani, 2016 drop
        word types instead). The dropped tokens' rows get no gradient from that
        step. Training only; a regulariser for text, where a model otherwise leans
        on a few words it saw in training.
    clip_norm : float or None, default=5.0
        Rescale each mini-batch gradient so that its global L2 norm (over all
        parameters) is at most this; None disables clipping. Not used by "lbfgs".
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        The optimizer. "lbfgs" is full-batch and ignores the mini-batch settings.
    alpha : float, default=1e-4
        L2 penalty on the weights (not on biases), divided by the sum of sample weights
        of each batch as in ``MLPClassifier``. For "esn", the ridge strength of the
        readout as in ``sklearn.linear_model.Ridge`` (not divided by the weights): the
        default suits the trained cells and is usually too weak for a reservoir, whose
        2 * hidden_layer_sizes features over-fit when there are not many more
        sequences than that. Tune it on a log grid (e.g. ``np.logspace(-4, 3, 8)``);
        a closed-form fit makes that grid cheap.
    batch_size : int or "auto", default="auto"
        Sequences per mini-batch; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "adaptive"}, default="adaptive"
        Schedule of the step size of "adam" and "sgd". "constant": training stops after
        ``n_iter_no_change`` epochs without an improvement of ``tol``. "adaptive"
        (reduce on plateau): such a plateau divides the step size by 5 instead, and
        training stops only when it would fall below ``learning_rate_min``. Progress is
        the validation score with ``early_stopping``, else the training loss.
    learning_rate_init : float, default=0.005
        Initial step size of "adam" and "sgd".
    learning_rate_min : float, default=1e-6
        With ``learning_rate="adaptive"``: the smallest step size; a plateau that would
        go below it ends training.
    max_iter : int, default=200
        Maximum number of epochs ("adam", "sgd") or of iterations ("lbfgs").
    shuffle : bool, default=True
        Shuffle the sequences before each epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the shuffling, dropout and the validation split.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts as progress.
    verbose : bool or int, default=False
        Print one line per epoch: loss, validation score, gradient norm and time.
    warm_start : bool, default=False
        Start ``fit`` from the weights of the previous fit. For "esn", ``fit`` keeps the
        fitted reservoir and solves the readout on the new data alone.
    momentum : float in [0, 1], default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with "sgd".
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for classifiers), stop
        when its score stops improving and keep the best weights.
    validation_fraction : float in (0, 1), default=0.1
        Share of the data held out for early stopping.
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
        Decay rates of Adam's moment estimates.
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    bptt_steps : int or None, default=None
        Truncated backpropagation through time: gradients flow back through windows of
        this many steps while the state is carried forward, so very long sequences train
        in bounded memory. None (or a value >= the longest sequence) is full BPTT.
        Not available with ``bidirectional=True``. With ``SeqToSeqRNN(stream=True)``,
        the window of every optimizer step (None: 64).
    spectral_radius : float > 0, default=0.9
        ESN only: the largest absolute eigenvalue of the reservoir matrix ``W``, set by
        rescaling a sparse random draw (eigenvalue by ARPACK). Near or below 1 the
        reservoir forgets its past gradually (the echo state property in practice);
        larger values remember longer and turn chaotic.
    leak_rate : float in (0, 1], default=1.0
        ESN only: ``a`` in the update. 1 is the plain ESN; small values make the state
        a slow moving average, for inputs that change slowly.
    input_scaling : float > 0, default=1.0
        ESN only: input weights and bias are uniform in
        ``[-input_scaling, input_scaling]``. Smaller values keep ``tanh`` near its
        linear range (more memory), larger ones make it more non-linear.
    reservoir_density : float in (0, 1] or "auto", default="auto"
        ESN only: fraction of nonzero entries of ``W`` (a ``scipy.sparse`` matrix).
        "auto" gives every unit about 10 recurrent inputs (``min(1, 10 / H)``), the
        usual advice for reservoirs of any size; a step's cost grows with the number
        of nonzeros, so a fixed density such as 0.1 makes large reservoirs slow.
    washout : int >= 0, default=0
        ESN only: steps at the start of every sequence left out of the mean state (the
        transient from the zero initial state). A sequence of ``washout`` steps or
        fewer contributes its last state as its mean.
"""

ATTRIBUTES_DOC = """    n_features_in_ : int
        For 2-D input, the number of columns (time steps), per scikit-learn's column
        rule; for 3-D and list input, the number of features per time step; 1 (one id
        per step) for token ids.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    n_outputs_ : int
        Units of the output layer.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run; for "esn", passes over data (``fit`` makes
        one, each ``partial_fit`` one more).
    t_ : int
        Training samples seen by the optimizer.
    loss_ : float
        The last epoch's training loss (not set by "esn", whose ``loss_curve_`` and
        ``grad_norm_curve_`` stay empty).
    loss_curve_ : list of float
        Training loss of each epoch.
    best_loss_ : float or None
        Lowest training loss reached (None with early stopping).
    validation_scores_ : list of float or None
        Validation score of each epoch with early stopping, else None.
    best_validation_score_ : float or None
        Best validation score with early stopping, else None.
    grad_norm_curve_ : list of float
        Per epoch, the mean global L2 norm of the mini-batch gradients *before*
        clipping: a growing curve shows exploding gradients, a collapsing one vanishing
        gradients.
    reservoir_ : Reservoir
        "esn" only, instead of ``recurrent_coefs_``: the named tuple of
        ``input_weights`` (H, n_features), the sparse ``weights`` (H, H) and ``bias``
        (H,), drawn from ``random_state``.
    recurrent_coefs_ : list of dict
        Per layer and direction, in PyTorch's order (layer 0 forward, layer 0 backward,
        layer 1 ...), the arrays "weight_ih" (G*H, D_in), "weight_hh" (G*H, H),
        "bias_ih" and "bias_hh" (G*H,), with G = 1, 4 or 3 gates.
    output_coef_ : ndarray of shape (H_out, `n_outputs_`)
        Output layer weights; ``H_out`` is the top layer's size times the directions
        (for "esn", 2 * H: the last state then the mean state).
    output_intercept_ : ndarray of shape (`n_outputs_`,)
        Output layer bias.
    embedding_ : ndarray of shape (n_tokens, embedding_dim)
        The learnt embedding table, when ``embedding_dim`` is set: row ``i`` is the
        vector of token id ``i`` (row 0, padding, is zero).
"""
