"""The main window: palette on the left, the canvas (layers) and the neuron view in the middle, the inspector
and the training panel on the right, live plots docked below. It wires the parts together and owns nothing
else: the document is changed only through undo commands pushed by the parts.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget

from designer.document import Document
from designer.files import FileController
from designer.i18n import tr
from designer.selection import Selection


class MainWindow(QMainWindow):
    def __init__(self, settings=None, recovery_dir=None):
        super().__init__()
        self.setObjectName("main_window")
        self.document = Document(self)
        self.selection = Selection(self)
        self.files = FileController(self.document, self, settings=settings, recovery_dir=recovery_dir)
        self._closing_confirmed = False
        # Side columns run the full height; the plots sit under the canvas only.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._build_views()
        self._build_docks()
        self._arranged = False
        from designer.menus import build_menus

        self.actions_by_name = build_menus(self)
        self._build_status_bar()
        self.document.modified_changed.connect(self.setWindowModified)
        self.document.path_changed.connect(self._update_title)
        self.document.graph_replaced.connect(self._update_title)
        self.document.node_removed.connect(self.selection.discard)
        self.document.graph_replaced.connect(lambda: self.selection.set([]))
        self.document.graph_replaced.connect(self._raise_fitting_plot)
        self.files.message.connect(self.show_message)
        self._update_title()

    # -- parts ------------------------------------------------------------------------------------------
    def _build_views(self) -> None:
        from designer.canvas import CanvasView
        from designer.neuron_view import NeuronView

        self.canvas = CanvasView(self.document, self.selection)
        self.canvas.message.connect(self.show_message)
        self.neuron_view = NeuronView(self.document, self.selection)
        self.views = QTabWidget()
        self.views.setObjectName("views")
        self.views.addTab(self.canvas, tr("Layers"))
        self.views.addTab(self.neuron_view, tr("Neurons"))
        self.canvas.node_activated.connect(self._show_neurons_of)
        self.setCentralWidget(self.views)

    def _build_docks(self) -> None:
        from designer.canvas import Minimap
        from designer.inspector import Inspector
        from designer.palette import Palette

        self.palette = Palette()
        self.palette.layer_activated.connect(self.canvas.add_after_selected)
        self.inspector = Inspector(self.document, self.selection)
        self.minimap = Minimap(self.canvas)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock("palette", tr("Layers palette"), self.palette, left)
        self.minimap_dock = self._dock("minimap", tr("Overview"), self.minimap, left)
        self.inspector_dock = self._dock("inspector", tr("Inspector"), self.inspector, right)
        from designer.training.live import build_training_docks

        self.training_panel, self.plot_docks = build_training_docks(self)
        self.training_dock = self.training_panel.dock
        self.splitDockWidget(self.training_dock, self.inspector_dock, Qt.Orientation.Vertical)
        from designer.digit_dock import build_digit_dock
        from designer.neuron_view.live_feed import NeuronViewFeed

        # The neuron view draws the weights being trained and its neurons' pictures of the input plane.
        self.neuron_feed = NeuronViewFeed(self.neuron_view, self.training_panel, self)
        self.digit_dock = build_digit_dock(self)

    def _arrange_docks(self) -> None:
        """First sizes of the docks, in proportion to the window (Qt would give the side columns half of it)."""
        width, height = self.width(), self.height()
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        self.resizeDocks([self.palette_dock, self.training_dock], [int(width * 0.14), int(width * 0.30)], horizontal)
        self.resizeDocks([self.palette_dock, self.minimap_dock], [int(height * 0.68), int(height * 0.25)], vertical)
        self.resizeDocks([self.training_dock, self.inspector_dock], [int(height * 0.58), int(height * 0.36)],
                         vertical)
        loss, boundary = self.plot_docks["loss"], self.plot_docks["boundary"]
        self.resizeDocks([loss], [int(height * 0.40)], vertical)
        self.resizeDocks([loss, boundary], [int(width * 0.28), int(width * 0.28)], horizontal)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._arranged:
            self._arranged = True
            self._arrange_docks()
            QTimer.singleShot(0, self.canvas.fit_to_view)

    def _dock(self, name: str, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        self.params_label = QLabel()
        self.problems_label = QLabel()
        self.statusBar().addPermanentWidget(self.problems_label)
        self.statusBar().addPermanentWidget(self.params_label)
        self._training_state = ""
        self.document.analysis_changed.connect(self._show_analysis)
        self.training_panel.snapshot_updated.connect(self._follow_training_state)

    def _follow_training_state(self, snapshot) -> None:
        state = snapshot.get("state", "") if isinstance(snapshot, dict) else ""
        if state != self._training_state:
            self._training_state = state
            self._show_analysis(self.document.analysis)

    def _show_analysis(self, analysis) -> None:
        total = f"{analysis.total_params:,}".replace(",", " ")  # 693 962: the thin space of both languages
        self.params_label.setText(tr("Parameters: {count}").format(count=total))
        count = len(analysis.problems)
        ready = tr("Training…") if self._training_state in ("running", "preparing") else tr("Ready to train")
        self.problems_label.setText(tr("{count} problem(s) to fix").format(count=count) if count else ready)
        self.problems_label.setStyleSheet("color: #b3261e;" if count else "color: #1b6e3a;")

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title}[*] — Neurotaller")

    def show_view(self, name: str) -> None:
        """'layers' (the canvas), 'neurons' (the neuron view) or 'plots' (raise the plot docks)."""
        if name == "plots":
            for dock in self.plot_docks.values():
                dock.show()
                dock.raise_()
            return
        self.views.setCurrentWidget(self.neuron_view if name == "neurons" else self.canvas)

    def raise_plots(self, keys) -> None:
        for key in keys:
            self.plot_docks[key].show()
            self.plot_docks[key].raise_()

    def _raise_fitting_plot(self) -> None:
        """Bring forward the view that fits the network just opened: filters for a CNN, hidden states for an
        RNN, the decision boundary for two inputs, the weights otherwise."""
        types = {node.layer_type for node in self.document.graph}
        shapes = [node.params.get("shape") for node in self.document.graph if node.layer_type == "Input"]
        if types & {"Conv1D", "Conv2D", "Conv2DTranspose"}:
            key = "filters"
        elif types & {"SimpleRNN", "LSTM", "GRU"}:
            key = "hidden_states"
        elif shapes and all(list(shape or []) == [2] for shape in shapes):
            key = "boundary"
        else:
            key = "weights"
        self.raise_plots([key])

    def _show_neurons_of(self, node_id: str) -> None:
        self.selection.set([node_id])
        self.views.setCurrentWidget(self.neuron_view)

    # -- documents ----------------------------------------------------------------------------------------
    def start(self) -> None:
        """A fresh window opens on the Playground template: something to press Play on straight away."""
        self.new_from_template("playground", ask=False)

    def new_from_template(self, name: str, ask: bool = True) -> bool:
        from engine.templates import make_template

        if ask and not self.files.maybe_save():
            return False
        self.document.load_project(make_template(name))
        self.canvas.fit_to_view()
        return True

    def offer_recovery(self) -> None:
        self.files.offer_recovery()

    # -- closing --------------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if not self._closing_confirmed:
            self.training_panel.stop_and_wait()  # the worker must be stopped before anything is asked
            if not self.files.maybe_save():
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def force_close(self) -> None:
        """Close without asking (screenshots, tests)."""
        self._closing_confirmed = True
        self.close()

    def shutdown(self) -> None:
        self.training_panel.shutdown()
        self.files.clean_exit()
        self.document.shutdown()
