"""The 'Draw a digit' dock: shown only for networks that read a 28×28 digit, it asks the current trained
model (live while training, else the document's weights) with the very input scaling training used, so real
MNIST test digits drawn on the pad are read correctly; without a session the scaling is rebuilt from the
document's data set and settings."""
import gzip
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QMainWindow

from designer import commands as cmd
from designer.digit_dock import build_digit_dock, inputs_from_document, takes_digits
from designer.document import Document
from designer.selection import Selection
from designer.training.live import build_training_docks
from engine.datasets import read_idx
from engine.graph.analysis import analyze
from engine.graph.model import Graph
from tests.designer.conftest import build_chain

MNIST_FOLDERS = [Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist", Path("/work/shared/data/mnist")]
TRAIN_IMAGES = 6000  # the subset trained on (80 % of it); the digits asked come from after it
ASKED = slice(TRAIN_IMAGES, 10000, 200)  # 20 digits spread over those never trained on


def mnist_test_files():
    """(images, labels) of MNIST's 10 000 test digits, or skip when the files are not on this machine."""
    for folder in MNIST_FOLDERS:
        images, labels = folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz"
        if images.is_file() and labels.is_file():
            return read_idx(images), read_idx(labels)
    pytest.skip("the MNIST files are not on this machine (../shared/data/mnist)")


def write_idx(path: Path, array: np.ndarray) -> None:
    array = np.ascontiguousarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.tobytes())


def mnist_subset(folder: Path, count: int = TRAIN_IMAGES) -> Path:
    """A folder holding the first ``count`` MNIST test digits as IDX files (a small MNIST to train on)."""
    images, labels = mnist_test_files()
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images[:count])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels[:count])
    return folder


class Window(QMainWindow):
    def __init__(self, document):
        super().__init__()
        self.document = document
        self.selection = Selection(self)
        self.training_panel, self.plot_docks = build_training_docks(self)
        for dock in self.plot_docks.values():
            dock.hide()
        self.digit_dock = build_digit_dock(self)


@pytest.fixture
def make_window(qtbot):
    windows = []

    def make(document):
        window = Window(document)
        qtbot.addWidget(window)
        window.resize(1000, 700)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        assert window.training_panel.shutdown()
        window.digit_dock.shutdown()


def dense_digits(document, folder, scaling="standard", input_shape=(784,)):
    build_chain(document, ("Input", {"shape": list(input_shape)}), ("Flatten", {}) if len(input_shape) > 1 else
                ("Dense", {"units": 64, "activation": "relu"}), ("Dense", {"units": 10, "activation": "softmax"}))
    document.push(cmd.SetDataset(document, {"name": "mnist", "options": {"folder": str(folder), "flatten": False}}))
    settings = {"loss": "sparse_categorical_crossentropy", "optimizer": "adam", "learning_rate": 0.001,
                "batch_size": 32, "epochs": 2, "split": [0.8, 0.1, 0.1], "scaling": scaling, "seed": 0}
    for key, value in settings.items():
        document.push(cmd.SetTraining(document, key, value))


def draw_on_pad(pad, digit: np.ndarray) -> None:
    """Put a 28×28 uint8 digit on the pad's 280×280 canvas (as if drawn) and let the pad read it."""
    pixels = np.ascontiguousarray(digit, np.uint8)
    image = QImage(pixels.data, 28, 28, 28, QImage.Format.Format_Grayscale8).copy()
    canvas = pad.canvas
    painter = QPainter(canvas.image)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(canvas.image.rect(), image)
    painter.end()
    canvas.stroke_finished.emit()


def test_shown_only_for_networks_that_read_a_digit(qtbot, document, make_window):
    window = make_window(document)
    dock = window.digit_dock
    build_chain(document, ("Input", {"shape": [2]}), ("Dense", {"units": 1}))
    document.analyze_now()
    dock.update_fit()
    assert not dock.fits and dock.isHidden() and not dock.toggleViewAction().isEnabled()
    for shape, fits in (([784], True), ([28, 28, 1], True), ([28, 28], True), ([27, 27, 1], False)):
        graph = Graph()
        ids = [graph.add_node("Input", {"shape": shape}).id]
        for layer, params in (("Flatten", {}), ("Dense", {"units": 10, "activation": "softmax"})):
            ids.append(graph.add_node(layer, params).id)
            graph.connect(ids[-2], ids[-1])
        document.push(cmd.ReplaceGraph(document, graph, "replace"))
        qtbot.waitUntil(lambda fits=fits: dock.fits == fits, timeout=5000)
        assert dock.isVisible() == fits
    autoencoder = Graph()
    source = autoencoder.add_node("Input", {"shape": [784]}).id
    autoencoder.connect(source, autoencoder.add_node("Dense", {"units": 784}).id)
    assert takes_digits(autoencoder)  # not analysed yet: the input decides
    assert not takes_digits(autoencoder, analyze(autoencoder))  # 784 outputs are not classes


def test_the_pad_reads_real_mnist_digits_with_the_training_scaling(qtbot, document, make_window, tmp_path):
    folder = mnist_subset(tmp_path / "mnist")
    images, labels = mnist_test_files()
    dense_digits(document, folder)
    window = make_window(document)
    dock, panel = window.digit_dock, window.training_panel
    qtbot.waitUntil(lambda: dock.fits, timeout=5000)
    dock.raise_()
    qtbot.waitUntil(dock.watching)
    assert "no trained weights" in dock.status.text() and dock.pad._predict is None
    panel.play()
    qtbot.waitUntil(lambda: panel.state == "finished", timeout=60000)
    qtbot.waitUntil(lambda: dock.model.ready and dock.model.weights is document.weights, timeout=10000)
    assert dock.status.text() == "Asking the trained network."
    session_scaler = dock.model.inputs["scaler"]
    assert dock.model.inputs["pixel_max"] == 255 and session_scaler.kind == "standard"
    # Fed as the pad would give them (0..1), and drawn on the pad's canvas.
    fed = [int(np.argmax(dock.model.predict(image / 255.0))) for image in images[ASKED]]
    drawn = []
    for image in images[ASKED]:
        draw_on_pad(dock.pad, image)
        drawn.append(int(np.argmax(dock.pad.bars.probabilities)))
        dock.pad.clear()
    truth = labels[ASKED].tolist()
    fed_right = sum(a == b for a, b in zip(fed, truth))
    drawn_right = sum(a == b for a, b in zip(drawn, truth))
    print(f"\nMNIST digits read right: fed {fed_right}/20, drawn on the pad {drawn_right}/20")
    assert fed_right >= 16 and drawn_right >= 16
    # Without the scaler (raw 0..255, or the 0..1 drawing as it is) the same network reads them badly.
    raw = [int(np.argmax(dock.model.network.forward([image.reshape(1, 784).astype(np.float32)])[0][0]))
           for image in images[ASKED]]
    assert sum(a == b for a, b in zip(raw, truth)) < fed_right

    # A project opened later has no session: the scaling is rebuilt from its data set and settings.
    reopened = Document()
    reopened.load_project(document.to_project())
    second = make_window(reopened)
    second.digit_dock.raise_()
    qtbot.waitUntil(lambda: second.digit_dock.model.ready, timeout=20000)
    again = [int(np.argmax(second.digit_dock.model.predict(image / 255.0))) for image in images[ASKED]]
    assert again == fed
    rebuilt = second.digit_dock.model.inputs["scaler"]
    np.testing.assert_allclose(rebuilt.offset_, session_scaler.offset_)
    np.testing.assert_allclose(rebuilt.scale_, session_scaler.scale_)
    reopened.shutdown()


def test_live_weights_while_training(qtbot, document, make_window, tmp_path):
    folder = mnist_subset(tmp_path / "mnist", 2000)
    dense_digits(document, folder, scaling="minmax", input_shape=(28, 28, 1))
    document.push(cmd.SetTraining(document, "epochs", None))
    window = make_window(document)
    dock, panel = window.digit_dock, window.training_panel
    dock.raise_()
    qtbot.waitUntil(dock.watching)
    assert window.training_panel.live._extra.get("digit_dock") == {"weights": True}
    images, _ = mnist_test_files()
    draw_on_pad(dock.pad, images[TRAIN_IMAGES])
    panel.play()
    qtbot.waitUntil(lambda: dock.pad._predict is not None, timeout=30000)
    assert dock.status.text() == "Asking the network as it trains (live weights)."
    first = dock.pad.bars.probabilities.copy()
    qtbot.waitUntil(lambda: not np.array_equal(first, dock.pad.bars.probabilities), timeout=10000)
    panel.pause()
    qtbot.waitUntil(lambda: panel.state == "paused" and bool(document.weights), timeout=10000)
    qtbot.waitUntil(lambda: dock.model.weights is document.weights, timeout=5000)
    window.plot_docks["loss"].show()
    window.plot_docks["loss"].raise_()
    dock.hide()
    qtbot.waitUntil(lambda: "digit_dock" not in window.training_panel.live._extra)


def test_scaling_rebuilt_from_the_document_says_when_data_is_missing(tmp_path):
    with pytest.raises(Exception, match="MNIST"):
        inputs_from_document({"name": "mnist", "options": {"folder": str(tmp_path)}}, {"scaling": "minmax"})


def test_the_dock_strings_are_translated():
    from designer.i18n import catalogue

    spanish = catalogue("es")
    assert spanish.get("Draw a digit") and spanish.get("Asking the trained network.")
