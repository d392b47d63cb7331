"""Checks for the graded exercises: each prints one honest line, or names what is wrong.

A test cell of an exercise notebook calls one check with your function or class:

    from bpcourse.check import check_mul_backward
    check_mul_backward(MultiplyGate)

When the check's own examples pass it prints ``✓ task 1.1 multiply gate backward: visible checks
pass; the grade also runs hidden tests on other inputs``. That is all it can promise: the grade
calls your code again, on inputs drawn when it grades. On a wrong answer the check raises
``CheckFailed`` with one line naming the mistake and where to look ("dx and dy are swapped: …"),
so the cell fails; a task you have not started (your code still raises ``NotImplementedError``)
raises ``NotAttempted``. In Jupyter you see only that line, never a traceback.

One module per exercise (``ex01`` … ``ex10``); every check is re-exported here. The task object
they are written with is ``bpcourse.check._task.Task``.
"""

from ._task import PASSED, CheckFailed, NotAttempted, Task
from .ex01 import (
    check_add_backward,
    check_circuit,
    check_fork,
    check_max_gate,
    check_mul_backward,
    check_neuron,
    check_sigmoid_gate,
)
from .ex02 import (
    check_backprop,
    check_local_gradients,
    check_path_count_formula,
    check_path_sum,
    check_topological_order,
)
from .ex03 import (
    check_forward_backward,
    check_linear,
    check_mse,
    check_relu,
    check_sigmoid_layer,
    check_training,
)
from .ex04 import (
    check_accumulated_epoch,
    check_accumulated_error,
    check_hidden_gradient,
    check_output_gradient,
    check_standard_epoch,
    check_updates,
)
from .ex05 import check_apply_5_9, check_dE_dgamma, check_dE_dv, check_E_k, check_g_and_e
from .ex06 import (
    check_value_activations,
    check_value_add,
    check_value_backward,
    check_value_mul,
    check_value_pow_exp,
    check_value_topo,
    check_value_training,
)
from .ex07 import (
    check_hand_chain,
    check_hand_e,
    check_hand_E_k,
    check_hand_g,
    check_hand_hidden_partials,
    check_hand_output_partials,
)
from .ex08 import check_elu, check_maxout, check_softmax, check_softmax_cross_entropy
from .ex09 import check_backward_stages, check_centred_difference, check_forward_stages
from .ex10 import (
    check_fork_prediction,
    check_jacobian_prediction,
    check_linear_shapes,
    check_max_gate_prediction,
    check_relu_prediction,
    check_scale_prediction,
    check_sign_prediction,
)

__all__ = [
    "PASSED", "CheckFailed", "NotAttempted", "Task",
    # ex01 gates
    "check_mul_backward", "check_add_backward", "check_max_gate", "check_sigmoid_gate",
    "check_circuit", "check_neuron", "check_fork",
    # ex02 backprop as dynamic programming
    "check_topological_order", "check_local_gradients", "check_backprop", "check_path_sum",
    "check_path_count_formula",
    # ex03 layers
    "check_linear", "check_relu", "check_sigmoid_layer", "check_mse", "check_forward_backward",
    "check_training",
    # ex04 Zhou's BP
    "check_output_gradient", "check_hidden_gradient", "check_updates", "check_accumulated_error",
    "check_standard_epoch", "check_accumulated_epoch",
    # ex05 sympy
    "check_E_k", "check_apply_5_9", "check_g_and_e", "check_dE_dv", "check_dE_dgamma",
    # ex06 your own autograd engine
    "check_value_add", "check_value_mul", "check_value_pow_exp", "check_value_activations",
    "check_value_topo", "check_value_backward", "check_value_training",
    # ex07 Zhou's partials by hand
    "check_hand_E_k", "check_hand_chain", "check_hand_g", "check_hand_output_partials", "check_hand_e",
    "check_hand_hidden_partials",
    # ex08 new layers
    "check_elu", "check_maxout", "check_softmax", "check_softmax_cross_entropy",
    # ex09 staged circuit
    "check_forward_stages", "check_backward_stages", "check_centred_difference",
    # ex10 predict, then check
    "check_max_gate_prediction", "check_linear_shapes", "check_sign_prediction", "check_fork_prediction",
    "check_relu_prediction", "check_scale_prediction", "check_jacobian_prediction",
]
