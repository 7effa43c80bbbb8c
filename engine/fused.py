"""Fused training of plain dense networks: Input → Dense (→ Activation) → … → Dense, one compiled call per
run of batches instead of a Python call per layer.

Used automatically by the TrainingLoop when the network qualifies (no dropout, regularizers or constraints,
float32, one input and one output); otherwise the layer-by-layer path runs. Both compute the same numbers.
"""
from __future__ import annotations

import math

import numpy as np

from engine.kernels import mlp
from engine.layers.activation import Activation
from engine.layers.dense import Dense

# Bounds how long one compiled call runs, so that a stop request is honoured between calls within
# milliseconds (the GUI's Stop must end within 200 ms even on MNIST-sized nets).
MAX_MULTIPLY_ADDS_PER_CALL = 50_000_000


def dense_chain(network) -> list[tuple[Dense, str, float]] | None:
    """The (Dense layer, activation name, alpha) sequence if the network is a plain dense chain, else None."""
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
            chain.append([layer, layer._activation])
        elif isinstance(layer, Activation) and chain and chain[-1][1].name == "linear":
            chain[-1][1] = layer._activation  # Dense + Activation is one fused layer
        else:
            return None
        if not layer.trainable:
            return None
    if not chain:
        return None
    return [(dense, activation.name, activation) for dense, activation in chain]


class FusedDenseTrainer:
    @classmethod
    def create(cls, loop) -> "FusedDenseTrainer | None":
        network = loop.network
        if network.dtype != np.float32 or network.has_regularizers() or network.has_constraints():
            return None
        if network.n_trainable != network.params.size:
            return None
        chain = dense_chain(network)
        if chain is None:
            return None
        return cls(loop, chain)

    def __init__(self, loop, chain):
        network = loop.network
        self.network = network
        self.layers = [dense for dense, _, _ in chain]
        activations = [activation for _, _, activation in chain]
        sizes = [int(network.input_shapes[0][0])] + [dense.units for dense in self.layers]
        self.sizes = np.array(sizes, dtype=np.int64)
        self.act_codes = np.array([activation.code for activation in activations], dtype=np.int64)
        self.alphas = np.array([activation.alpha for activation in activations], dtype=np.float64)
        self.w_offsets = np.array([self._offset(dense, "kernel") for dense in self.layers], dtype=np.int64)
        self.b_offsets = np.array([self._offset(dense, "bias") if dense.use_bias else -1 for dense in self.layers],
                                  dtype=np.int64)
        loss = loop.objective.losses[0]
        self.loss = loss
        last = activations[-1].name
        if loop.objective.fused[0] and last == "sigmoid":
            self.loss_mode = mlp.LOSS_SIGMOID_BCE
        elif loop.objective.fused[0] and last == "softmax":
            self.loss_mode = mlp.LOSS_SOFTMAX_SPARSE_CE if loss.sparse else mlp.LOSS_SOFTMAX_CE
        else:
            self.loss_mode = mlp.LOSS_ON_OUTPUT
        self.x = loop.xs[0]
        self.y = self._as_2d_targets(loop.ys[0])
        self._workspace(loop.batch_size)
        self.backup = np.empty_like(network.params)
        self.work_predict: np.ndarray | None = None

    def _offset(self, dense: Dense, weight: str) -> int:
        value = dense.weights_by_name[weight].value
        offset = (value.__array_interface__["data"][0] - self.network.params.__array_interface__["data"][0])
        return offset // value.itemsize

    def _as_2d_targets(self, y: np.ndarray) -> np.ndarray:
        """Targets as the loss kernels take them: (n, outputs), or (n, 1) labels; label smoothing applied."""
        placeholder = np.empty((len(y), int(self.sizes[-1])), dtype=np.float32)
        return np.ascontiguousarray(self.loss.prepare(placeholder, y)[1], dtype=np.float32)

    def _layout(self, batch_size: int):
        """Where each layer's activations and pre-activations live in one work buffer."""
        a_sizes = [batch_size * int(s) for s in self.sizes]
        z_sizes = [batch_size * int(s) for s in self.sizes[1:]]
        a_offsets = np.concatenate([[0], np.cumsum(a_sizes)[:-1]]).astype(np.int64)
        z_offsets = (sum(a_sizes) + np.concatenate([[0], np.cumsum(z_sizes)[:-1]])).astype(np.int64)
        return a_offsets, z_offsets, np.zeros(sum(a_sizes) + sum(z_sizes), dtype=np.float32)

    def _workspace(self, batch_size: int) -> None:
        sizes = self.sizes
        self.a_offsets, self.z_offsets, self.work = self._layout(batch_size)
        widest = batch_size * int(sizes.max())
        self.grad_a = np.zeros(widest, dtype=np.float32)
        self.grad_z = np.zeros(widest, dtype=np.float32)
        self.batch_capacity = batch_size

    def _batches_per_call(self, batch_size: int) -> int:
        per_batch = 3 * batch_size * int(np.sum(self.sizes[:-1] * self.sizes[1:]))
        return max(1, MAX_MULTIPLY_ADDS_PER_CALL // max(per_batch, 1))

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
        done, status = mlp.mlp_train(
            self.x, self.y, order, start, count, batch_size, self.sizes, self.w_offsets, self.b_offsets,
            self.act_codes, self.alphas, self.a_offsets, self.z_offsets, self.loss.code, self.loss_mode,
            float(getattr(self.loss, "delta", 1.0)), optimizer.kernel_code, optimizer.hyper_vector(),
            optimizer.learning_rate_table(n_batches), optimizer.iterations, optimizer.segments,
            optimizer.decay_mask, optimizer.slots, optimizer.scalars, network.params, network.grads, self.backup,
            self.work, self.grad_a, self.grad_z, losses, predictions)
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
        per_call = self._batches_per_call(batch_size)
        order = loop._order.astype(np.int64)
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
        if self.work_predict is None or self._predict_batch != batch_size:
            self._pa, self._pz, self.work_predict = self._layout(batch_size)
            self._predict_batch = batch_size
        out = np.empty((len(x), int(self.sizes[-1])), dtype=np.float32)
        mlp.mlp_predict(np.ascontiguousarray(x, dtype=np.float32), batch_size, self.sizes, self.w_offsets,
                        self.b_offsets, self.act_codes, self.alphas, self._pa, self._pz, self.network.params,
                        self.work_predict, out)
        return out
