"""What the engine's Keras-style object families share: the config round trip and the name table.

:class:`ConfigObject` gives ``get_config`` / ``from_config`` / ``__repr__`` to initializers, regularizers,
constraints, losses and metrics. :class:`ObjectTable` resolves identifiers (names, config dicts, instances,
classes) for one family; ``engine.initializers``, ``engine.regularizers`` and ``engine.constraints`` expose a
table's ``get``, ``serialize`` and ``sorted_names`` as their module functions ``get``, ``serialize`` and
``names``, so the three resolve, fail and list names alike.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

_T = TypeVar("_T", bound="ConfigObject")


def to_snake_case(name: str) -> str:
    """``GlorotUniform`` -> ``glorot_uniform``, ``L1L2`` -> ``l1l2`` (Keras' rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class ConfigObject:
    """An object rebuilt from its config: ``type(obj).from_config(obj.get_config())`` equals ``obj``.

    Subclasses whose constructor takes arguments override :meth:`get_config` to return them by name.
    """

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls: type[_T], config: Mapping[str, Any]) -> _T:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


class ObjectTable:
    """Resolves identifiers (names, config dicts, instances, classes) to objects of one family.

    Parameters
    ----------
    kind : str
        What the family is called in error messages ("initializer", "regularizer", ...).
    base : type
        The family's base class; instances of it are accepted as they are.
    classes : iterable of type
        Registered under their class name and its snake_case form.
    aliases : mapping, optional
        Extra names mapping to a class or to a zero-argument factory returning an instance.
    """

    def __init__(self, kind: str, base: type, classes: Iterable[type],
                 aliases: Mapping[str, Any] | None = None):
        self.kind = kind
        self.base = base
        self.classes = {cls.__name__: cls for cls in classes}
        self.names: dict[str, Any] = {}
        for cls in self.classes.values():
            self.names[cls.__name__] = cls
            self.names[to_snake_case(cls.__name__)] = cls
        self.names.update(aliases or {})

    def _unknown(self, what: str) -> ValueError:
        return ValueError(f"unknown {self.kind} {what}; valid names: {', '.join(sorted(self.names))}")

    def get(self, identifier: Any) -> Any:
        """Resolve an identifier of this family.

        None -> None; a name (``"glorot_uniform"`` or ``"GlorotUniform"``) -> a new instance; a config dict
        ``{"class_name": ..., "config": {...}}`` -> an instance; an instance -> itself; a class -> a new
        instance. Raises ValueError listing the valid names for anything else.
        """
        if identifier is None:
            return None
        if isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, str):
            factory = self.names.get(identifier)
            if factory is None:
                raise self._unknown(repr(identifier))
            return factory()
        if isinstance(identifier, Mapping):
            return self.deserialize(identifier)
        if inspect.isclass(identifier) and issubclass(identifier, self.base):
            return identifier()
        raise ValueError(f"cannot interpret {identifier!r} as a {self.kind}: give a name, a config dict "
                         f"{{'class_name': ..., 'config': {{...}}}} or a {self.base.__name__} instance")

    def deserialize(self, config: Mapping[str, Any]) -> Any:
        """``{"class_name": name, "config": {...}}`` (Keras' extra keys are ignored) -> instance."""
        if "class_name" not in config:
            raise ValueError(f"a {self.kind} config dict needs a 'class_name' key, got keys {sorted(config)}")
        name = config["class_name"]
        cls = self.names.get(name) if isinstance(name, str) else None
        if not inspect.isclass(cls):
            raise self._unknown(f"class_name {name!r}")
        arguments = config.get("config") or {}
        if not isinstance(arguments, Mapping):
            raise ValueError(f"{self.kind} {name}: 'config' must be a dict, got {arguments!r}")
        try:
            return cls.from_config(dict(arguments))
        except TypeError as error:  # unexpected or missing constructor arguments
            raise ValueError(f"{self.kind} {name}: bad config {dict(arguments)!r} ({error})") from None

    @staticmethod
    def serialize(obj: Any) -> dict[str, Any] | None:
        """Instance -> ``{"class_name": ..., "config": ...}`` (plain JSON-able data, the form :meth:`get`
        accepts); None -> None."""
        if obj is None:
            return None
        return {"class_name": type(obj).__name__, "config": obj.get_config()}

    def sorted_names(self) -> list[str]:
        """Every name :meth:`get` accepts, sorted."""
        return sorted(self.names)
