"""The network canvas: layers as boxes with typed ports, wires labelled with tensor shapes, live problems.

``CanvasScene`` only views ``document.graph``; ``CanvasView`` turns gestures into undo commands;
``Minimap`` shows the whole network; ``export_image`` writes PNG or SVG.
"""
from designer.canvas.export import export_image
from designer.canvas.minimap import Minimap
from designer.canvas.scene import CanvasScene
from designer.canvas.view import CanvasView

__all__ = ["CanvasScene", "CanvasView", "Minimap", "export_image"]
