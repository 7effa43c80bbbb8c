"""Automatic layout: columns by longest path, few crossings, centred columns, never a crash on a bad graph."""
import time

import numpy as np

from engine.graph import Edge, Graph
from engine.graph.layout import auto_layout


def chain(graph, types, source=None):
    ids = []
    for layer_type in types:
        params = {"shape": [4]} if layer_type == "Input" else {"units": 3} if layer_type == "Dense" else {}
        node = graph.add_node(layer_type, params)
        if source is not None:
            graph.connect(source, node.id)
        source = node.id
        ids.append(node.id)
    return ids


def crossings(graph, positions):
    """Pairs of wires whose straight segments cross (between the same two columns)."""
    wires = [(positions[e.source], positions[e.target]) for e in graph.edges]
    count = 0
    for i, ((ax, ay), (bx, by)) in enumerate(wires):
        for (cx, cy), (dx, dy) in wires[i + 1:]:
            if (ax, bx) == (cx, dx) and ay != cy and by != dy and (ay < cy) != (by < dy):
                count += 1
    return count


def test_a_chain_runs_left_to_right_on_one_line():
    graph = Graph()
    ids = chain(graph, ["Input", "Dense", "Dense", "Dense"])
    positions = auto_layout(graph)
    assert [positions[i] for i in ids] == [(0.0, 0.0), (320.0, 0.0), (640.0, 0.0), (960.0, 0.0)]
    assert auto_layout(graph, spacing=(100, 50))[ids[3]] == (300.0, 0.0)


def test_columns_follow_the_longest_path_and_are_centred():
    graph = Graph()
    inp, a, b = chain(graph, ["Input", "Dense", "Dense"])
    side = graph.add_node("Dense", {"units": 3})
    graph.connect(inp, side.id)
    add = graph.add_node("Add", {})
    graph.connect(b, add.id)
    graph.connect(inp, add.id, 1)  # a skip connection: Add still sits after the longest branch
    positions = auto_layout(graph)
    assert positions[add.id][0] == 3 * 320.0
    assert positions[a][0] == positions[side.id][0] == 320.0
    assert sorted([positions[a][1], positions[side.id][1]]) == [-70.0, 70.0]  # centred on the input's line
    assert positions[inp] == (0.0, 0.0)


def test_barycentre_ordering_removes_crossings():
    graph = Graph()
    inputs = [graph.add_node("Input", {"shape": [2]}).id for _ in range(3)]
    hidden = [graph.add_node("Dense", {"units": 2}).id for _ in range(3)]
    for source, target in zip(inputs, reversed(hidden)):  # added in the order that crosses every wire
        graph.connect(source, target)
    merge = graph.add_node("Concatenate", {})
    for port, source in enumerate(hidden):
        graph.connect(source, merge.id, port)
    positions = auto_layout(graph)
    assert crossings(graph, positions) == 0
    assert [positions[h][1] for h in reversed(hidden)] == [positions[i][1] for i in inputs]


def test_same_graph_same_positions():
    rng = np.random.default_rng(3)
    graph = random_dag(rng, 60)
    assert auto_layout(graph) == auto_layout(graph.copy())


def test_loops_missing_nodes_and_strays_never_raise():
    graph = Graph()
    inp, a, b, c = chain(graph, ["Input", "Dense", "Dense", "Dense"])
    graph.edges.append(Edge(c, a, 1))  # a loop a → b → c → a
    graph.edges.append(Edge(b, b, 1))  # a self wire (only a damaged file can hold one)
    graph.edges.append(Edge("ghost", a, 2))  # a wire from a node that is gone
    loner = graph.add_node("Dense", {"units": 1}).id
    orphan_loop = [graph.add_node("Dense", {"units": 1}).id for _ in range(2)]
    graph.edges += [Edge(orphan_loop[0], orphan_loop[1]), Edge(orphan_loop[1], orphan_loop[0])]  # no way in
    positions = auto_layout(graph)
    assert set(positions) == set(graph.nodes)
    assert len(set(positions.values())) == len(positions)  # nobody on top of anybody
    assert [positions[n][0] for n in (inp, a, b, c)] == [0.0, 320.0, 640.0, 960.0]
    # separate pieces are stacked below the main network, in the order they were added
    assert positions[inp][1] < positions[loner][1] < positions[orphan_loop[0]][1]
    assert positions[orphan_loop[1]][0] == 320.0


def test_empty_graph():
    assert auto_layout(Graph()) == {}


def random_dag(rng, n):
    """Layers with one or two inputs each (Dense or Add) on top of a few Inputs; wires only go forward."""
    graph = Graph()
    ids = [graph.add_node("Input", {"shape": [4]}).id for _ in range(3)]
    while len(ids) < n:
        if rng.random() < 0.3 and len(ids) > 2:
            node = graph.add_node("Add", {})
            for port, source in enumerate(rng.choice(len(ids), size=2, replace=False)):
                graph.connect(ids[source], node.id, port)
        else:
            node = graph.add_node("Dense", {"units": 4})
            graph.connect(ids[int(rng.integers(max(0, len(ids) - 8), len(ids)))], node.id)
        ids.append(node.id)
    return graph


def test_two_hundred_nodes_are_laid_out_quickly():
    graph = random_dag(np.random.default_rng(0), 200)
    auto_layout(graph)  # warm up the imports
    start = time.perf_counter()
    positions = auto_layout(graph)
    elapsed = time.perf_counter() - start
    print(f"auto_layout: {len(graph)} nodes, {len(graph.edges)} wires in {elapsed * 1000:.1f} ms, "
          f"{crossings(graph, positions)} crossings between neighbouring columns")
    assert len(set(positions.values())) == len(positions) == 200
    for edge in graph.edges:  # every wire points right
        assert positions[edge.source][0] < positions[edge.target][0]
