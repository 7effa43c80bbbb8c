"""The scene is a picture of document.graph: it follows every command, its undo and redo, and the analysis."""
from designer import commands as cmd
from designer.canvas import CanvasScene
from designer.canvas.edge_item import EdgeItem
from designer.canvas.node_item import NodeItem
from engine.graph.model import Graph
from tests.designer.conftest import build_chain


def picture(scene):
    """What the scene shows: node ids with positions, wires, input port counts."""
    nodes = {node_id: (item.pos().x(), item.pos().y(), len(item.input_ports)) for node_id, item in scene.nodes.items()}
    wires = sorted((e.source, e.target, e.target_port) for e in scene.edges)
    items = [i for i in scene.items() if isinstance(i, (NodeItem, EdgeItem))]
    assert len(items) == len(nodes) + len(wires)  # no stray items left behind
    return nodes, wires


def graph_picture(graph):
    nodes = {n.id: n.position for n in graph}
    return nodes, sorted((e.source, e.target, e.target_port) for e in graph.edges)


def assert_matches(scene, document):
    nodes, wires = picture(scene)
    expected_nodes, expected_wires = graph_picture(document.graph)
    assert {k: v[:2] for k, v in nodes.items()} == expected_nodes
    assert wires == expected_wires


def test_scene_follows_commands_undo_and_redo(qtbot, document):
    scene = CanvasScene(document)
    ids = build_chain(document, ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 2}))
    assert_matches(scene, document)
    document.push(cmd.MoveNodes(document, {ids[1]: (260, 80)}, finished=True))
    assert scene.nodes[ids[1]].pos().toTuple() == (260, 80)
    document.push(cmd.RemoveNodes(document, [ids[1]]))
    assert ids[1] not in scene.nodes and not scene.edges
    document.push(cmd.Connect(document, ids[0], ids[2]))
    assert_matches(scene, document)
    for _ in range(3):
        document.undo_stack.undo()
        assert_matches(scene, document)
    for _ in range(3):
        document.undo_stack.redo()
        assert_matches(scene, document)


def test_wires_follow_moving_nodes(qtbot, document):
    scene = CanvasScene(document)
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    wire = next(iter(scene.edges.values()))
    document.push(cmd.MoveNodes(document, {b: (400, 200)}, finished=True))
    assert wire.end == scene.nodes[b].input_anchor(0)
    assert wire.start == scene.nodes[a].output_anchor()
    document.undo_stack.undo()
    assert wire.end == scene.nodes[b].input_anchor(0)


def test_nodes_show_shapes_and_parameter_counts_from_the_analysis(qtbot, document):
    scene = CanvasScene(document)
    ids = build_chain(document, ("Input", {"shape": [28, 28, 1]}),
                      ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}))
    document.analyze_now()
    conv = scene.nodes[ids[1]]
    assert conv.shape_text == "(26, 26, 32)"
    assert conv.params_text == "320 params"
    assert conv.summary == "32, 3×3, relu"
    assert not conv.problems
    (wire,) = scene.edges.values()
    assert wire.label == "(28, 28, 1)"
    assert "(26, 26, 32)" in conv.toolTip()
    assert scene.nodes[ids[0]].output_port.toolTip().startswith("Output: (28, 28, 1)")
    assert conv.input_ports[0].toolTip() == "Input 1: receives (28, 28, 1)"
    document.push(cmd.SetParam(document, ids[1], "filters", 8))
    assert scene.nodes[ids[1]].summary == "8, 3×3, relu"
    document.analyze_now()
    assert conv.params_text == "80 params"


def test_problems_mark_the_node_at_fault_with_what_to_change(qtbot, document):
    scene = CanvasScene(document)
    ids = build_chain(document, ("Input", {"shape": [3, 3, 1]}), ("Conv2D", {"filters": 2, "kernel_size": [5, 5]}))
    document.analyze_now()
    conv = scene.nodes[ids[1]]
    assert conv.problems and "padding" in conv.problems[0]  # says what to change
    assert "padding" in conv.toolTip()
    assert not scene.nodes[ids[0]].problems
    (wire,) = scene.edges.values()
    assert wire.problem  # the problem names the wire into the conv: it is drawn red too
    document.push(cmd.SetParam(document, ids[1], "padding", "same"))
    document.analyze_now()
    assert not conv.problems and not wire.problem
    document.undo_stack.undo()
    document.analyze_now()
    assert conv.problems


def test_missing_input_and_whole_network_problems(qtbot, document):
    scene = CanvasScene(document)
    document.push(cmd.AddNode(document, "Dense", {"units": 2}))
    document.analyze_now()
    (item,) = scene.nodes.values()
    assert any("connect" in p for p in item.problems)
    assert any("Input" in p for p in scene.global_problems)


def test_merge_layers_get_a_free_extra_port(qtbot, document):
    scene = CanvasScene(document)
    a, b = build_chain(document, ("Input", {"shape": [4]}), ("Dense", {"units": 4}))
    add = cmd.AddNode(document, "Add", position=(500, 0))
    document.push(add)
    item = scene.nodes[add.node_id]
    assert len(item.input_ports) == 2
    document.push(cmd.Connect(document, a, add.node_id, 0))
    document.push(cmd.Connect(document, b, add.node_id, 1))
    assert len(item.input_ports) == 3 and item.input_ports[2].free and item.input_ports[1].connected
    assert len(scene.nodes[a].input_ports) == 0  # an Input takes no wires: no input port at all
    document.undo_stack.undo()
    assert len(item.input_ports) == 2 and not item.input_ports[1].connected
    document.analyze_now()
    assert item.problems  # an Add with one wire needs another input


def test_replacing_the_graph_rebuilds_the_picture(qtbot, document):
    scene = CanvasScene(document)
    build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    graph = Graph()
    graph.add_node("Input", {"shape": [3]}, position=(10, 20))
    document.push(cmd.ReplaceGraph(document, graph, "template"))
    assert_matches(scene, document)
    document.undo_stack.undo()
    assert_matches(scene, document)
    assert len(scene.nodes) == 2
