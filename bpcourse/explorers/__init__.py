"""The explorers: small interactive figures a lecture opens in one line.

    from bpcourse.widgets import activation_explorer      # or: from bpcourse.explorers import ...
    activation_explorer()

One module per explorer (a plain model, tested without a kernel, and its one-line factory) and
``shell`` for what they share: ``Param`` (a parameter declared once), the ``ExplorerModel``
protocol, ``ParamModel`` and the ipywidgets ``Explorer``. Each factory returns the shell; its
``.model`` is the model, ``.controls`` maps names to sliders and buttons, and ``.last_ms`` is how
long the last interaction took (recompute + redraw).
"""

from bpcourse.explorers.activation import (
    ACTIVATIONS,
    ActivationModel,
    activation_and_derivative,
    activation_explorer,
)
from bpcourse.explorers.circuit import CIRCUITS, CircuitModel, circuit_explorer
from bpcourse.explorers.paths_dp import PathsModel, paths_explorer
from bpcourse.explorers.playground import PlaygroundModel, playground
from bpcourse.explorers.shell import DENSITY, SCREEN_DPI, TEXT_PT, Explorer, ExplorerModel, Param, ParamModel
from bpcourse.explorers.stepper import STAGES, StepperModel, backprop_stepper
from bpcourse.explorers.trainer import ZhouTrainerModel, zhou_trainer

__all__ = [
    "CircuitModel", "ActivationModel", "PathsModel", "ZhouTrainerModel", "PlaygroundModel",
    "StepperModel", "STAGES",
    "circuit_explorer", "activation_explorer", "paths_explorer", "zhou_trainer", "playground",
    "backprop_stepper", "Explorer", "ExplorerModel", "Param", "ParamModel", "ACTIVATIONS", "CIRCUITS",
    "activation_and_derivative", "SCREEN_DPI", "DENSITY", "TEXT_PT",
]
