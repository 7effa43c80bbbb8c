"""What the data set chooser says about the built-in data sets and their options, in the user's language.
(The engine's ``describe`` gives the English one-line summaries; these are written for students.)"""
from __future__ import annotations

from designer.i18n import tr


def group_titles() -> dict[str, str]:
    return {"playground": tr("Playground (2-D points)"), "arithmetic": tr("Arithmetic"),
            "logic": tr("Logic (truth tables)"), "tables": tr("Tables"), "images": tr("Images"),
            "series": tr("Time series and sequences"), "imported": tr("Imported")}


def dataset_texts() -> dict[str, tuple[str, str]]:
    """name -> (title, description)."""
    return {
        "circle": (tr("Circle"), tr("Points inside a circle against points in a ring around it.")),
        "xor": (tr("XOR (four squares)"), tr("Opposite corners share a class: no straight line separates them.")),
        "gaussians": (tr("Two Gaussian clouds"), tr("Two round clouds of points; more noise makes them overlap.")),
        "spiral": (tr("Spiral"), tr("Two interleaved spirals: the hardest of the four.")),
        "plane": (tr("Plane (regression)"), tr("Predict a number that grows evenly across the plane.")),
        "multi_gaussian": (tr("Bumps (regression)"), tr("Predict the height of six bumps, up and down.")),
        "add2": (tr("Add 2 numbers"), tr("The target is a1 + a2.")),
        "add3": (tr("Add 3 numbers"), tr("The target is a1 + a2 + a3.")),
        "multiply4": (tr("Multiply 4 numbers"), tr("The target is a1 · a2 · a3 · a4.")),
        "truth_xor": (tr("XOR truth table"), tr("1 when an odd number of inputs are 1.")),
        "truth_and": (tr("AND truth table"), tr("1 only when every input is 1.")),
        "truth_or": (tr("OR truth table"), tr("1 when any input is 1.")),
        "wine": (tr("Wine (UCI)"), tr("178 wines from three cultivars, 13 chemical measurements. Standardize "
                                      "it.")),
        "iris": (tr("Iris"), tr("150 iris flowers of three species, 4 measurements in cm.")),
        "breast_cancer": (tr("Breast cancer (Wisconsin)"), tr("569 tumours, 30 measurements of cell nuclei; "
                                                              "benign or malignant.")),
        "digits": (tr("Digits 8×8"), tr("1 797 small images of handwritten digits, 0 to 9.")),
        "sine": (tr("Noisy sine wave"), tr("Predict the next value of a wave from the values before it.")),
        "copy": (tr("Copy digits"), tr("A sequence task: give back the same digits (encoder-decoder).")),
        "reverse": (tr("Reverse digits"), tr("A sequence task: give back the digits in reverse order.")),
        "mnist": (tr("MNIST digits"), tr("70 000 handwritten digits of 28×28 pixels, from files on this "
                                         "computer (never downloaded).")),
        "fashion_mnist": (tr("Fashion-MNIST"), tr("70 000 clothing images of 28×28 pixels, from files on this "
                                                  "computer (never downloaded).")),
    }


def option_labels() -> dict[str, str]:
    return {"n_samples": tr("Samples:"), "noise": tr("Noise:"), "seed": tr("Seed:"),
            "extra_features": tr("Extra inputs:"), "low": tr("From:"), "high": tr("To:"),
            "n_inputs": tr("Inputs:"), "flatten": tr("Flatten to a vector"), "n_points": tr("Points:"),
            "window": tr("Window:"), "period": tr("Period:"), "length": tr("Length:"),
            "one_hot_inputs": tr("One-hot inputs"), "folder": tr("Folder:")}


def extra_feature_labels() -> dict[str, str]:
    return {"x1^2": "X1²", "x2^2": "X2²", "x1*x2": "X1·X2", "sin_x1": tr("sin X1"), "sin_x2": tr("sin X2")}


def task_names() -> dict[str, str]:
    return {"binary": tr("two classes"), "multiclass": tr("several classes"),
            "regression": tr("numbers to predict (regression)"), "image": tr("images"),
            "sequence": tr("sequences to predict")}


def scaling_names() -> dict[str, str]:
    return {"standard": tr("Standardize (mean 0, deviation 1)"), "minmax": tr("Min-max (0 to 1)"),
            "none": tr("No scaling")}


# numeric option ranges: (minimum, maximum, step)
OPTION_RANGES = {"n_samples": (2, 100_000, 50), "noise": (0.0, 1.0, 0.05), "seed": (0, 2**31 - 1, 1),
                 "low": (-1e6, 1e6, 0.5), "high": (-1e6, 1e6, 0.5), "n_inputs": (1, 10, 1),
                 "n_points": (10, 1_000_000, 100), "window": (1, 1000, 1), "period": (1.0, 1e5, 5.0),
                 "length": (1, 100, 1)}
