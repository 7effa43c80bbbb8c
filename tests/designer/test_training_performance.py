"""How much watching training costs (issue 5's "done when"): the GUI stays responsive while the MNIST CNN
trains with every plot on screen, plots slow training little, and memory stays flat over a long run.

The tests PRINT their figures (run with -s to read them) and assert only generous sanity bounds, since the
machine may be shared. Targets: timer lateness p99 ≤ 50 ms and no gap > 300 ms; plots cost ≤ 10 % of the
samples per second; RSS growth bounded over 10 000 steps.
"""
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer, Qt

from designer import commands as cmd

CNN_IMAGES = 3000  # MNIST digits (or random 28×28 images) the CNN trains on: 80 % of them per epoch


class Lateness:
    """A 10 ms timer on the GUI thread; records how late each tick comes (the event loop's latency)."""

    def __init__(self, interval_ms: int = 10):
        self.interval = interval_ms / 1000
        self.gaps: list[float] = []
        self._last = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = None  # the time between a stop and the next start is not a gap
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def stats(self) -> dict:
        gaps = np.array(self.gaps)
        late = np.maximum(gaps - self.interval, 0.0) * 1000
        return {"ticks": len(late), "p50": float(np.percentile(late, 50)), "p99": float(np.percentile(late, 99)),
                "max": float(late.max()), "gaps_over_300ms": int((gaps > 0.3).sum())}


def rss_mb() -> float:
    with open("/proc/self/statm") as file:
        return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def image_folder(tmp_path: Path) -> Path:
    """Real MNIST digits when the files are here, else random 28×28 images, as IDX files in a folder."""
    from tests.designer.test_digit_dock import MNIST_FOLDERS, write_idx

    folder = tmp_path / "digits"
    folder.mkdir()
    for source in MNIST_FOLDERS:
        if (source / "t10k-images-idx3-ubyte.gz").is_file() and (source / "t10k-labels-idx1-ubyte.gz").is_file():
            from engine.datasets import read_idx

            images = read_idx(source / "t10k-images-idx3-ubyte.gz")[:CNN_IMAGES]
            labels = read_idx(source / "t10k-labels-idx1-ubyte.gz")[:CNN_IMAGES]
            break
    else:
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (CNN_IMAGES, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, CNN_IMAGES).astype(np.uint8)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels)
    return folder


@pytest.fixture
def window(qtbot, tmp_path):
    from designer.main_window import MainWindow

    made = MainWindow(recovery_dir=tmp_path / "recovery")  # not qtbot.addWidget: its close would ask to save
    made.resize(1400, 860)
    made.show()
    yield made
    made.force_close()
    assert not made.training_panel.controller.alive
    made.deleteLater()  # with its floating docks: no stray windows under the next tests' pointer
    qtbot.wait(50)


def all_docks(window):
    return [*window.plot_docks.values(), window.digit_dock]


def plots_on(window) -> None:
    """Every plot on screen at once: the docks float side by side, the neuron view is in front."""
    for index, dock in enumerate(all_docks(window)):
        dock.setFloating(True)
        dock.show()
        dock.resize(420, 300)
        dock.move(40 + 430 * (index % 4), 40 + 310 * (index // 4))
    window.show_view("neurons")


def plots_docked(window) -> None:
    """The usual window: docks in their two tab groups (loss and filters in front), the neuron view shown."""
    for dock in all_docks(window):
        dock.setFloating(False)
        dock.show()
    window.raise_plots(["loss", "filters"])
    window.show_view("neurons")


def plots_off(window) -> None:
    for dock in all_docks(window):
        dock.hide()
    window.show_view("layers")


def measure(qtbot, window, seconds: float) -> dict:
    """Samples trained, seconds the worker spent in probes, and the GUI thread's CPU seconds over a while."""
    controller = window.training_panel.controller
    before, gui, cpu, start = controller.snapshot(), time.thread_time(), time.process_time(), time.perf_counter()
    qtbot.wait(int(seconds * 1000))
    after = controller.snapshot()
    return {"samples": after["counters"]["samples_seen"] - before["counters"]["samples_seen"],
            "probes": after["probe_seconds"] - before["probe_seconds"], "gui": time.thread_time() - gui,
            "cpu": time.process_time() - cpu, "wall": time.perf_counter() - start}


def test_mnist_cnn_with_every_plot_on_screen(qtbot, window, tmp_path):
    """(a) the event loop's latency with every plot drawn; (b) samples per second with plots on and off."""
    window.new_from_template("mnist_cnn", ask=False)
    document, panel = window.document, window.training_panel
    document.push(cmd.SetDataset(document, {"name": "mnist", "options": {"folder": str(image_folder(tmp_path)),
                                                                         "flatten": False}}))
    document.push(cmd.SetTraining(document, "epochs", None))
    plots_on(window)
    panel.play()
    # Warm up with every plot on: the first compilations (training, probes, the end-of-epoch evaluation) are
    # not what is measured.
    epoch = lambda: panel.controller.snapshot()["counters"]["epoch"]  # noqa: E731
    qtbot.waitUntil(lambda: panel.state == "running" and epoch() >= 2, timeout=180000)
    lateness, phases = Lateness(), {"off": [], "on": [], "docked": []}
    layouts = {"off": plots_off, "on": plots_on, "docked": plots_docked}
    for phase in ("off", "on", "docked") * 3:  # alternated, so a neighbour's load hits all alike
        layouts[phase](window)
        qtbot.wait(300 if phase == "off" else 1200)  # the plot rate adapts to the GUI's load within a second
        if phase == "on":
            lateness.start()
        phases[phase].append(measure(qtbot, window, 2.5))
        lateness.stop()
    snapshot = panel.controller.snapshot()
    panel.pause()
    latency = lateness.stats()
    total = {phase: {key: sum(m[key] for m in measured) for key in measured[0]} for phase, measured in phases.items()}
    rate = {phase: total[phase]["samples"] / total[phase]["wall"] for phase in phases}
    cpu = {phase: total[phase]["cpu"] / max(total[phase]["samples"], 1) for phase in phases}
    on, off = rate["on"], rate["off"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n(a) GUI timer lateness while the MNIST CNN trains, every plot on screen: p50 {latency['p50']:.1f} ms, "
          f"p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms, gaps > 300 ms: {latency['gaps_over_300ms']} "
          f"({latency['ticks']} ticks; load average {load})")
    for phase, text in (("on", "every plot on screen"), ("docked", "the usual docked layout")):
        share = total[phase]
        print(f"(b) samples/s with {text}: {rate[phase]:.0f} vs {off:.0f} with plots off: on/off = "
              f"{rate[phase] / off:.2f} (cost {100 * (1 - rate[phase] / off):.1f} %; per phase "
              f"{[round(m['samples'] / m['wall']) for m in phases[phase]]} vs "
              f"{[round(m['samples'] / m['wall']) for m in phases['off']]}); probes took "
              f"{100 * share['probes'] / share['wall']:.1f} % of the training thread's time, the GUI thread used "
              f"{100 * share['gui'] / share['wall']:.0f} % of a core "
              f"({100 * total['off']['gui'] / total['off']['wall']:.0f} % with plots off), CPU time per sample "
              f"{100 * (cpu[phase] / cpu['off'] - 1):+.1f} %")
    assert snapshot["state"] == "running" and not snapshot["probe_errors"].get("request")
    assert latency["ticks"] > 100 and latency["max"] < 2000
    assert on > 0.3 * off and total["on"]["probes"] < 0.25 * total["on"]["wall"]


def test_memory_stays_flat_over_ten_thousand_steps(qtbot, window):
    """(c) RSS growth over 10 000 training steps of a small network with every plot on screen."""
    window.new_from_template("playground", ask=False)
    panel = window.training_panel
    plots_on(window)
    panel.play()
    iteration = lambda: panel.controller.snapshot()["counters"]["iteration"]  # noqa: E731
    qtbot.waitUntil(lambda: panel.state == "running" and iteration() >= 500, timeout=60000)
    start_rss, start_iteration, started = rss_mb(), iteration(), time.perf_counter()
    qtbot.waitUntil(lambda: iteration() >= start_iteration + 10000, timeout=120000)
    grown = rss_mb() - start_rss
    steps = iteration() - start_iteration
    panel.pause()
    print(f"\n(c) RSS {start_rss:.0f} MB -> {start_rss + grown:.0f} MB: {grown:+.1f} MB over {steps} steps "
          f"({steps / (time.perf_counter() - started):.0f} steps/s with every plot on screen)")
    assert grown < 200
