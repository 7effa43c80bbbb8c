"""Test-wide settings: offscreen Qt, Keras on its torch backend (the reference oracle)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")
