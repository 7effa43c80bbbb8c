"""Engine plumbing behind MLPClassifier / MLPRegressor: scikit-learn's network, losses, penalty, batch order
and label coding expressed with the engine's Graph, Network, Objective and TrainingLoop.

How scikit-learn's definitions map onto the engine:

- loss: the engine's Keras losses rescaled to scikit-learn's. Softmax + log-loss is the same number;
  scikit-learn SUMS the binary log-loss over outputs (Keras averages: x n_outputs) and its squared error is
  ``0.5 * mean`` whose gradient scikit-learn takes as ``(y_pred - y) / n_samples`` for every output
  (value x 0.5, gradient x n_outputs / 2).
- alpha: ``0.5 * alpha * sum(W**2) / n_batch`` on weights only, via a Regularizer whose batch size the
  loss records on each call (the loss is always evaluated before the penalty).
- batch order: each epoch permutes the previous order with the estimator's RandomState, exactly as
  ``sklearn.utils.shuffle`` does, so with the same random_state the same batches come out.
- optimizers: the engine's Adam and SGD compute scikit-learn's updates (Adam with the bias correction
  folded into the step size and epsilon added to sqrt(v); SGD with scikit-learn's Nesterov form); only the
  default epsilon differs (Keras 1e-7), and scikit-learn's 1e-8 is passed explicitly.
"""
from __future__ import annotations

import numbers

import numpy as np

from engine import losses
from engine.graph.model import Graph
from engine.layers.dense import Dense
from engine.layers.input_layer import Input
from engine.network import Network
from engine.objective import Objective
from engine.regularizers import Regularizer
from engine.sklearn import column_or_1d, to_numpy
from engine.sklearn.metrics import type_of_target, unique_labels
from engine.training import TrainingLoop

# scikit-learn activation name -> engine activation name
ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu",
               "softmax": "softmax"}


def check_param(name: str, value, ok: bool, wanted: str, owner: str) -> None:
    if not ok:
        raise ValueError(f"The {name!r} parameter of {owner} must be {wanted}. Got {value!r} instead.")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def validate_params(est) -> list[int]:
    """scikit-learn's parameter constraints for the MLPs; returns hidden_layer_sizes as a list."""
    owner = type(est).__name__
    sizes = est.hidden_layer_sizes
    sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
    if not all(_is_int(s) for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be whole numbers, got {est.hidden_layer_sizes!r}")
    if any(s <= 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
    for name, choices in (("activation", ("identity", "logistic", "relu", "tanh")),
                          ("solver", ("adam", "lbfgs", "sgd")),
                          ("learning_rate", ("adaptive", "constant", "invscaling"))):
        value = getattr(est, name)
        check_param(name, value, value in choices, f"a str among {set(choices)}", owner)
    checks = (
        ("alpha", _is_number(est.alpha) and est.alpha >= 0, "a float in the range [0.0, inf)"),
        ("learning_rate_init", _is_number(est.learning_rate_init) and est.learning_rate_init > 0,
         "a float in the range (0.0, inf)"),
        ("power_t", _is_number(est.power_t) and est.power_t >= 0, "a float in the range [0.0, inf)"),
        ("max_iter", _is_int(est.max_iter) and est.max_iter >= 1, "an int in the range [1, inf)"),
        ("tol", _is_number(est.tol) and est.tol >= 0, "a float in the range [0.0, inf)"),
        ("momentum", _is_number(est.momentum) and 0 <= est.momentum <= 1,
         "a float in the range [0, 1]"),
        ("validation_fraction", _is_number(est.validation_fraction) and 0 < est.validation_fraction < 1,
         "a float in the range (0.0, 1.0)"),
        ("beta_1", _is_number(est.beta_1) and 0 <= est.beta_1 < 1, "a float in the range [0, 1)"),
        ("beta_2", _is_number(est.beta_2) and 0 <= est.beta_2 < 1, "a float in the range [0, 1)"),
        ("epsilon", _is_number(est.epsilon) and est.epsilon > 0, "a float in the range (0.0, inf)"),
        ("n_iter_no_change", _is_int(est.n_iter_no_change) and est.n_iter_no_change >= 1,
         "an int in the range [1, inf)"),
        ("max_fun", _is_int(est.max_fun) and est.max_fun >= 1, "an int in the range [1, inf)"),
        ("batch_size", est.batch_size == "auto" or (_is_int(est.batch_size) and est.batch_size >= 1),
         "an int in the range [1, inf) or 'auto'"),
    )
    for name, ok, wanted in checks:
        check_param(name, getattr(est, name), ok, wanted, owner)
    return [int(s) for s in sizes]


class BatchContext:
    """The size of the batch being evaluated, shared by the loss (writer) and the penalty (reader)."""

    def __init__(self) -> None:
        self.n_samples = 1


class SklearnL2(Regularizer):
    """scikit-learn's weight penalty ``0.5 * alpha * sum(W**2) / n_batch`` and its gradient
    ``alpha * W / n_batch``."""

    def __init__(self, alpha: float, context: BatchContext):
        self.alpha = float(alpha)
        self.context = context

    def __call__(self, w):
        w = np.asarray(w).ravel()
        return float(0.5 * self.alpha * np.dot(w, w) / self.context.n_samples)

    def gradient(self, w, out):
        if self.alpha:
            out += w * np.asarray(self.alpha / self.context.n_samples, dtype=out.dtype)
        return out

    def get_config(self) -> dict:
        return {"alpha": self.alpha}


# scikit-learn loss -> (engine loss, value scale, gradient scale) as functions of the number of outputs
_LOSSES = {
    "log_loss": ("categorical_crossentropy", lambda k: 1.0, lambda k: 1.0),
    "binary_log_loss": ("binary_crossentropy", lambda k: float(k), lambda k: float(k)),
    "squared_error": ("mean_squared_error", lambda k: 0.5, lambda k: 0.5 * k),
}


class SklearnLoss(losses.Loss):
    """An engine loss rescaled to scikit-learn's definition (see the module docstring). It also records
    the batch size in ``context`` for :class:`SklearnL2`. ``code`` stays -1: no kernel computes it."""

    def __init__(self, kind: str, n_outputs: int, context: BatchContext):
        engine_name, value_scale, grad_scale = _LOSSES[kind]
        super().__init__(f"sklearn_{kind}")
        self.inner = losses.get(engine_name)
        self.fuses_with = self.inner.fuses_with
        self.value_scale = value_scale(n_outputs)
        self.grad_scale = grad_scale(n_outputs)
        self.context = context

    def prepare(self, y_pred, y_true):
        return self.inner.prepare(y_pred, y_true)

    def check_targets(self, y_true, n_outputs, n_samples=None):
        self.inner.check_targets(y_true, n_outputs, n_samples)

    def _scaled(self, value, grad, y_true):
        self.context.n_samples = max(int(np.shape(y_true)[0]), 1)
        if self.grad_scale != 1.0:
            grad *= np.asarray(self.grad_scale, dtype=grad.dtype)
        return value * self.value_scale, grad

    def value_and_grad(self, y_pred, y_true, grad_out=None):
        value, grad = self.inner.value_and_grad(y_pred, y_true, grad_out)
        return self._scaled(value, grad, y_true)

    def value_and_grad_logits(self, z, y_true, grad_out=None):
        value, grad = self.inner.value_and_grad_logits(z, y_true, grad_out)
        return self._scaled(value, grad, y_true)


class SklearnOrderLoop(TrainingLoop):
    """A TrainingLoop whose epoch orders are scikit-learn's: ``sample_idx = sample_idx[perm]`` with
    ``perm = random_state.permutation(n)`` at each epoch (the calls ``sklearn.utils.shuffle`` makes)."""

    def __init__(self, *args, random_state: np.random.RandomState, **kwargs):
        self._random_state = random_state
        self._sample_idx: np.ndarray | None = None
        super().__init__(*args, **kwargs)

    def _new_order(self) -> np.ndarray:
        if self._sample_idx is None:
            self._sample_idx = np.arange(self.n_samples)
        if self.shuffle:
            self._sample_idx = self._sample_idx[self._random_state.permutation(self.n_samples)]
        return self._sample_idx


def build_network(layer_units: list[int], activation: str, out_activation: str, regularizer: SklearnL2,
                  dtype) -> tuple[Network, list[Dense]]:
    """Input -> Dense(hidden, activation) ... -> Dense(outputs, out_activation), every kernel penalized."""
    graph = Graph()
    layers = {}
    node = graph.add_node("Input", {"shape": [layer_units[0]]}, name="input")
    layers[node.id] = Input(shape=(layer_units[0],), name="input")
    previous = node.id
    dense_layers = []
    n_layers = len(layer_units) - 1
    for index, units in enumerate(layer_units[1:]):
        last = index == n_layers - 1
        name = "output" if last else f"hidden_{index + 1}"
        layer = Dense(int(units), activation=ACTIVATIONS[out_activation if last else activation],
                      kernel_regularizer=regularizer, name=name)
        node = graph.add_node("Dense", layer.parameters(), name=name, position=(180.0 * (index + 1), 0.0))
        layers[node.id] = layer
        graph.connect(previous, node.id)
        previous = node.id
        dense_layers.append(layer)
    return Network(graph, layers, seed=0, dtype=dtype), dense_layers


def make_objective(network: Network, kind: str, n_outputs: int, context: BatchContext) -> Objective:
    return Objective(network, [SklearnLoss(kind, n_outputs, context)])


def minimize_lbfgs(network: Network, objective: Objective, X: np.ndarray, Y: np.ndarray, max_iter: int,
                   max_fun: int, tol: float):
    """Full-batch L-BFGS-B on the network's trainable buffer (scipy's, the optimizer scikit-learn calls).

    scipy is imported here only: the other solvers need numpy alone.
    """
    try:
        from scipy.optimize import minimize
    except ImportError:  # pragma: no cover - scipy ships with the engine's dependencies
        raise NotImplementedError("solver='lbfgs' needs scipy (pip install scipy); use solver='adam' or "
                                  "'sgd'") from None
    n = network.n_trainable
    targets = objective.prepare_targets([Y])

    def loss_and_gradient(flat: np.ndarray):
        network.params[:n] = flat
        loss, _ = objective.loss_and_gradients([X], targets, training=True)
        return loss, network.grads[:n].astype(np.float64)

    result = minimize(loss_and_gradient, network.params[:n].astype(np.float64), method="L-BFGS-B", jac=True,
                      options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol})
    network.params[:n] = result.x
    return result


class LabelBinarizer:
    """Class labels <-> 0/1 target columns as scikit-learn's LabelBinarizer: one column for two classes
    (1 = classes_[1]), one per class otherwise; indicator matrices pass through (multilabel)."""

    def fit(self, y) -> LabelBinarizer:
        self.y_type_ = type_of_target(y)
        if "multioutput" in self.y_type_:
            raise ValueError("Multioutput target data is not supported with label binarization")
        if self.y_type_ in ("continuous", "unknown"):
            raise ValueError(f"Unknown label type: {self.y_type_}. Maybe you are trying to fit a classifier, "
                             "which expects discrete classes on a regression target with continuous values.")
        self.classes_ = unique_labels(y)
        return self

    def transform(self, y) -> np.ndarray:
        if self.y_type_ == "multilabel-indicator":
            Y = to_numpy(y)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ValueError(f"expected an indicator matrix with {len(self.classes_)} columns, got "
                                 f"{Y.shape}")
            return Y.astype(bool)
        y = column_or_1d(y)
        if len(self.classes_) == 1:
            return np.zeros((len(y), 1), dtype=bool)
        if self.y_type_ == "binary":
            return (y == self.classes_[1]).reshape(-1, 1)
        index = {label: i for i, label in enumerate(self.classes_.tolist())}
        codes = np.array([index[label] for label in y.tolist()], dtype=np.int64)
        Y = np.zeros((len(y), len(self.classes_)), dtype=bool)
        Y[np.arange(len(y)), codes] = True
        return Y

    def inverse_transform(self, Y: np.ndarray) -> np.ndarray:
        """Outputs (probabilities) -> labels: argmax for multiclass, > 0.5 otherwise."""
        if self.y_type_ == "multiclass":
            return self.classes_.take(np.asarray(Y).argmax(axis=1))
        above = (np.asarray(Y) > 0.5).astype(int)
        if self.y_type_ == "multilabel-indicator":
            return above
        if len(self.classes_) == 1:
            return np.repeat(self.classes_[0], len(above))
        return self.classes_[above.ravel()]
