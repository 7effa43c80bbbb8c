"""The network graph as pure data: nodes (a layer type, its parameters, a name, a canvas position) and
edges from a node's output to another node's numbered input port. No arrays, no Qt.

The designer's undo commands edit a Graph; ``engine.graph.analysis`` validates it and infers shapes;
``engine.network.Network`` compiles it into something that trains.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass
class Node:
    id: str
    layer_type: str
    params: dict[str, Any]
    name: str
    position: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict:
        return {"id": self.id, "layer_type": self.layer_type, "params": copy.deepcopy(self.params),
                "name": self.name, "position": [float(self.position[0]), float(self.position[1])]}

    @classmethod
    def from_dict(cls, data: dict) -> "Node":
        position = data.get("position", (0.0, 0.0))
        return cls(id=str(data["id"]), layer_type=str(data["layer_type"]), params=dict(data.get("params", {})),
                   name=str(data["name"]), position=(float(position[0]), float(position[1])))


@dataclass(frozen=True)
class Edge:
    """A wire from ``source``'s output to input port ``target_port`` of ``target``."""

    source: str
    target: str
    target_port: int = 0

    def to_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "target_port": self.target_port}

    @classmethod
    def from_dict(cls, data: dict) -> "Edge":
        return cls(str(data["source"]), str(data["target"]), int(data.get("target_port", 0)))


class GraphEditError(ValueError):
    """An edit that cannot be applied (unknown node, occupied port...); the message says why."""


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    _next_id: int = 1

    # -- nodes ----------------------------------------------------------------------------------------
    def add_node(self, layer_type: str, params: dict | None = None, name: str | None = None,
                 position: tuple[float, float] = (0.0, 0.0), node_id: str | None = None) -> Node:
        node_id = node_id or self._new_id()
        if node_id in self.nodes:
            raise GraphEditError(f"a node with id {node_id!r} already exists")
        name = name or self.unique_name(_snake(layer_type))
        if any(node.name == name for node in self.nodes.values()):
            raise GraphEditError(f"a layer named {name!r} already exists; names must be unique")
        node = Node(node_id, layer_type, dict(params or {}), name, (float(position[0]), float(position[1])))
        self.nodes[node_id] = node
        return node

    def insert_node(self, node: Node, edges: list[Edge] = ()) -> None:
        """Put back a node removed earlier, with its wires (used by undo)."""
        if node.id in self.nodes:
            raise GraphEditError(f"a node with id {node.id!r} already exists")
        self.nodes[node.id] = node
        for edge in edges:
            self.edges.append(edge)

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and every wire touching it; return both so the edit can be undone."""
        node = self.node(node_id)
        removed = [edge for edge in self.edges if node_id in (edge.source, edge.target)]
        self.edges = [edge for edge in self.edges if node_id not in (edge.source, edge.target)]
        del self.nodes[node_id]
        return node, removed

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphEditError(f"no node with id {node_id!r}") from None

    def node_by_name(self, name: str) -> Node:
        for node in self.nodes.values():
            if node.name == name:
                return node
        raise GraphEditError(f"no layer named {name!r}")

    def unique_name(self, base: str) -> str:
        """Keras-like names: dense, dense_1, dense_2..."""
        taken = {node.name for node in self.nodes.values()}
        if base not in taken:
            return base
        index = 1
        while f"{base}_{index}" in taken:
            index += 1
        return f"{base}_{index}"

    def _new_id(self) -> str:
        while f"n{self._next_id}" in self.nodes:
            self._next_id += 1
        node_id = f"n{self._next_id}"
        self._next_id += 1
        return node_id

    # -- edges ----------------------------------------------------------------------------------------
    def connect(self, source: str, target: str, target_port: int = 0) -> Edge:
        self.node(source)
        self.node(target)
        if source == target:
            raise GraphEditError("a layer cannot feed itself")
        for edge in self.edges:
            if edge.target == target and edge.target_port == target_port:
                raise GraphEditError(f"input {target_port} of {self.nodes[target].name!r} is already connected")
        edge = Edge(source, target, int(target_port))
        self.edges.append(edge)
        return edge

    def disconnect(self, edge: Edge) -> None:
        try:
            self.edges.remove(edge)
        except ValueError:
            raise GraphEditError(f"no such connection: {edge}") from None

    def incoming(self, node_id: str) -> list[Edge]:
        return sorted((edge for edge in self.edges if edge.target == node_id), key=lambda e: e.target_port)

    def outgoing(self, node_id: str) -> list[Edge]:
        return [edge for edge in self.edges if edge.source == node_id]

    def predecessors(self, node_id: str) -> list[str]:
        return [edge.source for edge in self.incoming(node_id)]

    def successors(self, node_id: str) -> list[str]:
        return [edge.target for edge in self.outgoing(node_id)]

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes.values())

    def __len__(self) -> int:
        return len(self.nodes)

    # -- plain data -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"nodes": [node.to_dict() for node in self.nodes.values()],
                "edges": [edge.to_dict() for edge in self.edges]}

    @classmethod
    def from_dict(cls, data: dict) -> "Graph":
        """Rebuild from plain data (already parsed JSON). Layer types are resolved later, by analysis."""
        if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
            raise GraphEditError("the architecture is not a graph (expected a 'nodes' list)")
        graph = cls()
        for item in data["nodes"]:
            node = Node.from_dict(item)
            if node.id in graph.nodes:
                raise GraphEditError(f"node id {node.id!r} appears twice")
            graph.nodes[node.id] = node
        for item in data.get("edges", []):
            edge = Edge.from_dict(item)
            if edge.source not in graph.nodes or edge.target not in graph.nodes:
                raise GraphEditError(f"a connection refers to a missing node: {edge.source} → {edge.target}")
            graph.edges.append(edge)
        numbers = [int(m.group(1)) for m in (re.fullmatch(r"n(\d+)", i) for i in graph.nodes) if m]
        graph._next_id = max(numbers, default=0) + 1
        return graph

    def copy(self) -> "Graph":
        return Graph.from_dict(self.to_dict())


def _snake(layer_type: str) -> str:
    from engine.layers.base import snake_case

    return snake_case(layer_type)
