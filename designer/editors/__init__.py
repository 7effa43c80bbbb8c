"""Parameter editors generated from the engine's ParamSpecs (used by the inspector, and by TimeDistributed's
nested form): ``make_editor(spec)`` picks the widget for a kind; ``ParamForm(specs)`` lays out a layer's."""
from designer.editors.base import NumberEditor, ParamEditor
from designer.editors.form import EDITORS, ParamForm, make_editor
from designer.editors.objects import ConstraintEditor, InitializerEditor, LayerEditor, RegularizerEditor, layer_problem
from designer.editors.simple import ActivationEditor, BoolEditor, ChoiceEditor, LineEditor, ShapeEditor
from designer.editors.values import default_params, default_value, to_json

__all__ = ["ActivationEditor", "BoolEditor", "ChoiceEditor", "ConstraintEditor", "EDITORS", "InitializerEditor",
           "LayerEditor", "LineEditor", "NumberEditor", "ParamEditor", "ParamForm", "RegularizerEditor",
           "ShapeEditor", "default_params", "default_value", "layer_problem", "make_editor", "to_json"]
