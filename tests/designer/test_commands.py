"""Every undo command: do it, check the graph; undo, check; redo, check again."""
import numpy as np
import pytest

from designer import commands as cmd
from tests.designer.conftest import build_chain


def snapshot(document):
    return document.graph.to_dict()


def check_undo_redo(document, before, after):
    assert snapshot(document) == after
    document.undo_stack.undo()
    assert snapshot(document) == before
    document.undo_stack.redo()
    assert snapshot(document) == after


def test_add_node_wired_after_another(document):
    (first,) = build_chain(document, ("Input", {"shape": [2]}))
    before = snapshot(document)
    command = cmd.AddNode(document, "Dense", {"units": 3}, (200, 10), connect_from=first)
    document.push(command)
    node = document.graph.node(command.node_id)
    assert (node.layer_type, node.name, node.position) == ("Dense", "dense", (200.0, 10.0))
    assert document.graph.predecessors(command.node_id) == [first]
    check_undo_redo(document, before, snapshot(document))
    assert document.analyze_now().total_params == 9


def test_add_unknown_layer_is_refused_before_any_change(document):
    with pytest.raises(ValueError, match="Dense"):
        cmd.AddNode(document, "Dens")
    assert len(document.graph) == 0 and document.undo_stack.count() == 0


def test_remove_nodes_takes_wires_and_undo_restores_them(document):
    ids = build_chain(document, ("Input", {"shape": [4]}), ("Dense", {"units": 3}), ("Dense", {"units": 1}))
    before = snapshot(document)
    document.push(cmd.RemoveNodes(document, [ids[1]]))
    assert ids[1] not in document.graph.nodes and document.graph.edges == []
    after = snapshot(document)
    document.undo_stack.undo()
    assert sorted(map(str, document.graph.edges)) == sorted(map(str, [e for e in document.graph.edges]))
    assert {n["id"] for n in snapshot(document)["nodes"]} == {n["id"] for n in before["nodes"]}
    assert sorted((e["source"], e["target"]) for e in snapshot(document)["edges"]) == \
        sorted((e["source"], e["target"]) for e in before["edges"])
    document.undo_stack.redo()
    assert snapshot(document) == after


def test_connect_and_disconnect(document):
    a, b = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    document.push(cmd.Disconnect(document, document.graph.edges[0]))
    before = snapshot(document)
    document.push(cmd.Connect(document, a, b))
    check_undo_redo(document, before, snapshot(document))
    edge = document.graph.edges[0]
    document.push(cmd.Disconnect(document, edge))
    assert document.graph.edges == []
    document.undo_stack.undo()
    assert document.graph.edges == [edge]


@pytest.mark.parametrize("case", ["self", "loop", "occupied", "into_input", "too_many"])
def test_invalid_wires_are_refused_with_a_reason(document, case):
    a, b, c = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 2}), ("Dense", {"units": 1}))
    source, target, port, words = {
        "self": (b, b, 0, "itself"), "loop": (c, b, 1, "loop"), "occupied": (a, c, 0, "already connected"),
        "into_input": (b, a, 0, "input"), "too_many": (a, c, 1, "only 1 input")}[case]
    problem = cmd.connection_problem(document.graph, source, target, port)
    assert problem and words in problem
    with pytest.raises(ValueError):
        cmd.Connect(document, source, target, port)


def test_merge_layers_take_a_free_port(document):
    a, b = build_chain(document, ("Input", {"shape": [3]}), ("Dense", {"units": 3}))
    add = cmd.AddNode(document, "Add")
    document.push(add)
    assert cmd.input_port_count(document.graph, add.node_id) == 2
    document.push(cmd.Connect(document, a, add.node_id))
    document.push(cmd.Connect(document, b, add.node_id))
    assert [e.target_port for e in document.graph.incoming(add.node_id)] == [0, 1]
    assert cmd.input_port_count(document.graph, add.node_id) == 3
    assert document.analyze_now().ok


def test_move_merges_while_dragging_into_one_undo_step(document):
    (node,) = build_chain(document, ("Input", {"shape": [2]}))
    count = document.undo_stack.count()
    for x in range(1, 20):
        document.push(cmd.MoveNodes(document, {node: (x * 5.0, x * 2.0)}))
    document.push(cmd.MoveNodes(document, {node: (100.0, 40.0)}, finished=True))
    assert document.undo_stack.count() == count + 1
    assert document.graph.node(node).position == (100.0, 40.0)
    document.undo_stack.undo()
    assert document.graph.node(node).position == (0.0, 0.0)
    document.undo_stack.redo()
    document.push(cmd.MoveNodes(document, {node: (0.0, 0.0)}))  # a new drag after a finished one: new step
    assert document.undo_stack.count() == count + 2


def test_set_param_merges_typing_and_none_restores_default(document):
    _, dense = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    count = document.undo_stack.count()
    for value in (1, 12, 128):
        document.push(cmd.SetParam(document, dense, "units", value))
    assert document.undo_stack.count() == count + 1
    assert document.analyze_now().param_counts[dense] == 2 * 128 + 128
    document.undo_stack.undo()
    assert document.graph.node(dense).params["units"] == 1
    document.push(cmd.SetParam(document, dense, "activation", "relu"))
    document.push(cmd.SetParam(document, dense, "activation", None))
    assert "activation" not in document.graph.node(dense).params


def test_rename_moves_weights_and_refuses_duplicates(document):
    _, dense = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    document.push(cmd.SetWeights(document, {"dense/kernel": np.ones((2, 1), np.float32)}, "train"))
    document.push(cmd.RenameNode(document, dense, "out"))
    assert document.graph.node(dense).name == "out" and list(document.weights) == ["out/kernel"]
    document.undo_stack.undo()
    assert document.graph.node(dense).name == "dense" and list(document.weights) == ["dense/kernel"]
    with pytest.raises(ValueError, match="already called"):
        cmd.RenameNode(document, dense, "input")
    with pytest.raises(ValueError):
        cmd.RenameNode(document, dense, "  ")


def test_paste_gives_new_ids_and_names_and_keeps_inner_wires(document):
    ids = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 4}), ("Dense", {"units": 1}))
    before = snapshot(document)
    data = cmd.copy_nodes(document.graph, ids[1:])
    paste = cmd.PasteNodes(document, data, offset=(0, 100))
    document.push(paste)
    assert len(document.graph) == 5 and set(paste.node_ids).isdisjoint(ids)
    names = [document.graph.node(i).name for i in paste.node_ids]
    assert names == ["dense_2", "dense_3"]
    assert document.graph.predecessors(paste.node_ids[1]) == [paste.node_ids[0]]
    assert document.graph.node(paste.node_ids[0]).position == (220.0, 100.0)
    check_undo_redo(document, before, snapshot(document))


def test_weights_edit_and_replace(document):
    document.push(cmd.SetWeights(document, {"d/kernel": np.zeros((2, 2), np.float32)}, "train"))
    shared = document.weights["d/kernel"]
    document.push(cmd.EditWeight(document, "d/kernel", (1, 0), 0.5))
    assert document.weights["d/kernel"][1, 0] == 0.5 and shared[1, 0] == 0  # never written in place
    document.undo_stack.undo()
    assert document.weights["d/kernel"][1, 0] == 0
    document.undo_stack.undo()
    assert document.weights == {}


def test_training_settings_and_dataset(document):
    seen = []
    document.training_changed.connect(lambda: seen.append("training"))
    document.dataset_changed.connect(lambda: seen.append("dataset"))
    for value in (0.1, 0.01, 0.03):
        document.push(cmd.SetTraining(document, "learning_rate", value))
    assert document.training == {"learning_rate": 0.03} and document.undo_stack.count() == 1
    document.push(cmd.SetDataset(document, {"name": "circle", "options": {"noise": 0.1}}))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.training == {} and document.dataset is None
    assert seen.count("dataset") == 2


def test_replace_graph_and_modified_marker(document):
    from engine.graph.model import Graph

    build_chain(document, ("Input", {"shape": [2]}))
    document.undo_stack.setClean()
    assert not document.is_modified()
    replacement = Graph()
    replacement.add_node("Input", {"shape": [3]})
    replacement.add_node("Dense", {"units": 2})
    document.push(cmd.ReplaceGraph(document, replacement, "template"))
    assert len(document.graph) == 2 and document.is_modified()
    document.undo_stack.undo()
    assert len(document.graph) == 1 and not document.is_modified()


def test_analysis_runs_off_the_gui_thread_and_keeps_only_the_newest(document, qtbot):
    results = []
    document.analysis_changed.connect(results.append)
    ids = build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 3}))
    for units in range(1, 30):
        document.push(cmd.SetParam(document, ids[1], "units", units))
    qtbot.waitUntil(lambda: not document.analysis_pending and bool(results), timeout=5000)
    assert results[-1].param_counts[ids[1]] == 2 * 29 + 29
    assert len(results) <= 3  # debounced: a burst of edits costs one or two runs, not thirty
