"""A plain left-to-right layering, used only when ``engine.graph.layout`` is not available.

Columns by longest path from the nodes without inputs (wires closing a loop are ignored), nodes of a column
in insertion order, each column centred on the same line.
"""
from __future__ import annotations

from engine.graph.model import Graph


def auto_layout(graph: Graph, spacing: tuple[float, float] = (300, 140)) -> dict[str, tuple[float, float]]:
    column: dict[str, int] = {}
    indegree = {node_id: 0 for node_id in graph.nodes}
    for edge in graph.edges:
        indegree[edge.target] += 1
    ready = [node_id for node_id, degree in indegree.items() if degree == 0]
    while ready:
        node_id = ready.pop(0)
        column.setdefault(node_id, 0)
        for successor in graph.successors(node_id):
            column[successor] = max(column.get(successor, 0), column[node_id] + 1)
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    for node_id in graph.nodes:  # nodes on a loop: after everything else
        column.setdefault(node_id, max(column.values(), default=-1) + 1)
    columns: dict[int, list[str]] = {}
    for node_id in graph.nodes:
        columns.setdefault(column[node_id], []).append(node_id)
    tallest = max((len(ids) for ids in columns.values()), default=0)
    positions = {}
    for index, ids in columns.items():
        for rank, node_id in enumerate(ids):
            positions[node_id] = (index * spacing[0], (rank - (len(ids) - 1) / 2 + (tallest - 1) / 2) * spacing[1])
    return positions
