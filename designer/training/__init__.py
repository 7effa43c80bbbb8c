"""Training in the designer: the panel (settings, Play / Pause / Step / Reset, counters, visible maths, export),
the worker thread that trains a frozen copy of the document, and the docks that feed the live plots.

- :mod:`designer.training.panel` — :class:`TrainingPanel`;
- :mod:`designer.training.controller` / :mod:`designer.training.worker` — the training thread;
- :mod:`designer.training.live` — ``build_training_docks(window)`` and :class:`LivePlots`.
"""
