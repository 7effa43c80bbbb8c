"""Test-wide settings: offscreen Qt, Keras on its torch backend (the reference oracle)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "torch")


def shared_data_folder():
    """``shared/data`` beside the checkout (where CI puts it), else the workplace's copy; may not exist."""
    from pathlib import Path

    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")
