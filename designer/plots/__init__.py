"""Live plots of the training view: pyqtgraph widgets fed with plain numpy arrays from worker snapshots.

Each plot is a QWidget (dockable) whose plot items are created once and then only given new arrays; every
plot can be saved as PNG or SVG (``export(path)`` or its "Save image…" context action).
"""
from designer.plots.activation import ActivationPlot, ActivationPreview
from designer.plots.base import PlotPanel
from designer.plots.boundary import BoundaryPlot, array_to_qimage, plane_rgba
from designer.plots.conv import FeatureMapsPlot, FiltersPlot
from designer.plots.evaluation import ConfusionPlot, RegressionPlot
from designer.plots.loss import LossPlot
from designer.plots.recurrent import HiddenStatesPlot
from designer.plots.weights import WeightsPlot

__all__ = [
    "ActivationPlot", "ActivationPreview", "BoundaryPlot", "ConfusionPlot", "FeatureMapsPlot", "FiltersPlot",
    "HiddenStatesPlot", "LossPlot", "PlotPanel", "RegressionPlot", "WeightsPlot", "array_to_qimage", "plane_rgba",
]
