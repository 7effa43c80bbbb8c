"""Validation, shape inference and parameter counts for a Graph.

Never raises on a bad graph: every problem becomes a ``Problem`` naming the node or edge at fault and what
to change, so the canvas can draw it on that node.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from engine.graph.model import Edge, Graph
from engine.layers.base import Layer, ShapeError
from engine.layers.registry import UnknownLayerError, create_layer


@dataclass(frozen=True)
class Problem:
    kind: str  # unknown_layer, bad_parameter, cycle, dangling_input, no_input, no_output, shape_mismatch
    message: str
    node_id: str | None = None
    edge: Edge | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class Analysis:
    problems: list[Problem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # topological order of the nodes that can be ordered
    input_ids: list[str] = field(default_factory=list)
    output_ids: list[str] = field(default_factory=list)
    layers: dict[str, Layer] = field(default_factory=dict)
    input_shapes: dict[str, list[tuple]] = field(default_factory=dict)
    output_shapes: dict[str, tuple | None] = field(default_factory=dict)
    param_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_params(self) -> int:
        return sum(self.param_counts.values())

    def problems_for(self, node_id: str) -> list[Problem]:
        return [problem for problem in self.problems if problem.node_id == node_id]


def validate(graph: Graph) -> list[Problem]:
    return analyze(graph).problems


def analyze(graph: Graph, layers: dict[str, Layer] | None = None) -> Analysis:
    """Check the graph and infer every node's output shape and parameter count.

    ``layers`` may hold already-made layer objects by node id (the Keras surface passes its own);
    the others are made from each node's parameters.
    """
    result = Analysis()
    _make_layers(graph, layers or {}, result)
    _check_ports(graph, result)
    _order(graph, result)
    _infer_shapes(graph, result)
    _check_ends(graph, result)
    return result


def _make_layers(graph: Graph, given: dict[str, Layer], result: Analysis) -> None:
    for node in graph:
        if node.id in given:
            result.layers[node.id] = given[node.id]
            continue
        try:
            result.layers[node.id] = create_layer(node.layer_type, {**node.params, "name": node.name})
        except UnknownLayerError as error:
            result.problems.append(Problem("unknown_layer", f"{node.name}: {error}", node.id))
        except (TypeError, ValueError, NotImplementedError) as error:
            result.problems.append(Problem("bad_parameter", f"{node.name}: {error}", node.id))
    names: dict[str, str] = {}
    for node in graph:
        if node.name in names:
            result.problems.append(Problem("bad_parameter", f"two layers are named {node.name!r}; "
                                           "rename one of them", node.id))
        names[node.name] = node.id


def _check_ports(graph: Graph, result: Analysis) -> None:
    for node in graph:
        layer = result.layers.get(node.id)
        if layer is None:
            continue
        incoming = graph.incoming(node.id)
        ports = [edge.target_port for edge in incoming]
        if layer.max_inputs == 0 and incoming:
            result.problems.append(Problem("bad_parameter", f"{node.name}: an Input takes no incoming "
                                           "connection; remove the wire into it", node.id, incoming[0]))
        elif len(incoming) < layer.min_inputs:
            needed = layer.min_inputs
            what = "an input" if needed == 1 else f"{needed} inputs"
            message = (f"{node.name} has no data coming in: connect {what} to it" if not incoming else
                       f"{node.name} needs {needed} inputs but only {len(incoming)} is connected: connect "
                       f"another layer to it")
            result.problems.append(Problem("dangling_input", message, node.id))
        elif ports != list(range(len(ports))):
            result.problems.append(Problem("dangling_input", f"{node.name}: input ports {ports} leave a gap; "
                                           "connect the ports in order", node.id))


def _order(graph: Graph, result: Analysis) -> None:
    """Kahn's topological sort; whatever cannot be ordered lies on or after a cycle."""
    indegree = {node_id: 0 for node_id in graph.nodes}
    for edge in graph.edges:
        indegree[edge.target] += 1
    ready = [node_id for node_id, degree in indegree.items() if degree == 0]
    order = []
    while ready:
        node_id = ready.pop(0)
        order.append(node_id)
        for successor in graph.successors(node_id):
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    result.order = order
    if len(order) < len(graph.nodes):
        remaining = set(graph.nodes) - set(order)
        for node_id in graph.nodes:
            if node_id in remaining and _reaches(graph, node_id, node_id, remaining):
                result.problems.append(Problem("cycle", f"{graph.nodes[node_id].name} is part of a loop: data "
                                               "must flow one way; remove one wire of the loop", node_id))


def _reaches(graph: Graph, start: str, goal: str, allowed: set[str]) -> bool:
    stack, seen = list(graph.successors(start)), set()
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current in seen or current not in allowed:
            continue
        seen.add(current)
        stack.extend(graph.successors(current))
    return False


def _infer_shapes(graph: Graph, result: Analysis) -> None:
    for node_id in result.order:
        layer = result.layers.get(node_id)
        node = graph.nodes[node_id]
        result.output_shapes[node_id] = None
        if layer is None:
            continue
        sources = graph.predecessors(node_id)
        shapes = [result.output_shapes.get(source) for source in sources]
        if any(shape is None for shape in shapes):
            continue  # a problem upstream was already reported; do not pile up consequences
        if len(shapes) < layer.min_inputs:
            continue
        try:
            layer.check_input_count(len(shapes))
            output_shape = layer.compute_output_shape(shapes)
            params = layer.count_params(shapes)
        except (ShapeError, ValueError) as error:
            incoming = graph.incoming(node_id)
            described = " and ".join(str(shape) for shape in shapes) or "nothing"
            result.problems.append(Problem("shape_mismatch", f"{node.name} receives {described}: {error}",
                                           node_id, incoming[0] if incoming else None))
            continue
        result.input_shapes[node_id] = [tuple(shape) for shape in shapes]
        result.output_shapes[node_id] = tuple(output_shape)
        result.param_counts[node_id] = params


def _check_ends(graph: Graph, result: Analysis) -> None:
    result.input_ids = [node_id for node_id in graph.nodes
                        if (layer := result.layers.get(node_id)) is not None and layer.max_inputs == 0]
    result.output_ids = [node_id for node_id in result.order
                         if not graph.outgoing(node_id) and node_id not in result.input_ids]
    if not graph.nodes:
        result.problems.append(Problem("no_input", "the network is empty: add an Input layer"))
        return
    if not result.input_ids:
        result.problems.append(Problem("no_input", "the network has no Input layer: add one and connect it"))
    if not result.output_ids:
        result.problems.append(Problem("no_output", "the network has no output: connect a layer after the "
                                       "Input; the last layer is the output"))
    for node_id in result.input_ids:
        if not graph.outgoing(node_id) and len(result.input_ids) > 1:
            name = graph.nodes[node_id].name
            result.problems.append(Problem("dangling_input", f"{name} is not connected to anything: connect it "
                                           "or delete it", node_id))
