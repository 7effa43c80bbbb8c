"""Parameter values as plain JSON data: parsing what a person types, formatting what a node stores.

No widgets here: the editors use these functions, and so can the canvas or the main window (``default_params``
gives the parameters a new node needs). Messages are what the editor shows in red, so they say how to fix the
input and go through ``tr``.
"""
from __future__ import annotations

import ast
import inspect
import math
import re
from typing import Any

from designer.i18n import tr
from engine.layers.base import ParamSpec
from engine.layers.registry import layer_class

#: Kinds whose editors live in the collapsible "weights" section (how weights start, penalties, limits).
WEIGHT_KINDS = ("initializer", "regularizer", "constraint")

#: What TimeDistributed wraps when nothing was chosen yet.
DEFAULT_WRAPPED_LAYER = {"class_name": "Dense", "config": {"units": 1}}


def to_json(value: Any) -> Any:
    """Tuples become lists, recursively, so params stay plain JSON data (what the project file holds)."""
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def default_value(spec: ParamSpec) -> Any:
    """The value an editor shows when the node does not set ``spec`` (JSON data)."""
    if spec.kind == "layer" and spec.default is None:
        return to_json(DEFAULT_WRAPPED_LAYER)
    return to_json(spec.default)


def default_params(layer_type: str) -> dict:
    """The parameters a new node of ``layer_type`` needs: its required constructor arguments, set to the
    defaults its specs describe (``Dense`` needs ``units``, ``Conv2D`` ``filters`` and ``kernel_size``...)."""
    cls = layer_class(layer_type)
    required = {name for name, parameter in inspect.signature(cls.__init__).parameters.items()
                if parameter.default is inspect.Parameter.empty
                and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY) and name != "self"}
    return {spec.name: default_value(spec) for spec in cls.param_specs if spec.name in required}


def humanize(name: str) -> str:
    """``kernel_size`` → ``Kernel size`` (the English label; the catalogue translates it)."""
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


# -- numbers -------------------------------------------------------------------------------------------------
def format_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else f"{value:.1f}"
    return str(value)


def _plain(number: float) -> str:
    return format_number(int(number) if float(number).is_integer() else float(number))


def parse_number(text: str, kind: str, minimum: float | None = None, maximum: float | None = None,
                 optional: bool = False) -> int | float | None:
    """What was typed as an int or float (a decimal comma works too); ValueError says why not.

    Empty text means None (the layer's default) when ``optional``.
    """
    text = text.strip().replace("\u2212", "-")  # a typographic minus pasted from slides
    if not text:
        if optional:
            return None
        raise ValueError(tr("Enter a number."))
    if kind == "int":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(tr("Enter a whole number, like 8."))
        value: int | float = int(text)
    else:
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(tr("Enter a number, like 0.5 or 0,5.")) from None
        if not math.isfinite(value):
            raise ValueError(tr("Enter a finite number."))
    if minimum is not None and value < minimum:
        raise ValueError(tr("Must be at least {minimum}.").format(minimum=_plain(minimum)))
    if maximum is not None and value > maximum:
        raise ValueError(tr("Must be at most {maximum}.").format(maximum=_plain(maximum)))
    return value


# -- shapes --------------------------------------------------------------------------------------------------
def format_shape(value: Any) -> str:
    """``[28, 28, 1]`` → ``28, 28, 1``; nested pairs keep their brackets: ``(1, 1), (2, 2)``."""
    if value is None:
        return ""
    if not isinstance(value, (list, tuple)):
        return str(value)
    return ", ".join(f"({format_shape(item)})" if isinstance(item, (list, tuple)) else
                     ("None" if item is None else str(item)) for item in value)


def shape_rank(spec: ParamSpec, sibling_specs=()) -> int | None:
    """How many sizes a single typed number stands for (Keras: ``kernel_size=3`` means 3×3).

    From the spec's own default when it is a flat tuple, else from another shape parameter of the same layer
    (pooling ``strides`` follow ``pool_size``); None when the layer gives no hint.
    """
    for candidate in (spec, *sibling_specs):
        default = candidate.default
        if candidate.kind == "shape" and isinstance(default, (list, tuple)) and default \
                and all(isinstance(item, int) for item in default):
            return len(default)
    return None


def parse_shape(text: str, optional: bool = False, rank: int | None = None,
                nested: bool = False) -> list | None:
    """Comma-separated sizes (``28, 28, 1``) as a list; ``None`` or ``?`` for an unknown size; pairs in
    brackets (``(1, 1), (2, 2)``) when ``nested``. A single number is repeated ``rank`` times (or into pairs).

    Empty text means None (the layer's default) when ``optional``.
    """
    text = text.strip()
    if not text:
        if optional:
            return None
        raise ValueError(tr("Enter at least one size, like 28, 28, 1."))
    source = re.sub(r"\?|\bnone\b", "None", text, flags=re.IGNORECASE).replace("(", "[").replace(")", "]")
    if re.sub(r"None", "", source).strip(" \t0123456789,[]+-"):
        raise ValueError(tr("Use only whole numbers separated by commas, like 28, 28, 1."))
    try:
        items = ast.literal_eval("[" + source + "]")
    except (ValueError, SyntaxError):
        raise ValueError(tr("Separate the sizes with commas, like 28, 28, 1.")) from None
    if len(items) == 1 and isinstance(items[0], list):
        items = items[0]  # "(28, 28, 1)" typed with its brackets
    if not items:
        raise ValueError(tr("Enter at least one size, like 28, 28, 1."))
    if not all(_is_size(item) or (nested and isinstance(item, list) and item and all(map(_is_size, item)))
               for item in items):
        raise ValueError(tr("Use only whole numbers separated by commas, like 28, 28, 1."))
    if len(items) == 1 and isinstance(items[0], int):
        if nested:
            return [[items[0], items[0]], [items[0], items[0]]]
        if rank:
            return [items[0]] * rank
    return items


def _is_size(item: Any) -> bool:
    return item is None or (isinstance(item, int) and not isinstance(item, bool))
