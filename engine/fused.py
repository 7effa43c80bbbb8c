"""Fused training and inference of plain dense networks: Input → Dense (→ Activation) → … → Dense, one compiled
call per run of batches instead of a Python call per layer.

Used automatically by the TrainingLoop (training) and by ``predict_arrays`` (inference) when the network
qualifies; otherwise the layer-by-layer path runs. Both compute the same numbers.

Each network gets a kernel specialised on its "plan" (hidden and output activations, loss, optimizer, which
optional parts are on): only that plan is compiled, and cached on disk, so a first epoch does not wait for
every activation, loss and optimizer to compile (see ``engine.kernels.specialised``).
"""
from __future__ import annotations

import math
import weakref

import numpy as np

from engine.kernels import mlp
from engine.kernels import optimizers as kern
from engine.kernels.dense import BLAS_THRESHOLD
from engine.layers.activation import Activation
from engine.layers.dense import Dense
from engine.losses import Loss

# Bounds how long one compiled call runs, so that a stop request is honoured between calls within
# milliseconds (the GUI's Stop must end within 200 ms even on MNIST-sized nets).
MAX_MULTIPLY_ADDS_PER_CALL = 50_000_000

_entry_points: dict = {}


def specialised_kernel(kernel, args: tuple, literal_positions: tuple[int, ...]):
    """``kernel``'s compiled entry point for these argument types, the plan arguments as constants.

    Calling the dispatcher itself with a plan literal would re-resolve the literal on every call (~5 ms);
    the entry point of the specialised compilation is called directly instead (it is found in the disk cache
    when it exists). Arrays are typed as writable C arrays whatever their flags, so callers must pass
    C-contiguous arrays of the same dtypes and ranks as the first call of the same plan. Under
    NUMBA_DISABLE_JIT=1 the plain Python function is returned.
    """
    if not hasattr(kernel, "overloads"):
        return kernel
    from numba import typeof, types

    signature = []
    for position, arg in enumerate(args):
        if position in literal_positions:
            signature.append(types.literal(int(arg)))
        elif isinstance(arg, np.ndarray):
            if not arg.flags.c_contiguous:
                raise ValueError(f"argument {position} of {kernel.py_func.__name__} must be C-contiguous")
            signature.append(types.Array(typeof(arg).dtype, arg.ndim, "C"))
        else:
            signature.append(typeof(arg))
    key = (kernel.py_func.__qualname__, tuple(signature))
    entry = _entry_points.get(key)
    if entry is None:
        kernel.compile(tuple(signature))
        entry = _entry_points[key] = kernel.overloads[tuple(signature)].entry_point
    return entry


def dense_chain(network, trainable_only: bool = True) -> list[tuple[Dense, Dense | Activation]] | None:
    """(Dense layer, layer whose activation follows it) pairs if the network is a plain dense chain, else None.

    The second layer is the Dense itself, or the Activation layer right after a linear Dense.
    """
    if len(network.input_ids) != 1 or len(network.output_ids) != 1 or len(network.input_shapes[0]) != 1:
        return None
    chain: list[list] = []
    for node_id in network.order:
        if node_id in network.input_ids:
            continue
        if len(network.graph.predecessors(node_id)) != 1 or len(network.graph.successors(node_id)) > 1:
            return None
        layer = network.layers[node_id]
        if isinstance(layer, Dense):
            chain.append([layer, layer])
        elif isinstance(layer, Activation) and chain and chain[-1][1]._activation.name == "linear":
            chain[-1][1] = layer  # Dense + Activation is one fused layer
        else:
            return None
        if trainable_only and not layer.trainable:
            return None
    return [(dense, source) for dense, source in chain] or None


class DenseChainLayout:
    """Where a dense chain's weights are in ``network.params``, its activation plan, and work buffers."""

    def __init__(self, network, chain):
        self.network = network
        self.layers = [dense for dense, _ in chain]
        self.activation_layers = [source for _, source in chain]
        activations = self.activations()
        self.sizes = np.array([int(network.input_shapes[0][0])] + [dense.units for dense in self.layers],
                              dtype=np.int64)
        codes = np.array([activation.code for activation in activations], dtype=np.int64)
        self.alphas = np.array([activation.alpha for activation in activations], dtype=np.float64)
        self.w_offsets = np.array([self._offset(dense, "kernel") for dense in self.layers], dtype=np.int64)
        self.b_offsets = np.array([self._offset(dense, "bias") if dense.use_bias else -1 for dense in self.layers],
                                  dtype=np.int64)
        self.output_code = int(codes[-1])
        hidden = sorted(set(codes[:-1].tolist()))
        # One shared hidden activation is a compile-time constant; mixed ones are dispatched per layer (and
        # ``hidden_code`` is then unused). Without hidden layers the output's code avoids a second variant.
        self.hidden_code = int(hidden[0]) if len(hidden) == 1 else (self.output_code if not hidden else -1)
        self.layer_codes = codes if len(hidden) > 1 else None
        self.output_activation = activations[-1]
        self._plan = [(a.code, a.alpha) for a in activations]
        self._widest_product = int(np.max(self.sizes[:-1] * self.sizes[1:]))

    def _offset(self, dense: Dense, weight: str) -> int:
        value = dense.weights_by_name[weight].value
        offset = value.__array_interface__["data"][0] - self.network.params.__array_interface__["data"][0]
        return offset // value.itemsize

    def activations(self) -> list:
        return [layer._activation for layer in self.activation_layers]

    def still_matches(self) -> bool:
        """False once the weights moved (the network was rebuilt) or an activation was changed in place."""
        return (all(self._offset(dense, "kernel") == offset for dense, offset in zip(self.layers, self.w_offsets))
                and [(a.code, a.alpha) for a in self.activations()] == self._plan)

    def work_buffers(self, batch_size: int):
        """Offsets of each layer's activations and pre-activations in one work buffer, and the buffer."""
        a_sizes = [batch_size * int(s) for s in self.sizes]
        z_sizes = [batch_size * int(s) for s in self.sizes[1:]]
        a_offsets = np.concatenate([[0], np.cumsum(a_sizes)[:-1]]).astype(np.int64)
        z_offsets = (sum(a_sizes) + np.concatenate([[0], np.cumsum(z_sizes)[:-1]])).astype(np.int64)
        return a_offsets, z_offsets, np.zeros(sum(a_sizes) + sum(z_sizes), dtype=self.network.dtype)

    def blas(self, batch_size: int) -> bool | None:
        """True if some product is large enough for BLAS at this batch size; None compiles no BLAS call."""
        return True if batch_size * self._widest_product >= BLAS_THRESHOLD else None


class FusedDensePredictor:
    """Inference of a dense chain in one compiled call. Get one with :func:`fused_predictor`."""

    def __init__(self, layout: DenseChainLayout):
        self.layout = layout
        self._entries: dict = {}

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Last layer's activations for every row of x, computed batch_size rows at a time.

        Shapes: x (n, sizes[0]) → (n, sizes[-1]).
        """
        layout = self.layout
        x = np.ascontiguousarray(x, dtype=layout.network.dtype)
        batch_size = max(1, min(int(batch_size), len(x)))
        a_offsets, z_offsets, work = layout.work_buffers(batch_size)  # per call: predict may run on two threads
        out = np.empty((len(x), int(layout.sizes[-1])), dtype=x.dtype)
        args = (x, batch_size, layout.sizes, layout.w_offsets, layout.b_offsets, layout.layer_codes, layout.alphas,
                a_offsets, z_offsets, layout.network.params, layout.hidden_code, layout.output_code, work, out,
                layout.blas(batch_size))
        entry = self._entries.get(args[-1])
        if entry is None:
            entry = self._entries[args[-1]] = specialised_kernel(mlp.mlp_predict, args, mlp.PREDICT_LITERALS)
        entry(*args)
        return out


_predictors: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def fused_predictor(network) -> FusedDensePredictor | None:
    """The fused predictor of ``network`` (cached per network), or None when it is not a float32 dense chain."""
    predictor = _predictors.get(network)
    if predictor is not None and predictor.layout.still_matches():
        return predictor
    if network.dtype != np.float32:
        return None
    chain = dense_chain(network, trainable_only=False)
    if chain is None:
        return None
    predictor = _predictors[network] = FusedDensePredictor(DenseChainLayout(network, chain))
    return predictor


class FusedDenseTrainer:
    """Trains a TrainingLoop's dense chain with :func:`engine.kernels.mlp.mlp_train`, many batches per call."""

    @classmethod
    def create(cls, loop) -> "FusedDenseTrainer | None":
        """The trainer for ``loop``, or None when the layer path must run (see the checks below)."""
        network = loop.network
        if network.dtype != np.float32 or network.has_regularizers() or network.has_constraints():
            return None
        if network.n_trainable != network.params.size:
            return None
        chain = dense_chain(network)
        if chain is None:
            return None
        loss = loop.objective.losses[0]
        if loss.code < 0 or any(getattr(type(loss), name) is not getattr(Loss, name)
                                for name in ("value_and_grad", "value_and_grad_logits", "prepare")):
            return None  # a loss computed in Python (e.g. rescaled): only the layer path calls it
        if getattr(loss, "from_logits", False) and chain[-1][1]._activation.name != "linear":
            return None  # logits that are some activation's output: only the layer path takes them
        return cls(loop, chain)

    def __init__(self, loop, chain):
        network = loop.network
        self.network = network
        self.layout = DenseChainLayout(network, chain)
        self.sizes = self.layout.sizes
        loss = loop.objective.losses[0]
        self.loss = loss
        # The cross-entropy is taken on the logits when it fuses with the output activation, or when the
        # loss was asked for logits (from_logits=True) of a linear output layer.
        logits_of = loss.fuses_with if (loop.objective.fused[0] or getattr(loss, "from_logits", False)) else None
        if logits_of == "sigmoid":
            self.loss_mode, self.loss_code = mlp.LOSS_SIGMOID_BCE, -1
        elif logits_of == "softmax":
            self.loss_mode = mlp.LOSS_SOFTMAX_SPARSE_CE if loss.sparse else mlp.LOSS_SOFTMAX_CE
            self.loss_code = -1
        else:
            self.loss_mode, self.loss_code = mlp.LOSS_ON_OUTPUT, int(loss.code)
        self.x = loop.xs[0]
        self.y = self._as_2d_targets(loop.ys[0])
        self._workspace(loop.batch_size)
        self.backup = np.empty_like(network.params)
        self._entries: dict = {}

    def _as_2d_targets(self, y: np.ndarray) -> np.ndarray:
        """Targets as the loss kernels take them: (n, outputs), or (n, 1) labels; label smoothing applied."""
        placeholder = np.empty((len(y), int(self.sizes[-1])), dtype=np.float32)
        return np.ascontiguousarray(self.loss.prepare(placeholder, y)[1], dtype=np.float32)

    def _workspace(self, batch_size: int) -> None:
        self.a_offsets, self.z_offsets, self.work = self.layout.work_buffers(batch_size)
        widest = batch_size * int(self.sizes.max())
        self.grad_a = np.zeros(widest, dtype=np.float32)
        self.grad_z = np.zeros(widest, dtype=np.float32)
        self.y_batch = np.zeros((batch_size, self.y.shape[1]), dtype=np.float32)
        self.batch_capacity = batch_size
        self.per_call = max(1, MAX_MULTIPLY_ADDS_PER_CALL // max(
            3 * batch_size * int(np.sum(self.sizes[:-1] * self.sizes[1:])), 1))

    # -- training -------------------------------------------------------------------------------------
    def _run(self, loop, order, start: int, count: int, batch_size: int, want_predictions: bool):
        if batch_size > self.batch_capacity:
            self._workspace(batch_size)
        optimizer = loop.optimizer
        n_batches = -(-count // batch_size)
        losses = np.zeros(n_batches, dtype=np.float64)
        predictions = (np.empty((count, int(self.sizes[-1])), dtype=np.float32) if want_predictions
                       else np.empty((0, 0), dtype=np.float32))
        network = self.network
        layout = self.layout
        hyper = optimizer.hyper_vector()
        clip = True if (hyper[kern.H_CLIPNORM] > 0 or hyper[kern.H_GLOBAL_CLIPNORM] > 0
                        or hyper[kern.H_CLIPVALUE] > 0) else None
        decay = True if hyper[kern.H_WEIGHT_DECAY] != 0 else None
        blas = layout.blas(batch_size)
        args = (self.x, self.y, order, start, count, batch_size, self.sizes, layout.w_offsets, layout.b_offsets,
                layout.layer_codes, layout.alphas, self.a_offsets, self.z_offsets,
                float(getattr(self.loss, "delta", 1.0)), hyper, optimizer.learning_rate_table(n_batches),
                optimizer.iterations, optimizer.segments, optimizer.decay_mask, optimizer.slots, optimizer.scalars,
                network.params, network.grads, self.backup, self.work, self.grad_a, self.grad_z, self.y_batch,
                losses, predictions, blas, clip, decay, layout.hidden_code, layout.output_code,
                self.loss_mode, self.loss_code, optimizer.kernel_code)
        # Everything else that decides the compiled types is fixed for this trainer.
        key = (blas, clip, decay)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = specialised_kernel(mlp.mlp_train, args, mlp.TRAIN_LITERALS)
        done, status = entry(*args)
        optimizer.advance(int(done))
        return int(done), int(status), losses, predictions

    def train_batch(self, loop, xb, yb):
        """One update on an explicit batch (Step by sample / batch). Returns (loss, outputs, reason)."""
        order = np.arange(len(xb[0]), dtype=np.int64)
        saved_x, saved_y = self.x, self.y
        self.x, self.y = np.ascontiguousarray(xb[0]), self._as_2d_targets(yb[0])
        try:
            done, status, losses, predictions = self._run(loop, order, 0, len(order), len(order),
                                                          bool(loop.metrics))
        finally:
            self.x, self.y = saved_x, saved_y
        if status != mlp.OK:
            return (math.nan if status == mlp.NONFINITE_LOSS else math.inf), None, loop._divergence_reason(
                math.nan if status == mlp.NONFINITE_LOSS else math.inf)
        return float(losses[0]), [predictions] if loop.metrics else None, None

    def run_to_epoch_end(self, loop):
        """Train from the loop's cursor to the end of the epoch, in calls short enough to stop between."""
        from engine.training import StepReport

        batch_size = loop.batch_size
        if batch_size > self.batch_capacity:
            self._workspace(batch_size)
        per_call = self.per_call
        order = loop._order.astype(np.int64, copy=False)
        report = None
        while True:
            if loop._stop_requested:
                return report
            start = loop.state.cursor
            count = min(per_call * batch_size, loop.n_samples - start)
            done, status, losses, predictions = self._run(loop, order, start, count, batch_size,
                                                          bool(loop.metrics))
            if done:
                samples = min(done * batch_size, count)
                sizes = np.full(done, batch_size, dtype=np.float64)
                sizes[-1] = samples - batch_size * (done - 1)
                outputs = [predictions[:samples]] if loop.metrics else None
                report = loop._after_update(samples, float(losses[done - 1]),
                                            [loop.ys[0][order[start:start + samples]]], outputs, updates=done,
                                            loss_sum=float(np.dot(losses[:done], sizes)))
            if status != mlp.OK:
                reason = loop._divergence_reason(math.nan if status == mlp.NONFINITE_LOSS else math.inf)
                loop.diverged = reason
                return StepReport(loop.state.epoch, loop.state.iteration, loop.state.samples_seen, 0, math.nan,
                                  diverged=reason)
            if report is not None and report.epoch_finished:  # the cursor is back at 0 for the next epoch
                return report

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        return fused_predictor(self.network).predict(x, batch_size)
