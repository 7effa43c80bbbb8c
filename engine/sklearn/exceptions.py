"""scikit-learn's warning and error classes where scikit-learn keeps them: slide code
``from sklearn.exceptions import ConvergenceWarning`` runs as ``from engine.sklearn.exceptions import ...``.

The classes are defined in ``engine.sklearn`` (where the submodules import them from); this module re-exports
the very same classes, so a warning filter or ``except`` clause works with either import.
"""
from engine.sklearn import ConvergenceWarning, DataConversionWarning, NotFittedError, UndefinedMetricWarning

__all__ = ["ConvergenceWarning", "DataConversionWarning", "NotFittedError", "UndefinedMetricWarning"]
