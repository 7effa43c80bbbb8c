"""The one layer registry: the palette, the inspector, the file loader and the Python API all read it.

A layer class is declared once with ``@register_layer(category=...)``; nothing else needs to know it exists.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from engine.layers.base import Layer

#: Palette groups, in display order.
CATEGORIES = ("Input/Output", "Dense", "Convolution", "Pooling", "Recurrent", "Merge", "Regularization",
              "Activation", "Reshape")

_LAYERS: dict[str, type[Layer]] = {}

L = TypeVar("L", bound=type[Layer])


class UnknownLayerError(ValueError):
    pass


def register_layer(category: str, icon: str = "", description: str = "") -> Callable[[L], L]:
    if category not in CATEGORIES:
        raise ValueError(f"unknown layer category {category!r}; choose one of {', '.join(CATEGORIES)}")

    def decorate(cls: L) -> L:
        type_name = cls.__name__
        if type_name in _LAYERS and _LAYERS[type_name] is not cls:
            raise ValueError(f"layer type {type_name!r} is registered twice")
        cls.type_name = type_name
        cls.category = category
        cls.icon = icon or type_name.lower()
        cls.description = description or (cls.__doc__ or "").strip().split("\n")[0]
        _LAYERS[type_name] = cls
        return cls

    return decorate


def _ensure_builtin_layers_loaded() -> None:
    # Importing the package registers every built-in layer module.
    import engine.layers  # noqa: F401


def layer_class(type_name: str) -> type[Layer]:
    _ensure_builtin_layers_loaded()
    try:
        return _LAYERS[type_name]
    except KeyError:
        known = ", ".join(sorted(_LAYERS))
        raise UnknownLayerError(f"unknown layer type {type_name!r}; known types: {known}") from None


def layer_types() -> list[type[Layer]]:
    """Every registered layer class, grouped by category in palette order."""
    _ensure_builtin_layers_loaded()
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(_LAYERS.values(), key=lambda cls: (order[cls.category], cls.type_name))


def create_layer(type_name: str, config: dict | None = None) -> Layer:
    return layer_class(type_name).from_config(dict(config or {}))
