"""A 200-node network: frame times of pan and zoom steps and the validation time are measured and PRINTED
(machines differ too much for a timing assertion; the issue asks for smooth pan/zoom and < 50 ms analysis)."""
import time

from PySide6.QtCore import QPointF

from designer import commands as cmd
from engine.graph.model import Graph
from tests.designer.test_canvas_support import canvas_fixture  # noqa: F401


def two_hundred_nodes() -> Graph:
    """A chain of Dense layers with a residual branch (Dense → Add) every few layers: 200 nodes."""
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [32]}).id
    while len(graph) < 200:
        trunk = graph.add_node("Dense", {"units": 32, "activation": "relu"}).id
        graph.connect(previous, trunk)
        if len(graph) <= 197:
            branch = graph.add_node("Dense", {"units": 32}).id
            merge = graph.add_node("Add").id
            graph.connect(previous, branch)
            graph.connect(trunk, merge, 0)
            graph.connect(branch, merge, 1)
            trunk = merge
        previous = trunk
    return graph


def frame_ms(view) -> float:
    start = time.perf_counter()
    view.viewport().repaint()
    return (time.perf_counter() - start) * 1000


def test_two_hundred_nodes_pan_zoom_and_validation_times(canvas, document, capsys):
    graph = two_hundred_nodes()
    assert len(graph) == 200
    document.push(cmd.ReplaceGraph(document, graph, "200 nodes"))
    canvas.auto_layout()
    from engine.graph.analysis import analyze

    start = time.perf_counter()
    analyze(document.graph)  # what the worker thread runs
    analysis_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    analysis = document.analyze_now()  # plus the canvas painting every shape and count (first time: all new)
    first_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    document.analyze_now()
    again_ms = (time.perf_counter() - start) * 1000
    assert analysis.ok, analysis.problems[:3]
    assert len(canvas.scene().nodes) == 200 and len(canvas.scene().edges) == len(graph.edges)

    canvas.set_zoom(1.0)
    canvas.centerOn(QPointF(0, 0))
    frame_ms(canvas)  # fill the item caches once
    bar = canvas.horizontalScrollBar()
    pan = []
    for _ in range(30):
        bar.setValue(bar.value() + 40)
        pan.append(frame_ms(canvas))
    zoom = []
    for step in range(20):
        canvas.set_zoom(1.0 * (0.85 ** (step + 1)))
        zoom.append(frame_ms(canvas))
    canvas.fit_to_view()
    fitted = [frame_ms(canvas) for _ in range(5)]
    start = time.perf_counter()
    canvas.selection.set(list(graph.nodes)[:50])
    select_ms = (time.perf_counter() - start) * 1000
    from designer.canvas.gestures import MoveGesture, WireGesture

    some = canvas.scene().nodes[list(graph.nodes)[100]]
    start = time.perf_counter()
    wire = WireGesture(canvas, some.output_port)  # checks every port of the network once
    wire_ms = (time.perf_counter() - start) * 1000
    wire.cancel()
    moving = list(graph.nodes)[:50]
    gesture = MoveGesture(canvas, moving[0], moving, QPointF(0, 0))
    start = time.perf_counter()
    for step in range(10):
        gesture.move(QPointF(20 * step + 20, 0))
    move_ms = (time.perf_counter() - start) * 100
    gesture.finish()
    document.undo_stack.undo()
    with capsys.disabled():
        print(f"\n200-node canvas: validation {analysis_ms:.1f} ms (issue wants < 50 ms); with the canvas "
              f"update {first_ms:.1f} ms first, {again_ms:.1f} ms after; "
              f"pan frame mean {sum(pan) / len(pan):.1f} ms, max {max(pan):.1f} ms; "
              f"zoom frame mean {sum(zoom) / len(zoom):.1f} ms, max {max(zoom):.1f} ms; "
              f"whole network {sum(fitted) / len(fitted):.1f} ms at zoom {canvas.zoom:.2f}; "
              f"selecting 50 nodes {select_ms:.1f} ms; starting a wire drag {wire_ms:.1f} ms; "
              f"one move step of 50 nodes {move_ms:.1f} ms")
