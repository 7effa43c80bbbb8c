"""Templates and the example projects made from them: right architectures and parameter counts, files in step
with the templates, valid graphs, and every example trains a step on its own data set."""
import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine import datasets, metrics, project, templates
from engine.datasets import DataError
from engine.graph.analysis import analyze
from engine.graph.layout import auto_layout
from engine.io.project_file import load_project
from engine.network import Network
from engine.objective import Objective
from engine.session import TrainingSession, TrainingSettings
from engine.training import TrainingLoop
from tests.conftest import shared_data_folder

NAMES = templates.template_names()
ROOT = Path(__file__).resolve().parents[2]


def load_tool():
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "tools" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_list_and_its_descriptions():
    assert NAMES[:4] == ["perceptron_and", "perceptron_or", "perceptron_xor", "xor_2_2_1"]
    assert {"playground", "playground_spiral", "slide_16_8_2", "mnist_cnn", "autoencoder_784_32_784", "lstm_sine",
            "encoder_decoder_reverse", "alexnet", "wine_13_16_3"} <= set(NAMES)
    for name in NAMES:
        info = templates.describe(name)
        assert info["name"] == name and info["title"] and len(info["summary"]) > 40
        assert info["layers"][0] == "Input" and info["parameters"] > 0
    with pytest.raises(ValueError, match="unknown template 'lenet'; choose one of: perceptron_and"):
        templates.make_template("lenet")


@pytest.mark.parametrize("name, counts", [
    ("mnist_cnn", [0, 320, 0, 0, 692_352, 1_290]),
    ("slide_16_8_2", [0, 136, 18]),
    ("wine_13_16_3", [0, 224, 51]),
    ("xor_2_2_1", [0, 6, 3]),
    ("perceptron_and", [0, 3]),
    ("autoencoder_784_32_784", [0, 25_120, 25_872]),
    ("lstm_sine", [0, 4_352, 33]),
    ("encoder_decoder_reverse", [0, 19_200, 0, 33_024, 650]),
])
def test_parameter_counts(name, counts):
    analysis = analyze(templates.make_template(name).graph)
    assert [analysis.param_counts[node_id] for node_id in analysis.order] == counts
    assert templates.describe(name)["parameters"] == sum(counts)
    if name == "mnist_cnn":
        assert analysis.total_params == 693_962
        assert [analysis.output_shapes[i] for i in analysis.order] == [
            (28, 28, 1), (26, 26, 32), (13, 13, 32), (5408,), (128,), (10,)]


def test_alexnet_is_the_classic_models_alexnet():
    keras_alexnet = pytest.importorskip("tests.engine.test_classic_models").alexnet
    ours = templates.make_template("alexnet").graph
    theirs, _ = keras_alexnet((227, 227, 3), 1000).to_graph()
    assert [(n.layer_type, n.params) for n in ours] == [(n.layer_type, n.params) for n in theirs]
    assert analyze(ours).total_params == 62_378_344


def test_templates_are_laid_out_and_fresh_each_time():
    first, second = templates.make_template("wine_13_16_3"), templates.make_template("wine_13_16_3")
    assert first.graph is not second.graph and first.graph.to_dict() == second.graph.to_dict()
    first.graph.nodes["n2"].params["units"] = 99  # editing one project never leaks into the next
    assert templates.make_template("wine_13_16_3").graph.nodes["n2"].params["units"] == 16
    positions = {node.id: node.position for node in second.graph}
    assert positions == auto_layout(second.graph)
    assert not second.weights and second.model_class == "Sequential" and second.name == "wine_13_16_3"


def test_the_example_folder_holds_exactly_the_templates():
    files = sorted(p.name for p in templates.EXAMPLES.iterdir())
    assert files == sorted([f"{name}.ntl" for name in NAMES] + [templates.SLIDE_CSV, "README.md"])


def test_the_examples_are_up_to_date(tmp_path):
    """The committed files are what tools/make_examples.py writes now (else: run it), and writing is
    deterministic. Project files are compared by content: they record which Neurotaller version saved them."""
    tool = load_tool()
    written = tool.write_examples(tmp_path / "first")
    again = tool.write_examples(tmp_path / "again")
    assert [path.read_bytes() for path in written] == [path.read_bytes() for path in again]
    for path in written:
        committed = templates.EXAMPLES / path.name
        if path.suffix == ".ntl":
            ours, theirs = load_project(committed), load_project(path)
            ours.app_version = theirs.app_version
            assert ours == theirs, f"{path.name} is stale: run tools/make_examples.py"
        else:
            assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: run tools/make_examples.py"


@pytest.mark.parametrize("name", NAMES)
def test_each_example_loads_as_its_template_and_validates(name):
    loaded = project.load(templates.EXAMPLES / f"{name}.ntl")
    fresh = templates.make_template(name)
    assert loaded.graph.to_dict() == fresh.graph.to_dict()
    assert loaded.training == fresh.training and loaded.dataset == fresh.dataset
    assert (loaded.name, loaded.model_class, loaded.weights) == (name, "Sequential", {})
    assert TrainingSettings.from_dict(loaded.training).to_dict() == loaded.training
    analysis = analyze(loaded.graph)
    assert analysis.problems == []


# -- training one step --------------------------------------------------------------------------------------

def example_data(spec):
    """The example's data set as the designer loads it; MNIST from the shared data folder when no folder is set
    (as in CI), or None when the files are absent."""
    spec = templates.resolve_dataset_spec(spec)
    try:
        return datasets.from_spec(spec)
    except DataError:
        folder = shared_data_folder() / "mnist"
        if not (folder / "t10k-images-idx3-ubyte.gz").exists():
            return None
        return datasets.load(spec["name"], **dict(spec["options"], folder=str(folder)))


def random_images(shape, classes=10, per_class=4):
    """Random labelled images: AlexNet has no data set, and MNIST may be absent."""
    rng = np.random.default_rng(0)
    n = classes * per_class
    return datasets.Dataset(rng.random((n, *shape), dtype=np.float32), np.arange(n) % classes, "multiclass",
                            [], [str(c) for c in range(classes)], name="random")


def small(ds, n=256):
    """The first n samples: enough for one step, and every class of these sets is among them."""
    return ds if ds.n_samples <= n else replace(ds, x=ds.x[:n], y=ds.y[:n], meta=dict(ds.meta, fixed_split=None))


@pytest.mark.parametrize("name", [n for n in NAMES if n != "autoencoder_784_32_784"])
def test_each_example_trains_one_step_in_a_training_session(name):
    example = project.load(templates.EXAMPLES / f"{name}.ntl")
    graph, settings = example.graph, TrainingSettings.from_dict(example.training)
    if name == "alexnet":  # the same layer sequence on inputs small enough for one CI step
        graph = templates.build_graph(templates.alexnet_layers((67, 67, 3), 10))
        settings = settings.changed(batch_size=8)
    ds = example_data(example.dataset) if example.dataset is not None else None
    if ds is None:
        ds = random_images(Network(graph, seed=0).input_shapes[0])
    run = TrainingSession(graph, settings, small(ds))
    before = run.network.params.copy()
    record = run.step("batch")
    assert record["diverged"] is None and np.isfinite(record["loss"]) and record["iteration"] == 1
    if settings.rule == "gradient":
        assert not np.array_equal(before, run.network.params)


def test_the_autoencoder_trains_one_step_on_its_own_inputs():
    """Target = input (the spec says ``"targets": "inputs"``); the session cannot express that yet, so the
    engine's loop is driven directly."""
    example = project.load(templates.EXAMPLES / "autoencoder_784_32_784.ntl")
    assert example.dataset["targets"] == "inputs"
    settings = TrainingSettings.from_dict(example.training)
    network = Network(example.graph, seed=settings.seed)
    ds = example_data(example.dataset) or random_images((784,))
    x = small(ds).split(*settings.split, seed=settings.seed).scaled(settings.scaling).x_train
    loop = TrainingLoop(network, Objective(network, settings.loss), settings.make_optimizer(), x, x,
                        batch_size=settings.batch_size, seed=settings.seed,
                        metrics=[metrics.get(m) for m in settings.metrics])
    before = network.params.copy()
    report = loop.step("batch")
    assert report.diverged is None and np.isfinite(report.loss) and not np.array_equal(before, network.params)


# -- what the first labs teach -------------------------------------------------------------------------------

def train_epochs(name, epochs):
    example = templates.make_template(name)
    settings = TrainingSettings.from_dict(example.training)
    network = Network(example.graph, seed=settings.seed)
    ds = datasets.from_spec(example.dataset)
    x, y = ds.x, datasets.targets_for_loss(ds.y, settings.loss, ds.task, ds.n_classes)
    loop = TrainingLoop(network, Objective(network, settings.loss), settings.make_optimizer(), x, y,
                        batch_size=settings.batch_size, seed=settings.seed, rule=settings.rule)
    for _ in range(epochs):
        loop.run_epoch()
    predictions = network.forward(x)[0][:, 0] >= 0.5
    return int(np.sum(predictions != ds.y.astype(bool)))


def test_the_perceptron_learns_and_or_but_not_xor_and_the_2_2_1_network_does():
    assert train_epochs("perceptron_and", 20) == 0
    assert train_epochs("perceptron_or", 20) == 0
    assert train_epochs("perceptron_xor", 20) > 0
    assert train_epochs("xor_2_2_1", 300) == 0


def test_relative_csv_specs_are_found_beside_the_project_then_in_the_examples(tmp_path):
    spec = templates.make_template("slide_16_8_2").dataset
    assert templates.resolve_dataset_spec(spec)["csv"] == str(templates.EXAMPLES / templates.SLIDE_CSV)
    (tmp_path / templates.SLIDE_CSV).write_text(load_tool().slide_table())
    assert templates.resolve_dataset_spec(spec, tmp_path)["csv"] == str(tmp_path / templates.SLIDE_CSV)
    assert spec["csv"] == templates.SLIDE_CSV  # the template's own spec is left alone
    wine = {"name": "wine", "options": {}}
    assert templates.resolve_dataset_spec(wine) == wine and templates.resolve_dataset_spec(None) is None
    ds = datasets.from_spec(templates.resolve_dataset_spec(spec))
    assert ds.x.shape == (200, 16) and ds.class_counts().tolist() == [102, 98]
