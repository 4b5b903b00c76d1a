"""Docstring sections shared by the estimators (one source, like their ``__init__``)."""

INPUT_DOC = """Input: ``X`` is a 2-D array ``(n_samples, n_timesteps)`` of univariate sequences,
    a 3-D array ``(n_samples, n_timesteps, n_features)``, or a list of arrays of shape
    ``(T_i, n_features)`` or ``(T_i,)`` holding sequences of any lengths. Every sequence
    starts from a zero state; padding never exists inside the network. 3-D and list
    inputs may have other lengths at predict time; the number of features per step may
    not change, and 2-D inputs follow scikit-learn's rule of a fixed number of columns."""

PARAMETERS_DOC = """    cell_type : {"gru", "lstm", "elman"}, default="gru"
        The recurrent cell, with PyTorch's equations and parameter layout:
        "elman" ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``; "lstm" gates
        i, f, g, o with a cell state; "gru" gates r, z, n.
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Units of each stacked recurrent layer (per direction).
    activation : {"tanh", "relu"}, default="tanh"
        Activation of the Elman cell; ignored by LSTM and GRU.
    bidirectional : bool, default=False
        Add a layer reading each sequence backwards beside every layer; their outputs
        are concatenated.
    dropout : float in [0, 1), default=0.0
        Dropout rate on the input of every recurrent layer above the first and on the
        features the output layer reads, during training only.
    clip_norm : float or None, default=5.0
        Rescale each mini-batch gradient so that its global L2 norm (over all
        parameters) is at most this; None disables clipping. Not used by "lbfgs".
    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        The optimizer. "lbfgs" is full-batch and ignores the mini-batch settings.
    alpha : float, default=1e-4
        L2 penalty on the weights (not on biases), divided by the sum of sample weights
        of each batch as in ``MLPClassifier``.
    batch_size : int or "auto", default="auto"
        Sequences per mini-batch; "auto" is ``min(200, n_samples)``.
    learning_rate_init : float, default=0.005
        Step size of "adam" and "sgd".
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
        Start ``fit`` from the weights of the previous fit.
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
        Not available with ``bidirectional=True``.
"""

ATTRIBUTES_DOC = """    n_features_in_ : int
        For 2-D input, the number of columns (time steps), per scikit-learn's column
        rule; for 3-D and list input, the number of features per time step.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.
    n_outputs_ : int
        Units of the output layer.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run.
    t_ : int
        Training samples seen by the optimizer.
    loss_ : float
        The last epoch's training loss.
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
    recurrent_coefs_ : list of dict
        Per layer and direction, in PyTorch's order (layer 0 forward, layer 0 backward,
        layer 1 ...), the arrays "weight_ih" (G*H, D_in), "weight_hh" (G*H, H),
        "bias_ih" and "bias_hh" (G*H,), with G = 1, 4 or 3 gates.
    output_coef_ : ndarray of shape (H_out, n_outputs_)
        Output layer weights; ``H_out`` is the top layer's size times the directions.
    output_intercept_ : ndarray of shape (n_outputs_,)
        Output layer bias.
"""
