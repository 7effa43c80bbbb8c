"""Automatic canvas layout: data flows left to right, one column per layer of the network.

A Sugiyama-style layered drawing, kept small:

1. cycle breaking: a depth-first search from the inputs marks the wires that close a loop, and the layout
   ignores them (an unfinished graph may have loops; it must still be drawn);
2. columns: a node's column is the longest path to it from a node with no incoming wire (an Input);
3. order within a column: alternating sweeps sort each column by the barycentre (mean height) of its
   neighbours in the columns already placed, keeping the ordering with the fewest crossings;
4. coordinates: each column is centred on its component's middle line; separate pieces of the graph
   (disconnected components, stray nodes) are stacked below one another in the order they were added.

Pure function over the graph's plain data: it returns positions and changes nothing, so the designer applies
them with one undoable MoveNodes. It never raises on a bad graph (loops, wires to missing nodes, self wires).
"""
from __future__ import annotations

from collections import defaultdict

from engine.graph.model import Graph

Position = tuple[float, float]
_SWEEPS = 4  # down + up passes; ordering rarely improves after a few, and the layout must stay instant


def auto_layout(graph: Graph, spacing: tuple[float, float] = (320, 140)) -> dict[str, Position]:
    """Left-to-right layered positions for every node of ``graph``.

    Parameters
    ----------
    graph : the network graph (read only).
    spacing : (horizontal distance between columns, vertical distance between nodes of a column).

    Returns
    -------
    {node_id: (x, y)}: the first column at x = 0, each component's columns centred vertically on one line
    (the first component's on y = 0), further components stacked below it. Deterministic: the same graph
    gives the same positions.
    """
    dx, dy = float(spacing[0]), float(spacing[1])
    node_ids = list(graph.nodes)
    known = set(node_ids)
    wires = [(e.source, e.target) for e in graph.edges
             if e.source in known and e.target in known and e.source != e.target]
    successors: dict[str, list[str]] = defaultdict(list)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for source, target in _drop_loop_wires(node_ids, wires):
        successors[source].append(target)
        predecessors[target].append(source)
    positions: dict[str, Position] = {}
    top: float | None = None
    for component in _components(node_ids, wires):
        columns = _columns(component, predecessors, successors)
        columns = _order_columns(columns, predecessors, successors)
        height = max(len(column) for column in columns)
        if top is None:
            top = -(height - 1) * dy / 2  # the first (main) network is centred on y = 0
        middle = top + (height - 1) * dy / 2
        for index, column in enumerate(columns):
            for rank, node_id in enumerate(column):
                positions[node_id] = (index * dx, middle + (rank - (len(column) - 1) / 2) * dy)
        top += (height + 1) * dy  # one empty row between components
    return positions


def _drop_loop_wires(node_ids: list[str], wires: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The wires minus those closing a loop (back edges of a depth-first search started at the nodes without
    incoming wires, then at any node left). Iterative, so long chains cannot overflow the stack."""
    out: dict[str, list[str]] = defaultdict(list)
    has_incoming = set()
    for source, target in wires:
        out[source].append(target)
        has_incoming.add(target)
    starts = [n for n in node_ids if n not in has_incoming] + node_ids
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    back: set[tuple[str, str]] = set()
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(out[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))
    return [wire for wire in wires if wire not in back]


def _components(node_ids: list[str], wires: list[tuple[str, str]]) -> list[list[str]]:
    """Weakly connected components, each in insertion order, ordered by their first node."""
    parent = {n: n for n in node_ids}
    index = {n: i for i, n in enumerate(node_ids)}

    def root(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for source, target in wires:
        a, b = sorted((root(source), root(target)), key=index.__getitem__)
        parent[b] = a  # the earlier node stays the root, so components keep their insertion order
    groups: dict[str, list[str]] = {}
    for n in node_ids:
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _columns(component: list[str], predecessors, successors) -> list[list[str]]:
    """Nodes grouped by longest-path depth (Kahn's order over the loop-free wires), insertion order inside."""
    members = set(component)
    indegree = {n: sum(1 for p in predecessors[n] if p in members) for n in component}
    depth = {n: 0 for n in component}
    ready = [n for n in component if indegree[n] == 0]
    head = 0
    while head < len(ready):
        node = ready[head]
        head += 1
        for child in successors[node]:
            depth[child] = max(depth[child], depth[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    columns: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    for n in component:
        columns[depth[n]].append(n)
    return columns


def _order_columns(columns: list[list[str]], predecessors, successors) -> list[list[str]]:
    """Barycentre sweeps (down using predecessors, up using successors); keep the fewest crossings."""
    best = [list(column) for column in columns]
    if len(columns) < 2:
        return best
    best_crossings = _crossings(best, successors)
    current = [list(column) for column in best]
    for sweep in range(2 * _SWEEPS):
        downwards = sweep % 2 == 0
        indices = range(1, len(current)) if downwards else range(len(current) - 2, -1, -1)
        neighbours = predecessors if downwards else successors
        height = _heights(current)
        for index in indices:
            column = current[index]
            # a node without neighbours on that side keeps its own height: it does not drift
            keys = {n: _mean([height[m] for m in neighbours[n]]) if neighbours[n] else height[n] for n in column}
            current[index] = sorted(column, key=keys.__getitem__)  # stable: ties keep the current order
            height.update(_heights([current[index]]))
        crossings = _crossings(current, successors)
        if crossings < best_crossings:
            best, best_crossings = [list(column) for column in current], crossings
            if crossings == 0:
                break
    return best


def _heights(columns: list[list[str]]) -> dict[str, float]:
    """Centred rank of every node: its height on the canvas in units of the row spacing."""
    return {n: rank - (len(column) - 1) / 2 for column in columns for rank, n in enumerate(column)}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _crossings(columns: list[list[str]], successors) -> int:
    """Wire crossings between neighbouring columns (wires skipping columns are not counted: a cheap and good
    enough proxy for choosing between orderings)."""
    total = 0
    for left, right in zip(columns, columns[1:]):
        rank = {n: i for i, n in enumerate(right)}
        # sorted by (source rank, target rank): two wires cross exactly when a later one ends strictly higher
        ends = sorted((i, rank[t]) for i, s in enumerate(left) for t in successors[s] if t in rank)
        total += _inversions([t for _, t in ends], len(right))
    return total


def _inversions(values: list[int], size: int) -> int:
    """Pairs i < j with values[i] > values[j], counted with a Fenwick tree: O(n log n), values in 0..size-1."""
    tree = [0] * (size + 1)
    count = 0
    for seen, value in enumerate(values):
        position, not_greater = value + 1, 0
        while position > 0:
            not_greater += tree[position]
            position -= position & -position
        count += seen - not_greater
        position = value + 1
        while position <= size:
            tree[position] += 1
            position += position & -position
    return count
