"""Drag-and-drop and clipboard formats shared by the palette, the canvas and the neuron view."""
LAYER_MIME = "application/x-neurotaller-layer"  # payload: the layer type name, UTF-8 (palette → canvas)
NODES_MIME = "application/x-neurotaller-nodes"  # payload: JSON of commands.copy_nodes(...) (copy/paste)
