"""The pure-data graph: edits, plain-data round trip, validation problems, shapes and parameter counts."""
import pytest

from engine.graph import Graph, GraphEditError, analyze, validate


def chain(*layers):
    graph = Graph()
    previous = None
    for layer_type, params in layers:
        node = graph.add_node(layer_type, params)
        if previous is not None:
            graph.connect(previous.id, node.id)
        previous = node
    return graph


def slide_net():
    return chain(("Input", {"shape": [16]}), ("Dense", {"units": 8, "activation": "relu"}),
                 ("Dense", {"units": 2, "activation": "softmax"}))


def test_shapes_and_parameter_counts_of_the_slide_net():
    analysis = analyze(slide_net())
    assert analysis.ok, analysis.problems
    assert list(analysis.output_shapes.values()) == [(16,), (8,), (2,)]
    # Dense: (n + 1) * m
    assert list(analysis.param_counts.values()) == [0, (16 + 1) * 8, (8 + 1) * 2]
    assert analysis.total_params == 154


def test_keras_like_unique_names():
    graph = slide_net()
    assert [node.name for node in graph] == ["input", "dense", "dense_1"]
    with pytest.raises(GraphEditError, match="already exists"):
        graph.add_node("Dense", {"units": 1}, name="dense")


def test_round_trip_through_plain_data_is_identical():
    graph = slide_net()
    graph.node("n2").position = (120.5, -3.0)
    again = Graph.from_dict(graph.to_dict())
    assert again.to_dict() == graph.to_dict()
    assert again.add_node("Dense", {"units": 1}).id == "n4"  # ids keep counting after a load


def test_remove_node_takes_its_wires_and_can_be_put_back():
    graph = slide_net()
    node, edges = graph.remove_node("n2")
    assert len(edges) == 2 and graph.edges == []
    graph.insert_node(node, edges)
    assert analyze(graph).ok


def test_unknown_layer_is_reported_on_its_node():
    graph = chain(("Input", {"shape": [2]}), ("Dance", {"units": 3}))
    problems = validate(graph)
    assert [(p.kind, p.node_id) for p in problems][0] == ("unknown_layer", "n2")
    assert "Dance" in problems[0].message and "Dense" in problems[0].message


def test_bad_parameter_is_reported_not_raised():
    graph = chain(("Input", {"shape": [2]}), ("Dense", {"units": -3}))
    problems = validate(graph)
    assert problems[0].kind == "bad_parameter" and problems[0].node_id == "n2"


def test_cycle_names_the_nodes_on_it():
    graph = chain(("Input", {"shape": [2]}), ("Dense", {"units": 3}), ("Dense", {"units": 3}),
                  ("Dense", {"units": 1}))
    graph.edges = [e for e in graph.edges if e.target != "n2"]
    graph.connect("n3", "n2")
    kinds = {(p.kind, p.node_id) for p in validate(graph)}
    assert ("cycle", "n2") in kinds and ("cycle", "n3") in kinds
    assert ("cycle", "n4") not in kinds  # downstream of the loop, not on it


def test_dangling_input_and_missing_ends():
    graph = Graph()
    graph.add_node("Dense", {"units": 3})
    kinds = {p.kind for p in validate(graph)}
    assert {"dangling_input", "no_input"} <= kinds
    only_input = Graph()
    only_input.add_node("Input", {"shape": [2]})
    assert [p.kind for p in validate(only_input)] == ["no_output"]
    assert [p.kind for p in validate(Graph())] == ["no_input"]


def test_shape_mismatch_names_the_node_and_says_what_it_received():
    graph = chain(("Input", {"shape": [12]}), ("Reshape", {"target_shape": [5, -1]}), ("Dense", {"units": 2}))
    problem = validate(graph)[0]
    assert problem.kind == "shape_mismatch" and problem.node_id == "n2"
    assert "(12,)" in problem.message and "multiple" in problem.message


def test_wiring_errors_are_refused_with_a_reason():
    graph = slide_net()
    with pytest.raises(GraphEditError, match="already connected"):
        graph.connect("n1", "n3")
    with pytest.raises(GraphEditError, match="itself"):
        graph.connect("n2", "n2")
    with pytest.raises(GraphEditError, match="no node"):
        graph.connect("n1", "n99")


def test_an_input_takes_no_incoming_wire():
    graph = slide_net()
    graph.connect("n3", "n1")
    assert any(p.kind == "bad_parameter" and p.node_id == "n1" for p in validate(graph))


def test_flatten_reshape_shapes():
    graph = chain(("Input", {"shape": [28, 28, 1]}), ("Flatten", {}), ("Dense", {"units": 128}),
                  ("Reshape", {"target_shape": [8, -1]}))
    analysis = analyze(graph)
    assert analysis.ok
    assert analysis.output_shapes["n2"] == (784,)
    assert analysis.output_shapes["n4"] == (8, 16)
    assert analysis.param_counts["n3"] == 785 * 128


def test_validating_a_200_node_graph_is_fast():
    import time

    layers = [("Input", {"shape": [32]})] + [("Dense", {"units": 32, "activation": "relu"})] * 199
    graph = chain(*layers)
    analyze(graph)
    start = time.perf_counter()
    analysis = analyze(graph)
    elapsed = time.perf_counter() - start
    assert analysis.ok and len(analysis.order) == 200
    print(f"validation of 200 nodes: {elapsed * 1000:.1f} ms")
