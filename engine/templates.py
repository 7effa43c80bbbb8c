"""Ready-made projects: the designer's "start from a template" list and the example files in
resources/examples/ (written by tools/make_examples.py from these very definitions).

Each template is a network of the course (as on the slides and in the labs), the data set it is meant for
(a spec for :func:`engine.datasets.from_spec`) and training settings (``TrainingSettings.to_dict()``).

    >>> from engine import templates
    >>> templates.template_names()[:3]
    ['perceptron_and', 'perceptron_or', 'perceptron_xor']
    >>> project = templates.make_template("wine_13_16_3")   # an engine.project.Project, laid out, untrained

Titles and summaries are English; the designer translates them.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

from engine.graph.layout import auto_layout
from engine.graph.model import Graph
from engine.layers.registry import create_layer
from engine.project import Project
from engine.session_settings import TrainingSettings

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"

Chain = list[tuple[str, dict]]  # (layer type, the parameters that differ from the layer's defaults)


@dataclass(frozen=True)
class Template:
    title: str
    summary: str  # what the network is and what it teaches (English; the designer translates it)
    layers: Chain
    dataset: dict | None  # a spec for engine.datasets.from_spec; None: no data set shipped for it
    training: dict = field(default_factory=dict)  # TrainingSettings arguments


# -- the networks ------------------------------------------------------------------------------------------

def _perceptron() -> Chain:
    return [("Input", {"shape": [2]}), ("Dense", {"units": 1, "activation": "step"})]


def _dense_stack(inputs: int, units: list[int], hidden: str, output: str) -> Chain:
    """Input(inputs) → Dense(units[0], hidden) → ... → Dense(units[-1], output)."""
    layers: Chain = [("Input", {"shape": [inputs]})]
    for index, width in enumerate(units):
        layers.append(("Dense", {"units": width, "activation": output if index == len(units) - 1 else hidden}))
    return layers


MNIST_CNN: Chain = [
    ("Input", {"shape": [28, 28, 1]}),
    ("Conv2D", {"filters": 32, "kernel_size": 3, "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Flatten", {}),
    ("Dense", {"units": 128, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]


def alexnet_layers(input_shape=(227, 227, 3), classes: int = 1000) -> Chain:
    """AlexNet's 2012 sequence (single-tower, as Keras code writes it): 5 convolutions (11×11 stride 4, 5×5,
    3 × 3×3), 3 max-pools (3×3 stride 2), 2 × Dense(4096) with dropout, softmax over ``classes``."""
    def conv(filters, size, **extra):
        return ("Conv2D", {"filters": filters, "kernel_size": size, "activation": "relu", **extra})

    pool = ("MaxPooling2D", {"pool_size": 3, "strides": 2})
    return [("Input", {"shape": list(input_shape)}),
            conv(96, 11, strides=4), pool,
            conv(256, 5, padding="same"), pool,
            conv(384, 3, padding="same"), conv(384, 3, padding="same"), conv(256, 3, padding="same"), pool,
            ("Flatten", {}),
            ("Dense", {"units": 4096, "activation": "relu"}), ("Dropout", {"rate": 0.5}),
            ("Dense", {"units": 4096, "activation": "relu"}), ("Dropout", {"rate": 0.5}),
            ("Dense", {"units": classes, "activation": "softmax"})]


def _encoder_decoder(steps: int = 5, symbols: int = 10, units: int = 64) -> Chain:
    return [("Input", {"shape": [steps, symbols]}),
            ("LSTM", {"units": units}),
            ("RepeatVector", {"n": steps}),
            ("LSTM", {"units": units, "return_sequences": True}),
            # the wrapped layer is named here: an unnamed one would take a name from a process-wide counter
            ("TimeDistributed", {"layer": {"class_name": "Dense", "config": {
                "name": "dense", "units": symbols, "activation": "softmax"}}})]


# -- training settings ---------------------------------------------------------------------------------------

def _classifier(**changes) -> dict:
    """Settings shared by the classification examples; each template changes what its lab changes."""
    return {"loss": "sparse_categorical_crossentropy", "optimizer": "adam", "learning_rate": 0.001,
            "batch_size": 32, "epochs": 20, "metrics": ["accuracy"], "seed": 0, "split": [0.7, 0.15, 0.15],
            "scaling": "standard", "rule": "gradient", **changes}


_RULE = dict(loss="mse", optimizer="sgd", learning_rate=0.1, batch_size=1, epochs=20, split=[1.0, 0.0, 0.0],
             scaling="none", rule="perceptron")
_TRUTH = {gate: {"name": f"truth_{gate}", "options": {"n_inputs": 2}} for gate in ("and", "or", "xor")}
_PLAYGROUND = dict(loss="binary_crossentropy", optimizer="sgd", learning_rate=0.03, batch_size=10, epochs=None,
                   split=[0.5, 0.0, 0.5], scaling="none")
_MNIST = {"name": "mnist", "options": {"folder": None, "flatten": False}}  # the user picks the folder
SLIDE_CSV = "slide_16_8_2.csv"  # made by tools/make_examples.py: the slide's random data, saved once

TEMPLATES: dict[str, Template] = {
    "perceptron_and": Template(
        "Perceptron: AND", "One neuron with a step activation learns AND with Rosenblatt's rule: the two "
        "classes can be split by a straight line, so the rule stops making mistakes after a few epochs.",
        _perceptron(), _TRUTH["and"], _classifier(**_RULE)),
    "perceptron_or": Template(
        "Perceptron: OR", "The same single neuron learns OR: another truth table a straight line separates.",
        _perceptron(), _TRUTH["or"], _classifier(**_RULE)),
    "perceptron_xor": Template(
        "Perceptron: XOR (it cannot)", "The single neuron on XOR never stops making mistakes: no straight "
        "line separates XOR's classes. This is why networks need hidden layers.",
        _perceptron(), _TRUTH["xor"], _classifier(**_RULE)),
    "xor_2_2_1": Template(
        "XOR with a hidden layer (2-2-1)", "Two hidden neurons and one output solve XOR: each hidden neuron "
        "draws one line, and the output combines them. Trained by backpropagation.",
        _dense_stack(2, [2, 1], "tanh", "sigmoid"), _TRUTH["xor"],
        _classifier(loss="binary_crossentropy", learning_rate=0.1, batch_size=4, epochs=300,
                    split=[1.0, 0.0, 0.0], scaling="none")),
    "playground": Template(
        "Playground: circle", "TensorFlow Playground's network (2 inputs, hidden layers of 4 and 2 tanh "
        "neurons, one output) on the circle: watch the decision boundary bend around the inner class.",
        _dense_stack(2, [4, 2, 1], "tanh", "sigmoid"),
        {"name": "circle", "options": {"n_samples": 500, "noise": 0.0, "seed": 0, "extra_features": []}},
        _classifier(**_PLAYGROUND)),
    "playground_spiral": Template(
        "Playground: spiral", "The same small network on the spiral, which it cannot learn well: try more "
        "neurons, more layers or extra input features (x1², sin x1...).",
        _dense_stack(2, [4, 2, 1], "tanh", "sigmoid"),
        {"name": "spiral", "options": {"n_samples": 500, "noise": 0.0, "seed": 0, "extra_features": []}},
        _classifier(**_PLAYGROUND)),
    "slide_16_8_2": Template(
        "The slide network (16-8-2)", "The slides' first Keras network: 16 inputs, 8 ReLU neurons, 2 softmax "
        "outputs, on random numbers labelled by whether they add up to more than 8. Count its 154 "
        "parameters by hand.",
        _dense_stack(16, [8, 2], "relu", "softmax"), {"csv": SLIDE_CSV, "options": {"target": "label"}},
        _classifier(batch_size=16, split=[0.8, 0.2, 0.0], scaling="none")),
    "mnist_cnn": Template(
        "MNIST convolutional network", "The slides' CNN for handwritten digits: a 3×3 convolution with 32 "
        "filters, 2×2 max-pooling, then dense layers; 693 962 parameters, most in the first Dense layer. "
        "Needs the MNIST files (choose their folder).",
        MNIST_CNN, _MNIST, _classifier(batch_size=128, epochs=5, split=[0.8, 0.1, 0.1], scaling="minmax")),
    "autoencoder_784_32_784": Template(
        "Dense autoencoder (784-32-784)", "Squeezes each 28×28 digit into 32 numbers and rebuilds it: the "
        "target is the input itself. Compare the rebuilt digits with the originals. Needs the MNIST files.",
        _dense_stack(784, [32, 784], "relu", "sigmoid"),
        {"name": "mnist", "options": {"folder": None, "flatten": True}, "targets": "inputs"},
        _classifier(loss="mse", batch_size=64, epochs=10, metrics=["mae"], split=[0.8, 0.1, 0.1],
                    scaling="minmax")),
    "lstm_sine": Template(
        "LSTM forecaster (noisy sine)", "An LSTM reads the last 20 values of a noisy sine wave and predicts "
        "the next one: a recurrent network carries memory along a sequence.",
        [("Input", {"shape": [20, 1]}), ("LSTM", {"units": 32}), ("Dense", {"units": 1})],
        {"name": "sine", "options": {"n_points": 1000, "window": 20, "period": 50.0, "noise": 0.1, "seed": 0,
                                     "flatten": False}},
        _classifier(loss="mse", learning_rate=0.01, metrics=["mae"], scaling="none")),
    "encoder_decoder_reverse": Template(
        "Encoder-decoder: reverse digits", "An LSTM encoder squeezes a sequence of 5 digits into one vector; "
        "RepeatVector and an LSTM decoder unfold it into the digits in reverse order.",
        _encoder_decoder(), {"name": "reverse", "options": {"n_samples": 2000, "length": 5, "seed": 0,
                                                            "one_hot_inputs": True}},
        _classifier(learning_rate=0.01, batch_size=64, epochs=40, split=[0.8, 0.1, 0.1], scaling="none")),
    "alexnet": Template(
        "AlexNet (2012)", "The network that won ImageNet 2012: five convolutions, three max-poolings and two "
        "dense layers of 4096 with dropout, 62 378 344 parameters for 227×227 colour images and 1000 "
        "classes. To study its shapes and parameter counts; no data set comes with it.",
        alexnet_layers(), None,
        _classifier(optimizer="sgd", learning_rate=0.01, optimizer_options={"momentum": 0.9}, batch_size=128,
                    epochs=90, split=[0.8, 0.1, 0.1], scaling="none")),
    "wine_13_16_3": Template(
        "Wine lab (13-16-3)", "The wine lab: 13 chemical measurements, 16 ReLU neurons, 3 cultivars. "
        "Standardize the inputs (fitted on the training part only) and reach about 95 % test accuracy.",
        _dense_stack(13, [16, 3], "relu", "softmax"), {"name": "wine", "options": {}},
        _classifier(batch_size=16, epochs=60)),
}


# -- public API ----------------------------------------------------------------------------------------------

def template_names() -> list[str]:
    """Template names in the order the designer lists them (simple to complex)."""
    return list(TEMPLATES)


def _template(name: str) -> Template:
    if name not in TEMPLATES:
        raise ValueError(f"unknown template {name!r}; choose one of: {', '.join(TEMPLATES)}")
    return TEMPLATES[name]


def describe(name: str) -> dict:
    """What the template list shows: name, title, summary (English), dataset spec (or None), the layer types
    in order and the total parameter count."""
    from engine.graph.analysis import analyze

    template = _template(name)
    analysis = analyze(build_graph(template.layers))
    return {"name": name, "title": template.title, "summary": template.summary,
            "dataset": copy.deepcopy(template.dataset), "layers": [kind for kind, _ in template.layers],
            "parameters": analysis.total_params}


def build_graph(layers: Chain) -> Graph:
    """A chain of layers wired one after the other, with every parameter spelled out (as the canvas stores
    them) and Keras-like names (dense, dense_1...), laid out left to right."""
    graph = Graph()
    previous = None
    for layer_type, params in layers:
        node = graph.add_node(layer_type, create_layer(layer_type, copy.deepcopy(params)).parameters())
        if previous is not None:
            graph.connect(previous.id, node.id)
        previous = node
    for node_id, position in auto_layout(graph).items():
        graph.nodes[node_id].position = position
    return graph


def make_template(name: str) -> Project:
    """A fresh, untrained project: the laid-out graph, its training settings and its data set spec."""
    template = _template(name)
    settings = TrainingSettings(**copy.deepcopy(template.training)).to_dict()
    return Project(graph=build_graph(template.layers), training=settings,
                   dataset=copy.deepcopy(template.dataset), name=name, model_class="Sequential")


def resolve_dataset_spec(spec: dict | None, folder: str | os.PathLike | None = None) -> dict | None:
    """The spec with a relative CSV path made absolute: looked up in ``folder`` (the project file's folder)
    first, then in resources/examples/ (where the templates' own tables live). Other specs are returned as
    they are."""
    if not spec or "csv" not in spec or Path(spec["csv"]).is_absolute():
        return copy.deepcopy(spec)
    candidates = ([Path(folder) / spec["csv"]] if folder is not None else []) + [EXAMPLES / spec["csv"]]
    found = next((path for path in candidates if path.is_file()), candidates[0])
    return {**copy.deepcopy(spec), "csv": str(found)}
