"""The engine's English messages reach the Spanish UI in Spanish (designer.i18n.tr_engine)."""
import json
import re

import pytest

from designer.i18n import engine_patterns, install_language, tr_engine
from designer.resources import resource_path
from engine.graph.analysis import analyze
from engine.graph.model import Graph


@pytest.fixture
def spanish(qapp):
    install_language(qapp, "es")
    yield
    install_language(qapp, "en")


def test_every_pattern_keeps_its_fields():
    for path in resource_path("translations", "es", "engine").glob("*.json"):
        for pattern, translation in json.loads(path.read_text(encoding="utf-8")).items():
            fields = set(re.findall(r"\{(\w+)\}", pattern))
            assert set(re.findall(r"\{(\w+)\}", translation)) == fields, pattern
    assert engine_patterns("es") and engine_patterns("en") == []


def test_graph_problems_nested_shape_errors_and_divergence_in_spanish(spanish):
    graph = Graph()
    source = graph.add_node("Input", {"shape": [3, 3, 1]})
    conv = graph.add_node("Conv2D", {"filters": 4, "kernel_size": [5, 5]})
    graph.connect(source.id, conv.id)
    (problem,) = analyze(graph).problems
    assert tr_engine(problem.message) == (f"{conv.name} recibe (3, 3, 1): el filtro 5×5 es mayor que la entrada "
                                          "3×3; usa padding='same' o un filtro más pequeño")
    assert tr_engine(analyze(Graph()).problems[0].message) == "la red está vacía: añade una capa Input"
    reason = ("Training stopped at epoch 3, iteration 41: the loss became NaN (not a number). The learning rate "
              "(10) is probably too high, or the inputs are not scaled (standardize them). The weights were kept "
              "at their last finite values.")
    assert tr_engine(reason).startswith("El entrenamiento se detuvo en la época 3, iteración 41: la pérdida se "
                                        "volvió NaN")


def test_unknown_messages_and_english_stay_as_they_are(qapp, spanish):
    assert tr_engine("a message nobody translated") == "a message nobody translated"
    install_language(qapp, "en")
    assert tr_engine("the network is empty: add an Input layer") == "the network is empty: add an Input layer"
