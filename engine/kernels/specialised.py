"""Building blocks of the fused dense trainer, each specialised when compiled on a small integer code.

Numba compiles every branch of a function whose choice is only known at run time, and every kernel those
branches call: a trainer that dispatches at run time over 14 activations, 7 losses and 7 optimizers took
16 s to compile before its first epoch. Here the calling kernel marks a code with ``numba.literally`` (its
compiled signature then holds the value, and the disk cache keeps one entry per value); each block below is
a plain Python function (the generic implementation: what runs under NUMBA_DISABLE_JIT=1, or when the code is
not a literal) with a numba ``@overload`` that returns, for a literal code, an implementation in which the code
is a constant. Where that implementation is another module's dispatching kernel (``activation_scalar``,
``loss_value_and_grad``, ``optimizer_update``), an IR-inlined twin of the same Python function is called with
the constant, so numba's dead-branch pruning drops the other branches before anything is typed or compiled.
Numba does not prune on a literal argument itself, only on constants, hence the twins.

Every separately compiled function also costs numba ~0.1 s of fixed work, so the trainer's small helpers are
``inline_kernel`` functions, inlined into the one cached kernel. The blocks below are not inlined (measured:
numba types an inlined overload once more per call site, which costs more than it saves).

Shapes: z, a, grad_a, grad_z, out (n, m) C-contiguous; y (n, m), or (n, 1) labels for sparse losses.
"""
import numba
from numba import types
from numba.extending import intrinsic, overload

from engine.kernels import activations as act
from engine.kernels import losses as lk
from engine.kernels import optimizers as opt
from engine.kernels._jit import JIT_OPTIONS, kernel
from engine.kernels.elementary import tanh_scalar

# How the output layer's loss is taken (the trainer's "loss mode").
LOSS_ON_OUTPUT = 0  # any loss on the activations (then backprop through the activation)
LOSS_SIGMOID_BCE = 1  # fused sigmoid + binary cross-entropy on the pre-activation
LOSS_SOFTMAX_CE = 2  # fused softmax + categorical cross-entropy (one-hot or soft targets)
LOSS_SOFTMAX_SPARSE_CE = 3  # fused softmax + sparse categorical cross-entropy

# Overload implementations and inlined twins are compiled with the kernels' flags (no 'cache': they are
# compiled into their caller, which is cached).
_OPTIONS = {key: value for key, value in JIT_OPTIONS.items() if key != "cache"}


def inline_kernel(function):
    """Like ``@kernel``, but compiled into each caller's IR instead of as a function of its own.

    Only for helpers of a cached kernel (they are cached as part of it); under NUMBA_DISABLE_JIT=1 the plain
    function is returned.
    """
    return numba.njit(inline="always", **_OPTIONS)(function)


def inlined(dispatcher):
    """An ``inline_kernel`` twin of a ``@kernel`` (the same Python function; constants then prune branches)."""
    return inline_kernel(getattr(dispatcher, "py_func", dispatcher))


_activation_scalar = inlined(act.activation_scalar)
_activation_derivative = inlined(act.activation_derivative_scalar)
_softmax_rows = inlined(act.softmax_rows)
_softmax_backward = inlined(act._softmax_backward)
_loss_value_and_grad = inlined(lk.loss_value_and_grad)
_sigmoid_bce_from_logits = inlined(lk.sigmoid_bce_from_logits)
_softmax_ce_from_logits = inlined(lk.softmax_ce_from_logits)
_optimizer_update = inlined(opt.optimizer_update)


def _literal(code):
    """The value of a literal integer type, or None when the code is only known at run time."""
    return code.literal_value if isinstance(code, types.IntegerLiteral) else None


# -- 2-D views of a flat buffer ----------------------------------------------------------------------------


def view2d(buffer, offset, rows, cols):
    """buffer[offset:offset + rows * cols] as a C-contiguous (rows, cols) view (no bounds check when compiled).

    numba's ``reshape`` calls a C helper each time (~13 ns; a trainer makes ~35 views per batch) and its
    compiled form carries error-message formatting; compiled code here builds the view directly (~1 ns).
    """
    return buffer[offset:offset + rows * cols].reshape((rows, cols))


@intrinsic
def _view2d_unchecked(typingctx, buffer, offset, rows, cols):
    from numba.core.imputils import impl_ret_borrowed
    from numba.np.arrayobj import make_array, populate_array

    view_type = types.Array(buffer.dtype, 2, "C")

    def codegen(context, builder, signature, args):
        source = make_array(signature.args[0])(context, builder, args[0])
        start, n_rows, n_cols = (context.cast(builder, value, kind, types.intp)
                                 for value, kind in zip(args[1:], signature.args[1:]))
        view = make_array(view_type)(context, builder)
        populate_array(view, data=builder.gep(source.data, [start]), shape=[n_rows, n_cols],
                       strides=[builder.mul(n_cols, source.itemsize), source.itemsize], itemsize=source.itemsize,
                       meminfo=source.meminfo, parent=source.parent)
        return impl_ret_borrowed(context, builder, view_type, view._getvalue())
    return view_type(buffer, offset, rows, cols), codegen


@overload(view2d, jit_options=_OPTIONS)
def _view2d_compiled(buffer, offset, rows, cols):
    return lambda buffer, offset, rows, cols: _view2d_unchecked(buffer, offset, rows, cols)


def flat(array):
    """A C-contiguous 2-D array as a 1-D view of its n * m elements.

    Elementwise loops run over this: over (n, m) with m = 8 units the inner loop is too short to vectorise.
    """
    return array.reshape(-1)


@intrinsic
def _flat_unchecked(typingctx, array):
    from numba.core.imputils import impl_ret_borrowed
    from numba.np.arrayobj import make_array, populate_array

    flat_type = types.Array(array.dtype, 1, "C")

    def codegen(context, builder, signature, args):
        source = make_array(signature.args[0])(context, builder, args[0])
        view = make_array(flat_type)(context, builder)
        populate_array(view, data=source.data, shape=[source.nitems], strides=[source.itemsize],
                       itemsize=source.itemsize, meminfo=source.meminfo, parent=source.parent)
        return impl_ret_borrowed(context, builder, flat_type, view._getvalue())
    return flat_type(array), codegen


@overload(flat, jit_options=_OPTIONS)
def _flat_compiled(array):
    if not (isinstance(array, types.Array) and array.layout == "C"):
        return None
    return lambda array: _flat_unchecked(array)


# -- tanh -----------------------------------------------------------------------------------------------


_tanh_scalar = inlined(tanh_scalar)


@kernel
def tanh_rows(z, out):
    """out = tanh(z) elementwise with :func:`tanh_scalar`. ``out`` may be ``z``. Shapes: C-contiguous (n, m)."""
    z_flat = flat(z)
    out_flat = flat(out)
    for i in range(z_flat.shape[0]):
        out_flat[i] = _tanh_scalar(z_flat[i])


_tanh_rows = inlined(tanh_rows)


# -- activations ----------------------------------------------------------------------------------------


def activate(code, alpha, z, out):
    """out = f(z) for activation ``code`` (generic form; see the overload for the compiled one)."""
    if code == act.TANH:
        tanh_rows(z, out)
    else:
        act.activation_forward_any(code, alpha, z, out)


@overload(activate, prefer_literal=True, jit_options=_OPTIONS)
def _activate_specialised(code, alpha, z, out):
    value = _literal(code)
    if value is None:
        return activate
    if value == act.SOFTMAX:
        return lambda code, alpha, z, out: _softmax_rows(z, out)
    if value == act.TANH:
        return lambda code, alpha, z, out: _tanh_rows(z, out)

    def elementwise(code, alpha, z, out):
        z_flat = flat(z)
        out_flat = flat(out)
        for i in range(z_flat.shape[0]):
            out_flat[i] = _activation_scalar(value, alpha, z_flat[i])
    return elementwise


def activate_backward(code, alpha, z, a, grad_a, grad_z):
    """grad_z = dL/dz from grad_a = dL/da for activation ``code`` (a = f(z)); grad_z may be grad_a."""
    act.activation_backward_any(code, alpha, z, a, grad_a, grad_z)


@overload(activate_backward, prefer_literal=True, jit_options=_OPTIONS)
def _activate_backward_specialised(code, alpha, z, a, grad_a, grad_z):
    value = _literal(code)
    if value is None:
        return activate_backward
    if value == act.SOFTMAX:
        return lambda code, alpha, z, a, grad_a, grad_z: _softmax_backward(a, grad_a, grad_z)

    def elementwise(code, alpha, z, a, grad_a, grad_z):
        z_flat, a_flat, grad_a_flat, grad_z_flat = flat(z), flat(a), flat(grad_a), flat(grad_z)
        for i in range(z_flat.shape[0]):
            grad_z_flat[i] = grad_a_flat[i] * _activation_derivative(value, alpha, z_flat[i], a_flat[i])
    return elementwise


# -- output loss ----------------------------------------------------------------------------------------


def output_loss(mode, loss_code, out_code, alpha, z, a, y, grad_a, grad_z, delta):
    """Mean loss of the output layer; writes dL/dz (the pre-activation) into ``grad_z``.

    ``mode`` is a LOSS_* constant; with LOSS_ON_OUTPUT, ``loss_code`` (an engine.kernels.losses code, Huber's
    ``delta``) is taken on the activations ``a`` and backpropagated through activation ``out_code``.
    """
    if mode == LOSS_SIGMOID_BCE:
        return lk.sigmoid_bce_from_logits(z, y, grad_z)
    if mode == LOSS_SOFTMAX_CE or mode == LOSS_SOFTMAX_SPARSE_CE:
        return lk.softmax_ce_from_logits(z, y, grad_z, mode == LOSS_SOFTMAX_SPARSE_CE)
    loss = lk.loss_value_and_grad(loss_code, a, y, grad_a, delta)
    activate_backward(out_code, alpha, z, a, grad_a, grad_z)
    return loss


@overload(output_loss, prefer_literal=True, jit_options=_OPTIONS)
def _output_loss_specialised(mode, loss_code, out_code, alpha, z, a, y, grad_a, grad_z, delta):
    value, code = _literal(mode), _literal(loss_code)
    if value is None or (value == LOSS_ON_OUTPUT and code is None):
        return output_loss
    if value == LOSS_SIGMOID_BCE:
        return lambda mode, loss_code, out_code, alpha, z, a, y, grad_a, grad_z, delta: (
            _sigmoid_bce_from_logits(z, y, grad_z))
    if value != LOSS_ON_OUTPUT:
        sparse = value == LOSS_SOFTMAX_SPARSE_CE
        return lambda mode, loss_code, out_code, alpha, z, a, y, grad_a, grad_z, delta: (
            _softmax_ce_from_logits(z, y, grad_z, sparse))

    def on_output(mode, loss_code, out_code, alpha, z, a, y, grad_a, grad_z, delta):
        loss = _loss_value_and_grad(code, a, y, grad_a, delta)
        activate_backward(out_code, alpha, z, a, grad_a, grad_z)
        return loss
    return on_output


# -- optimizer ------------------------------------------------------------------------------------------


def optimizer_update(code, hyper, step, params, grads, slots, scalars):
    """:func:`engine.kernels.optimizers.optimizer_update`, compiled for the one optimizer ``code`` names."""
    opt.optimizer_update(code, hyper, step, params, grads, slots, scalars)


@overload(optimizer_update, prefer_literal=True, jit_options=_OPTIONS)
def _optimizer_update_specialised(code, hyper, step, params, grads, slots, scalars):
    value = _literal(code)
    if value is None:
        return optimizer_update

    def update(code, hyper, step, params, grads, slots, scalars):
        _optimizer_update(value, hyper, step, params, grads, slots, scalars)
    return update
