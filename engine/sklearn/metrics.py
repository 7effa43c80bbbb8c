"""scikit-learn's metrics as the course uses them, with its defaults, outputs and text layout.

Classification: accuracy_score, confusion_matrix (labels=, normalize=), precision_recall_fscore_support,
precision_score, recall_score, f1_score, fbeta_score, classification_report (text or ``output_dict=True``).
Labels of any type (numbers, strings) work; binary, multiclass and multilabel-indicator targets are
accepted where scikit-learn accepts them. Regression: mean_squared_error, root_mean_squared_error,
mean_absolute_error, r2_score (``multioutput=`` as scikit-learn).

Also the label helpers the estimators share, ``type_of_target`` and ``unique_labels`` (defined in
``engine.sklearn._labels``, re-exported here).
"""
from __future__ import annotations

import numpy as np

from engine.sklearn import UndefinedMetricWarning, check_consistent_length, column_or_1d, to_numpy, warn_user
from engine.sklearn._labels import as_label_array, type_of_target, unique_labels

_AVERAGES = (None, "micro", "macro", "weighted", "samples")


def _check_targets(y_true, y_pred) -> tuple[str, np.ndarray, np.ndarray]:
    check_consistent_length(y_true, y_pred)
    type_true, type_pred = type_of_target(y_true, "y_true"), type_of_target(y_pred, "y_pred")
    y_type = {type_true, type_pred}
    if y_type == {"binary", "multiclass"}:
        y_type = {"multiclass"}
    if len(y_type) > 1:
        raise ValueError(f"Classification metrics can't handle a mix of {type_true} and {type_pred} targets")
    kind = y_type.pop()
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(f"{kind} is not supported")
    if kind == "multilabel-indicator":
        return kind, to_numpy(y_true), to_numpy(y_pred)
    y_true, y_pred = column_or_1d(as_label_array(y_true)), column_or_1d(as_label_array(y_pred))
    if kind == "binary" and len(unique_labels(y_true, y_pred)) > 2:
        kind = "multiclass"
    return kind, y_true, y_pred


def _weights(sample_weight, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64).ravel()
    if weights.shape[0] != n:
        raise ValueError(f"sample_weight has {weights.shape[0]} values but there are {n} samples")
    return weights


# -- classification -------------------------------------------------------------------------------------
def accuracy_score(y_true, y_pred, *, normalize: bool = True, sample_weight=None) -> float:
    """Fraction (or, with ``normalize=False``, number) of exactly right predictions."""
    kind, y_true, y_pred = _check_targets(y_true, y_pred)
    correct = np.all(y_true == y_pred, axis=1) if kind == "multilabel-indicator" else (y_true == y_pred)
    weights = _weights(sample_weight, len(correct))
    if not normalize:
        return float(np.dot(correct, weights) if weights is not None else np.sum(correct))
    return float(np.average(correct, weights=weights)) if len(correct) else float("nan")


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None) -> np.ndarray:
    """C[i, j] = number of samples of true class labels[i] predicted as labels[j].

    normalize: None (counts), 'true' (rows sum to 1), 'pred' (columns sum to 1) or 'all'.
    Shapes: (n_labels, n_labels).
    """
    kind, y_true, y_pred = _check_targets(y_true, y_pred)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"{kind} is not supported")
    if labels is None:
        labels = unique_labels(y_true, y_pred)
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contains at least one label.")
        if y_true.size == 0:
            return np.zeros((labels.size, labels.size), dtype=int)
        if not np.isin(y_true, labels).any():
            raise ValueError("At least one label specified must be in y_true")
    if normalize not in ("true", "pred", "all", None):
        raise ValueError("normalize must be one of {'true', 'pred', 'all', None}")
    n = len(labels)
    weights = _weights(sample_weight, len(y_true))
    index = {label: i for i, label in enumerate(labels.tolist())}
    rows = np.array([index.get(v, n) for v in y_true.tolist()], dtype=np.int64)
    cols = np.array([index.get(v, n) for v in y_pred.tolist()], dtype=np.int64)
    keep = (rows < n) & (cols < n)
    cm = np.zeros((n, n), dtype=np.int64 if weights is None else np.float64)
    np.add.at(cm, (rows[keep], cols[keep]), 1 if weights is None else weights[keep])
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warn_user("A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have "
                      "the correct shape, use the 'labels' parameter to pass all known labels.", UserWarning)
    return cm


def _counts(kind, y_true, y_pred, labels, weights, samplewise: bool):
    """(tp, predicted, true) sums per label (or per sample for 'samples' averaging)."""
    if kind == "multilabel-indicator":
        columns = np.asarray(labels, dtype=int)
        if columns.size and (columns.min() < 0 or columns.max() >= y_true.shape[1]):
            raise ValueError("All labels must be in [0, n labels) for multilabel targets.")
        t, p = y_true[:, columns].astype(bool), y_pred[:, columns].astype(bool)
        if samplewise:
            return (t & p).sum(axis=1), p.sum(axis=1), t.sum(axis=1)
        w = np.ones(len(t)) if weights is None else weights
        sums = [(w @ a) if weights is not None else a.sum(axis=0) for a in (t & p, p, t)]
        return tuple(sums)
    if samplewise:
        raise ValueError("Samplewise metrics are not available outside of multilabel classification.")
    w = None if weights is None else weights
    tp, predicted, true = [], [], []
    for label in labels.tolist():
        is_true, is_pred = (y_true == label), (y_pred == label)
        for out, mask in ((tp, is_true & is_pred), (predicted, is_pred), (true, is_true)):
            out.append(mask.sum() if w is None else w[mask].sum())
    return np.array(tp), np.array(predicted), np.array(true)


def _check_zero_division(zero_division):
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, (int, float)) and zero_division in (0, 1):
        return float(zero_division)
    if isinstance(zero_division, float) and np.isnan(zero_division):
        return np.nan
    raise ValueError(f"zero_division must be 'warn', 0, 1 or np.nan; got {zero_division!r}")


def _divide(numerator, denominator, metric, modifier, average, warn_for, zero_division) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64).copy()
    mask = denominator == 0
    denominator[mask] = 1
    result = numerator / denominator
    if not mask.any():
        return result
    result[mask] = _check_zero_division(zero_division)
    if zero_division == "warn" and metric in warn_for:
        axis0, axis1 = ("label", "sample") if average == "samples" else ("sample", "label")
        where = "due to" if result.shape[0] == 1 else f"in {axis1}s with"
        warn_user(f"{metric.capitalize()} is ill-defined and being set to 0.0 {where} no {modifier} "
                      f"{axis0}s. Use `zero_division` parameter to control this behavior.",
                      UndefinedMetricWarning)
    return result


def _nanaverage(values: np.ndarray, weights=None) -> float:
    if values.shape[0] == 0:
        return float("nan")
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    if weights is None:
        return float(np.mean(values[keep]))
    weights = np.asarray(weights, dtype=np.float64)[keep]
    return float(np.average(values[keep], weights=weights)) if weights.sum() else float(np.mean(values[keep]))


def _set_wise_labels(kind, present, average, labels, pos_label):
    if average not in _AVERAGES and average != "binary":
        raise ValueError("average has to be one of " + str(_AVERAGES))
    if average == "binary":
        if kind == "binary":
            if pos_label not in present.tolist() and len(present) >= 2:
                raise ValueError(f"pos_label={pos_label!r} is not a valid label. It should be one of "
                                 f"{present.tolist()}")
            return np.asarray([pos_label])
        options = [a for a in _AVERAGES if not (a == "samples" and kind == "multiclass")]
        raise ValueError(f"Target is {kind} but average='binary'. Please choose another average setting, one "
                         f"of {options!r}.")
    if pos_label not in (None, 1):
        warn_user(f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got "
                      f"{average!r}). You may use labels=[pos_label] to specify a single positive class.",
                      UserWarning)
    return present if labels is None else np.asarray(labels)


def precision_recall_fscore_support(y_true, y_pred, *, beta: float = 1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn"):
    """Per-label (``average=None``) or averaged precision, recall, F-beta and support (None when averaged)."""
    _check_zero_division(zero_division)
    if beta < 0:
        raise ValueError("beta should be >=0 in the F-beta score")
    kind, y_true, y_pred = _check_targets(y_true, y_pred)
    present = unique_labels(y_true, y_pred)
    labels = _set_wise_labels(kind, present, average, labels, pos_label)
    weights = _weights(sample_weight, len(y_true))
    tp, predicted, true = _counts(kind, y_true, y_pred, labels, weights, average == "samples")
    if average == "micro":
        tp, predicted, true = (np.array([np.sum(a)]) for a in (tp, predicted, true))
    precision = _divide(tp, predicted, "precision", "predicted", average, warn_for, zero_division)
    recall = _divide(tp, true, "recall", "true", average, warn_for, zero_division)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        beta2 = beta ** 2
        f_score = _divide((1 + beta2) * np.asarray(tp, dtype=np.float64),
                          beta2 * np.asarray(true, dtype=np.float64) + predicted,
                          "f-score", "true nor predicted", average, warn_for, zero_division)
    if average is None:
        return precision, recall, f_score, true
    averaging = true if average == "weighted" else (weights if average == "samples" else None)
    return tuple(_nanaverage(values, averaging) for values in (precision, recall, f_score)) + (None,)


def _one_score(index: int, y_true, y_pred, labels, pos_label, average, sample_weight, zero_division, beta=1.0,
               name: str = "precision"):
    result = precision_recall_fscore_support(y_true, y_pred, beta=beta, labels=labels, pos_label=pos_label,
                                             average=average, warn_for=(name,), sample_weight=sample_weight,
                                             zero_division=zero_division)
    return result[index]


def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
                    zero_division="warn"):
    """tp / (tp + fp): of the samples predicted as a class, the fraction that really are."""
    return _one_score(0, y_true, y_pred, labels, pos_label, average, sample_weight, zero_division)


def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
                 zero_division="warn"):
    """tp / (tp + fn): of the samples of a class, the fraction found."""
    return _one_score(1, y_true, y_pred, labels, pos_label, average, sample_weight, zero_division,
                      name="recall")


def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary", sample_weight=None,
                zero_division="warn"):
    return _one_score(2, y_true, y_pred, labels, pos_label, average, sample_weight, zero_division, beta,
                      name="f-score")


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None,
             zero_division="warn"):
    """Harmonic mean of precision and recall: 2 tp / (2 tp + fp + fn)."""
    return fbeta_score(y_true, y_pred, beta=1.0, labels=labels, pos_label=pos_label, average=average,
                       sample_weight=sample_weight, zero_division=zero_division)


def classification_report(y_true, y_pred, *, labels=None, target_names=None, sample_weight=None,
                          digits: int = 2, output_dict: bool = False, zero_division="warn"):
    """scikit-learn's text report (same columns, widths and rows) or, with ``output_dict``, its dict."""
    kind, y_true, y_pred = _check_targets(y_true, y_pred)
    present = unique_labels(y_true, y_pred)
    labels_given = labels is not None
    labels = present if labels is None else np.asarray(labels)
    micro_is_accuracy = kind in ("multiclass", "binary") and (
        not labels_given or set(labels.tolist()) >= set(present.tolist()))
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warn_user(f"labels size, {len(labels)}, does not match size of target_names, "
                          f"{len(target_names)}")
        else:
            raise ValueError(f"Number of classes, {len(labels)}, does not match size of target_names, "
                             f"{len(target_names)}. Try specifying the labels parameter")
    if target_names is None:
        target_names = [f"{label}" for label in labels.tolist()]
    headers = ["precision", "recall", "f1-score", "support"]
    p, r, f1, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None,
                                                  sample_weight=sample_weight, zero_division=zero_division)
    rows = list(zip(target_names, p, r, f1, s))
    averages = ("micro", "macro", "weighted") + (("samples",) if kind.startswith("multilabel") else ())
    if output_dict:
        report: dict | str = {row[0]: dict(zip(headers, [float(v) for v in row[1:]])) for row in rows}
    else:
        width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
        report = ("{:>{width}s} " + " {:>9}" * len(headers)).format("", *headers, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            report += row_fmt.format(*row, width=width, digits=digits)
        report += "\n"
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else average + " avg"
        avg_p, avg_r, avg_f1, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, sample_weight=sample_weight,
            zero_division=zero_division)
        values = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report[heading] = dict(zip(headers, [float(v) for v in values]))
        elif heading == "accuracy":
            fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *values, width=width, digits=digits)
    if output_dict and "accuracy" in report:
        report["accuracy"] = report["accuracy"]["precision"]
    return report


# -- regression -----------------------------------------------------------------------------------------
def _regression_targets(y_true, y_pred, multioutput, allowed=("raw_values", "uniform_average")):
    check_consistent_length(y_true, y_pred)
    y_true, y_pred = to_numpy(y_true), to_numpy(y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.dtype.kind not in "biuf":
            raise ValueError(f"{name} must contain numbers; got values of type {y.dtype}")
        if not np.all(np.isfinite(y)):
            raise ValueError(f"Input {name} contains NaN or infinity.")
    y_true = y_true.reshape(-1, 1) if y_true.ndim == 1 else y_true
    y_pred = y_pred.reshape(-1, 1) if y_pred.ndim == 1 else y_pred
    if y_true.shape[1] != y_pred.shape[1]:
        raise ValueError(f"y_true and y_pred have different number of output ({y_true.shape[1]}!="
                         f"{y_pred.shape[1]})")
    if isinstance(multioutput, str):
        if multioutput not in allowed:
            raise ValueError(f"Allowed 'multioutput' string values are {allowed}. You provided "
                             f"multioutput={multioutput!r}")
    elif len(np.ravel(multioutput)) != y_true.shape[1]:
        raise ValueError(f"There must be equally many custom weights ({len(np.ravel(multioutput))}) as "
                         f"outputs ({y_true.shape[1]}).")
    return y_true.astype(np.float64), y_pred.astype(np.float64)


def _combine(errors: np.ndarray, multioutput):
    if isinstance(multioutput, str):
        return errors if multioutput == "raw_values" else float(np.average(errors))
    return float(np.average(errors, weights=np.ravel(multioutput)))


def mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """mean((y_true - y_pred)**2), per output then averaged (scikit-learn's multioutput rules)."""
    y_true, y_pred = _regression_targets(y_true, y_pred, multioutput)
    errors = np.average((y_true - y_pred) ** 2, axis=0, weights=_weights(sample_weight, len(y_true)))
    return _combine(errors, multioutput)


def root_mean_squared_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    """sqrt of the mean squared error of each output, then averaged."""
    y_true, y_pred = _regression_targets(y_true, y_pred, multioutput)
    errors = np.sqrt(np.average((y_true - y_pred) ** 2, axis=0, weights=_weights(sample_weight, len(y_true))))
    return _combine(errors, multioutput)


def mean_absolute_error(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average"):
    y_true, y_pred = _regression_targets(y_true, y_pred, multioutput)
    errors = np.average(np.abs(y_true - y_pred), axis=0, weights=_weights(sample_weight, len(y_true)))
    return _combine(errors, multioutput)


def r2_score(y_true, y_pred, *, sample_weight=None, multioutput="uniform_average", force_finite: bool = True):
    """1 - SS_res / SS_tot. With ``force_finite`` a constant y_true gives 1.0 (perfect) or 0.0, not
    NaN/-inf."""
    y_true, y_pred = _regression_targets(y_true, y_pred, multioutput,
                                         ("raw_values", "uniform_average", "variance_weighted"))
    if len(y_true) < 2:
        warn_user("R^2 score is not well-defined with less than two samples.", UndefinedMetricWarning)
        return float("nan")
    weights = _weights(sample_weight, len(y_true))
    w = np.ones((len(y_true), 1)) if weights is None else weights[:, None]
    numerator = (w * (y_true - y_pred) ** 2).sum(axis=0)
    denominator = (w * (y_true - np.average(y_true, axis=0, weights=weights)) ** 2).sum(axis=0)
    nonzero_num, nonzero_den = numerator != 0, denominator != 0
    if not force_finite:
        with np.errstate(all="ignore"):
            scores = 1 - numerator / denominator
    else:
        scores = np.ones(y_true.shape[1])
        valid = nonzero_num & nonzero_den
        scores[valid] = 1 - numerator[valid] / denominator[valid]
        scores[nonzero_num & ~nonzero_den] = 0.0
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        if multioutput == "variance_weighted" and nonzero_den.any():
            return float(np.average(scores, weights=denominator))
        return float(np.average(scores))
    return float(np.average(scores, weights=np.ravel(multioutput)))
