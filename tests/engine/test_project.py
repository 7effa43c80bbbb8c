"""The designer-side project: graph with positions, weights and history survive a save/load unchanged."""
import numpy as np
import pytest

from engine import project
from engine.io import ProjectFileError
from engine.network import Network
from tests.engine.test_training import dense_graph


def test_round_trip_keeps_graph_weights_and_history(tmp_path):
    graph = dense_graph([3, 4, 2], ["relu", "softmax"])
    graph.node("n2").position = (150.0, 42.5)
    network = Network(graph, seed=1)
    original = project.Project(graph=graph, training={"loss": "sparse_categorical_crossentropy",
                                                      "batch_size": 16},
                               weights=network.weight_dict(), history={"loss": [1.0, 0.5, float("nan")]})
    path = tmp_path / "red.ntl"
    project.save(path, original)
    loaded = project.load(path)
    assert loaded.graph.to_dict() == graph.to_dict()
    assert loaded.training == original.training
    assert loaded.history["loss"][:2] == [1.0, 0.5] and np.isnan(loaded.history["loss"][2])
    for key, value in original.weights.items():
        np.testing.assert_array_equal(loaded.weights[key], value)


def test_an_unfinished_graph_can_be_saved_and_reopened(tmp_path):
    graph = dense_graph([3, 4], ["relu"])
    graph.add_node("Dense", {"units": 2})  # not wired yet
    project.save(tmp_path / "draft.ntl", project.Project(graph=graph))
    assert project.load(tmp_path / "draft.ntl").graph.to_dict() == graph.to_dict()


def test_weights_that_do_not_fit_the_graph_are_refused_clearly(tmp_path):
    graph = dense_graph([3, 4, 2], ["relu", "softmax"])
    weights = Network(graph, seed=1).weight_dict()
    weights["dense/kernel"] = np.zeros((5, 4), dtype=np.float32)
    project.save(tmp_path / "bad.ntl", project.Project(graph=graph, weights=weights))
    with pytest.raises(ProjectFileError, match=r"dense/kernel: file has \(5, 4\), model needs \(3, 4\)"):
        project.load(tmp_path / "bad.ntl")


def test_a_damaged_architecture_is_refused(tmp_path):
    from engine.io.project_file import ProjectData, save_project

    save_project(tmp_path / "x.ntl", ProjectData(architecture={"graph": {"nodes": "oops"}}))
    with pytest.raises(ProjectFileError, match="network description is damaged"):
        project.load(tmp_path / "x.ntl")
