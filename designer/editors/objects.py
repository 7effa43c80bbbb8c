"""Editors of engine objects: initializers, regularizers and constraints (a choice plus its numbers), and the
layer that TimeDistributed wraps (a layer type plus a nested form of its parameters).

Values are stored the way the engine's ``get`` functions accept them and ``serialize`` writes them: a name
(``"he_normal"``) or ``{"class_name": "L2", "config": {"l2": 0.01}}``.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout

from designer.editors.base import NumberEditor
from designer.editors.simple import ComboEditor
from designer.editors.values import default_params, to_json
from designer.i18n import tr
from engine import constraints, initializers, regularizers
from engine.initializers import to_snake_case  # the engine's name rule: GlorotUniform → glorot_uniform
from engine.layers.base import ParamSpec
from engine.layers.registry import create_layer, layer_class, layer_types

#: A field of an object's config: (config key, the spec of its number field).
Field = tuple[str, ParamSpec]


def _factor(name: str, default: float = 0.01) -> ParamSpec:
    return ParamSpec(name, "float", default, "penalty factor", minimum=0.0)


class ObjectEditor(ComboEditor):
    """A choice of ``key`` (None: none) with number fields; subclasses say how values and (key, fields) map."""

    family = None  # the engine module whose get() reads the stored values
    fields: dict[Any, list[Field]] = {}

    def __init__(self, spec: ParamSpec, entries: list[tuple[str, Any]], parent=None):
        super().__init__(spec, ([(tr("none"), None)] if spec.optional else []) + entries, parent)
        self.field_editors: dict[str, NumberEditor] = {}
        self.field_labels: dict[str, QLabel] = {}
        field_row = QHBoxLayout()
        field_row.setContentsMargins(0, 0, 0, 0)
        for key, field_spec in {key: s for fields in self.fields.values() for key, s in fields}.items():
            label = QLabel(tr(key.replace("_", " ")))
            editor = NumberEditor(field_spec, self)
            editor.edited.connect(self._on_field_edited)
            field_row.addWidget(label)
            field_row.addWidget(editor)
            self.field_labels[key], self.field_editors[key] = label, editor
        field_row.addStretch(1)
        self.layout().insertLayout(1, field_row)
        self._render(self._shown)

    # -- the mapping ------------------------------------------------------------------------------------------
    def decompose(self, value: Any) -> tuple[Any, dict]:
        """(key, field values) of a stored value; ValueError for a value the engine would not accept."""
        obj = self.family.get(value)
        if obj is None:
            return None, {}
        key = to_snake_case(type(obj).__name__)
        return key, {name: getattr(obj, name) for name, _ in self.fields.get(key, [])}

    def compose(self, key: Any, values: dict) -> Any:
        raise NotImplementedError

    # -- widgets ----------------------------------------------------------------------------------------------
    def current_key(self) -> Any:
        return self.entries[self.combo.currentIndex()][1] if self.entries else None

    def _show_fields(self, key: Any) -> None:
        wanted = {name for name, _ in self.fields.get(key, [])}
        for name, editor in self.field_editors.items():
            editor.setVisible(name in wanted)
            self.field_labels[name].setVisible(name in wanted)

    def _render(self, value):
        if not hasattr(self, "field_editors"):
            return  # called by the base class before the fields exist
        try:
            key, values = self.decompose(value)
        except ValueError:
            key, values = value, {}  # shown as it is; choosing another entry replaces it
        super()._render(key)
        for name, number in values.items():
            self.field_editors[name].set_value(number)
        self._show_fields(key)

    def _field_values(self, key: Any) -> dict:
        return {name: self.field_editors[name].value() for name, _ in self.fields.get(key, [])}

    def _on_activated(self, index: int) -> None:
        key = self.entries[index][1]
        self._show_fields(key)
        self._commit(self.compose(key, self._field_values(key)))

    def _on_field_edited(self, _value) -> None:
        key = self.current_key()
        self._commit(self.compose(key, self._field_values(key)))


class InitializerEditor(ObjectEditor):
    family = initializers
    fields = {"constant": [("value", ParamSpec("value", "float", 0.0, "the value of every weight"))]}
    NAMES = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
             "random_uniform", "random_normal", "truncated_normal", "orthogonal", "zeros", "ones", "constant",
             "identity")

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, [(name, name) for name in self.NAMES], parent)

    def compose(self, key, values):
        if key == "constant":
            return {"class_name": "Constant", "config": {"value": values["value"]}}
        return key


class RegularizerEditor(ObjectEditor):
    family = regularizers
    fields = {"l1": [("l1", _factor("l1"))], "l2": [("l2", _factor("l2"))],
              "l1_l2": [("l1", _factor("l1")), ("l2", _factor("l2"))]}
    _CLASSES = {"l1": "L1", "l2": "L2", "l1_l2": "L1L2"}

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, [("L1", "l1"), ("L2", "l2"), ("L1 + L2", "l1_l2")], parent)

    def decompose(self, value):
        key, values = super().decompose(value)
        return ("l1_l2" if key == "l1l2" else key), values

    def compose(self, key, values):
        if key is None:
            return None
        return {"class_name": self._CLASSES[key], "config": dict(values)}


class ConstraintEditor(ObjectEditor):
    family = constraints
    fields = {"max_norm": [("max_value", ParamSpec("max_value", "float", 2.0, "largest norm allowed",
                                                   minimum=0.0))]}
    _CLASSES = {"max_norm": "MaxNorm", "non_neg": "NonNeg", "unit_norm": "UnitNorm"}

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, [(tr("max norm"), "max_norm"), (tr("non-negative"), "non_neg"),
                                (tr("unit norm"), "unit_norm")], parent)

    def compose(self, key, values):
        if key not in self._CLASSES:
            return None if key is None else key
        return {"class_name": self._CLASSES[key], "config": dict(values)}


def wrappable_layer_types() -> list[str]:
    """Layers TimeDistributed can wrap: one input, not an Input, not itself."""
    return [cls.type_name for cls in layer_types() if cls.min_inputs == 1 and cls.max_inputs == 1
            and cls.type_name != "TimeDistributed"]


class LayerEditor(ComboEditor):
    """The layer TimeDistributed applies at every time step: its type and, below, its own parameters."""

    def __init__(self, spec: ParamSpec, parent=None):
        super().__init__(spec, [(tr(name), name) for name in wrappable_layer_types()], parent)
        self.frame = QFrame(self)
        self.frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.frame_layout = QVBoxLayout(self.frame)
        self.frame_layout.setContentsMargins(8, 4, 4, 4)
        self.layout().insertWidget(1, self.frame)
        self.form = None
        self._layer_type = None
        self._config: dict = {}
        self._render(self._shown)

    def _render(self, value):
        if not hasattr(self, "frame"):
            return
        value = value if isinstance(value, dict) else {}
        layer_type = value.get("class_name", "Dense")
        self._config = to_json(dict(value.get("config") or {}))
        super()._render(layer_type)
        if layer_type != self._layer_type:
            self._build_form(layer_type)
        self.form.set_values(self._config)

    def _build_form(self, layer_type: str) -> None:
        from designer.editors.form import ParamForm  # the form builds editors (this one too): a cycle, broken here

        if self.form is not None:
            self.form.deleteLater()
        self._layer_type = layer_type
        try:
            specs = layer_class(layer_type).param_specs
        except ValueError:
            specs = ()
        self.form = ParamForm(specs, validator=self._inner_problem, parent=self.frame)
        self.form.value_edited.connect(self._on_inner_edited)
        self.frame_layout.addWidget(self.form)

    def _inner_config(self, name: str, value: Any) -> dict:
        config = dict(self._config)
        if value is None:
            config.pop(name, None)
        else:
            config[name] = value
        return config

    def _inner_problem(self, name: str, value: Any) -> str | None:
        return layer_problem(self._layer_type, self._config, self._inner_config(name, value))

    def _on_activated(self, index: int) -> None:
        layer_type = self.entries[index][1]
        if layer_type == self._layer_type:
            return
        self._config = default_params(layer_type)
        self._build_form(layer_type)
        self.form.set_values(self._config)
        self._commit({"class_name": layer_type, "config": dict(self._config)})

    def _on_inner_edited(self, name: str, value: Any) -> None:
        self._config = self._inner_config(name, value)
        self._commit({"class_name": self._layer_type, "config": dict(self._config)})


def layer_problem(layer_type: str, current: dict, candidate: dict,
                  make: Callable[[str, dict], Any] = create_layer) -> str | None:
    """Why the layer refuses ``candidate`` parameters (the engine's own message), or None.

    A refusal the current parameters already cause is not the edited field's fault, so it is not reported.
    """
    try:
        make(layer_type, {**candidate, "name": "check"})  # a name, so no automatic name is used up
    except Exception as error:  # noqa: BLE001 - any refusal (even NotImplementedError) is shown, not raised
        try:
            make(layer_type, {**current, "name": "check"})
        except Exception as old:  # noqa: BLE001
            if str(old) == str(error):
                return None
        return str(error)
    return None
