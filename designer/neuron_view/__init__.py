"""The neuron view: the dense part of the network drawn neuron by neuron, TensorFlow Playground-style."""
from designer.neuron_view.view import NeuronView

__all__ = ["NeuronView"]
