"""Which part of the graph the neuron view draws: the longest run of Dense layers fed by a vector.

Qt-free and cheap (it reads parameters, it builds no layer), so the view can run it after every edit. The
chain is a tuple of :class:`Column` values that compare equal when nothing drawn has changed, which lets the
view skip rebuilding on edits that do not concern it (a node moved, an unrelated layer's parameter).

Layers that keep a vector's width and have no neurons of their own (Activation, Dropout, BatchNormalization)
are folded into the column before them: ``Dense(4) -> Activation('tanh')`` is one column of 4 tanh neurons.
"""
from __future__ import annotations

from dataclasses import dataclass

from engine.graph.analysis import Analysis
from engine.graph.model import Graph, Node
from engine.layers.registry import UnknownLayerError, layer_class

DENSE = "Dense"
INPUT = "Input"
# Width-preserving layers folded into the column they follow.
PASS_THROUGH = ("Activation", "Dropout", "BatchNormalization")


@dataclass(frozen=True)
class Column:
    """One column of neurons.

    Attributes
    ----------
    node_id, name, layer_type : the node whose units are the neurons (a Dense, or the chain's source: an
        Input or any layer with a vector output such as Flatten).
    width : number of neurons (all of them; the view may draw fewer).
    members : ``node_id`` then the folded pass-through nodes (selecting any of them highlights the column).
    activation : the function applied to the neurons' sums ("linear" when none; an Activation member wins).
    use_bias : whether a Dense column has biases (always False for the source column).
    notes : short descriptions of the folded layers that are not activations ("dropout 0.2").
    """

    node_id: str
    name: str
    layer_type: str
    width: int
    members: tuple[str, ...]
    activation: str = "linear"
    use_bias: bool = False
    notes: tuple[str, ...] = ()

    @property
    def is_dense(self) -> bool:
        return self.layer_type == DENSE

    @property
    def kernel_key(self) -> str:
        return f"{self.name}/kernel"

    @property
    def bias_key(self) -> str:
        return f"{self.name}/bias"


@dataclass(frozen=True)
class DenseChain:
    """The columns, source first. ``columns[k]`` (k >= 1) is a Dense fed by ``columns[k - 1]``."""

    columns: tuple[Column, ...]

    @property
    def dense_columns(self) -> tuple[Column, ...]:
        return self.columns[1:]

    @property
    def hidden_columns(self) -> tuple[Column, ...]:
        """Dense columns between the source and the chain's last Dense (Playground's "hidden layers")."""
        return self.columns[1:-1]

    def column_of(self, node_id: str) -> int | None:
        """Index of the column showing ``node_id`` (its own node or a folded one), else None."""
        for index, column in enumerate(self.columns):
            if node_id in column.members:
                return index
        return None

    def weight_shapes(self) -> dict[str, tuple]:
        """The kernel (in, units) and bias (units,) shapes the chain's Dense layers have now."""
        shapes: dict[str, tuple] = {}
        for previous, column in zip(self.columns, self.columns[1:]):
            shapes[column.kernel_key] = (previous.width, column.width)
            if column.use_bias:
                shapes[column.bias_key] = (column.width,)
        return shapes


def param(node: Node, name: str):
    """A node's parameter, or the layer's default when the node does not set it."""
    if name in node.params:
        return node.params[name]
    try:
        specs = layer_class(node.layer_type).param_specs
    except UnknownLayerError:
        return None
    return next((spec.default for spec in specs if spec.name == name), None)


def activation_name(value) -> str:
    """A readable name for an activation parameter: a name, a Keras-style config dict, or None (linear)."""
    if value is None:
        return "linear"
    if isinstance(value, dict):
        return str(value.get("class_name") or value.get("name") or "custom")
    return str(value)


def _positive_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number == value and number >= 1 else None


class _ChainFinder:
    """Memoised walks over one graph (each public call makes a fresh finder: the graph may change)."""

    def __init__(self, graph: Graph, analysis: Analysis | None):
        self.graph = graph
        self.analysis = analysis
        self._widths: dict[str, int | None] = {}
        self._best: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    # -- widths ------------------------------------------------------------------------------------------
    def single_source(self, node_id: str) -> str | None:
        sources = self.graph.predecessors(node_id)
        return sources[0] if len(sources) == 1 else None

    def vector_width(self, node_id: str) -> int | None:
        """The size of ``node_id``'s output when it is a vector of known size, else None."""
        if node_id not in self._widths:
            self._widths[node_id] = None  # a loop in a damaged file ends here instead of recursing forever
            self._widths[node_id] = self._compute_width(node_id)
        return self._widths[node_id]

    def _compute_width(self, node_id: str) -> int | None:
        node = self.graph.nodes[node_id]
        if node.layer_type == INPUT:
            shape = param(node, "shape")
            shape = (shape,) if isinstance(shape, int) else tuple(shape or ())
            return _positive_int(shape[0]) if len(shape) == 1 else None
        if node.layer_type in (DENSE, *PASS_THROUGH):
            source = self.single_source(node_id)
            if source is None or self.vector_width(source) is None:
                return None  # Dense keeps the rank of its input: only a vector input gives a column
            return _positive_int(param(node, "units")) if node.layer_type == DENSE else self.vector_width(source)
        # Other layers (Flatten, pooling, recurrent...): only the analysis knows their output shape.
        shape = self.analysis.output_shapes.get(node_id) if self.analysis is not None else None
        return _positive_int(shape[0]) if shape is not None and len(shape) == 1 else None

    def is_chain_dense(self, node_id: str) -> bool:
        node = self.graph.nodes[node_id]
        return node.layer_type == DENSE and self.vector_width(node_id) is not None

    # -- walks -------------------------------------------------------------------------------------------
    def forward_options(self, node_id: str) -> list[tuple[tuple[str, ...], str | None]]:
        """Ways on from a Dense: (folded pass-through ids, next chain Dense), or one (trailing pass-through
        ids, None) when no Dense follows (an output Dense's softmax is still folded into its column)."""
        options, trailing = [], ()
        stack: list[tuple[str, tuple[str, ...]]] = [(node_id, ())]
        while stack:
            current, passes = stack.pop()
            for successor in self.graph.successors(current):
                if len(self.graph.predecessors(successor)) != 1 or successor in passes:
                    continue
                if self.is_chain_dense(successor):
                    options.append((passes, successor))
                elif self.graph.nodes[successor].layer_type in PASS_THROUGH:
                    stack.append((successor, passes + (successor,)))
            if len(passes) > len(trailing):
                trailing = passes
        return options or [(trailing, None)]

    def best_from(self, dense_id: str, visiting: frozenset = frozenset()) -> list[tuple[str, tuple[str, ...]]]:
        """The longest run of Dense columns starting at ``dense_id``: [(dense id, folded ids), ...]."""
        if dense_id in self._best:
            return self._best[dense_id]
        best: tuple[tuple[str, ...], list] | None = None
        for passes, following in self.forward_options(dense_id):
            tail = [] if following is None or following in visiting else \
                self.best_from(following, visiting | {dense_id})
            if best is None or len(tail) > len(best[1]):
                best = (passes, tail)
        self._best[dense_id] = [(dense_id, best[0])] + best[1]
        return self._best[dense_id]

    def source_of(self, dense_id: str) -> tuple[str, tuple[str, ...]] | None:
        """The column feeding a chain-starting Dense: (source id, pass-throughs between), or None when the
        Dense follows another chain Dense (it is not a start)."""
        passes: list[str] = []
        current = self.single_source(dense_id)
        while current is not None and self.graph.nodes[current].layer_type in PASS_THROUGH:
            passes.append(current)
            current = self.single_source(current)
        if current is None or self.is_chain_dense(current) or self.vector_width(current) is None:
            return None
        return current, tuple(reversed(passes))

    # -- columns -----------------------------------------------------------------------------------------
    def column(self, node_id: str, folded: tuple[str, ...]) -> Column:
        node = self.graph.nodes[node_id]
        activation = activation_name(param(node, "activation")) if node.layer_type == DENSE else "linear"
        notes = []
        for member in folded:
            folded_node = self.graph.nodes[member]
            if folded_node.layer_type == "Activation":
                activation = activation_name(param(folded_node, "activation"))
            elif folded_node.layer_type == "Dropout":
                notes.append(f"dropout {param(folded_node, 'rate'):g}")
            else:
                notes.append(folded_node.name)
        use_bias = node.layer_type == DENSE and bool(param(node, "use_bias"))
        return Column(node_id, node.name, node.layer_type, int(self.vector_width(node_id)),
                      (node_id, *folded), activation, use_bias, tuple(notes))


def find_dense_chain(graph: Graph, analysis: Analysis | None = None) -> DenseChain | None:
    """The longest chain source -> Dense -> Dense ... of ``graph``; None when it has no Dense fed by a vector.

    ``analysis`` (may be a little stale) only supplies the output width of sources that are neither an
    Input nor a Dense, such as a Flatten after convolutions. Ties go to the chain found first.
    """
    finder = _ChainFinder(graph, analysis)
    best: list[Column] = []
    for node_id in graph.nodes:
        if not finder.is_chain_dense(node_id):
            continue
        start = finder.source_of(node_id)
        if start is None:
            continue
        run = finder.best_from(node_id)
        if len(run) + 1 > len(best):
            source_id, source_folded = start
            best = [finder.column(source_id, source_folded)] + [finder.column(i, f) for i, f in run]
    return DenseChain(tuple(best)) if best else None
