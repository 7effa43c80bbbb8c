"""Reading and writing Neurotaller files: project files (.ntl) and weight files (.npz).

Everything is versioned plain data (JSON + numpy arrays); nothing is ever pickled or unpickled.
"""
from __future__ import annotations


class ProjectFileError(ValueError):
    """A file cannot be read or written as asked; the message says why in words a user can act on."""


class WeightsFileError(ProjectFileError):
    """A weights archive is damaged, unsafe, or does not fit the model."""


# The error classes are defined before these imports because the submodules import them from here.
from engine.io.atomic import atomic_write_bytes, atomic_writer
from engine.io.project_file import FORMAT_VERSION, ProjectData, load_project, save_project
from engine.io.weights_file import check_weights_match, load_weights_npz, save_weights_npz

__all__ = [
    "FORMAT_VERSION",
    "ProjectData",
    "ProjectFileError",
    "WeightsFileError",
    "atomic_write_bytes",
    "atomic_writer",
    "check_weights_match",
    "load_project",
    "load_weights_npz",
    "save_project",
    "save_weights_npz",
]
