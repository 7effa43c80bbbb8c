"""What the training thread receives: a frozen copy of the document (graph, settings, data set, weights), so
editing the canvas while training never touches the network being trained."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

import numpy as np

from engine.graph.model import Graph
from engine.session_settings import TrainingSettings

SETTING_KEYS = tuple(f.name for f in fields(TrainingSettings))
# Settings the running session takes without starting again; the others need a new session.
LIVE_KEYS = ("learning_rate", "batch_size", "regularization", "epochs")
DEFAULT_DATASET = {"name": "xor", "options": {}}


@dataclass
class TrainingJob:
    graph: Graph
    settings: dict
    dataset: dict
    weights: dict = field(default_factory=dict)
    optimizer_state: dict = field(default_factory=dict)


def settings_of(document) -> dict:
    """The document's training settings, without keys that are not settings (e.g. recovery notes)."""
    return {key: copy.deepcopy(value) for key, value in document.training.items() if key in SETTING_KEYS}


def checked_settings(document) -> TrainingSettings:
    """The document's settings as a TrainingSettings; ValueError if some value is absurd."""
    return TrainingSettings.from_dict(settings_of(document))


def job_from_document(document) -> TrainingJob:
    """Copies of everything a session needs; the document may change right after."""
    return TrainingJob(graph=document.graph.copy(), settings=settings_of(document),
                       dataset=copy.deepcopy(document.dataset or DEFAULT_DATASET),
                       weights={key: np.array(value, copy=True) for key, value in document.weights.items()},
                       optimizer_state={key: np.array(value, copy=True)
                                        for key, value in document.optimizer_state.items()})


def history_columns(history: list[dict]) -> dict[str, list]:
    """Per-epoch logs as the project file keeps them: {"loss": [...], "val_loss": [...], "epoch": [...]}."""
    keys = sorted({key for logs in history for key in logs})
    return {key: [logs.get(key) for logs in history] for key in keys}


def history_rows(columns: dict[str, list]) -> list[dict]:
    """The inverse of :func:`history_columns` (missing values left out)."""
    length = max((len(values) for values in columns.values()), default=0)
    rows = [{} for _ in range(length)]
    for key, values in columns.items():
        for row, value in zip(rows, values):
            if value is not None:
                row[key] = value
    return rows
