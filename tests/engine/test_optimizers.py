"""Optimizers over a flat buffer: kernel vs a naive numpy twin, vs Keras 3 (torch backend), and the Python API."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine import optimizers as opt
from engine import schedules
from engine.kernels import optimizers as kern

SHAPES = [(4, 3), (3,), (2, 3, 2)]
SEGMENTS = np.cumsum([0] + [int(np.prod(s)) for s in SHAPES]).astype(np.int64)
N_STEPS = 20

# (test id, optimizer name, keyword arguments). Learning rates are large enough that 20 steps move the weights
# well beyond float32 rounding, so rtol 1e-4 is a real check.
CASES = [
    ("sgd", "sgd", {"learning_rate": 0.1}),
    ("sgd-momentum", "sgd", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd-nesterov", "sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("adagrad", "adagrad", {"learning_rate": 0.1}),
    ("adadelta", "adadelta", {"learning_rate": 1.0}),
    ("rmsprop", "rmsprop", {"learning_rate": 0.01}),
    ("rmsprop-centered", "rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop-momentum", "rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop-centered-momentum", "rmsprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True, "rho": 0.8}),
    ("adam", "adam", {"learning_rate": 0.05}),
    ("adam-amsgrad", "adam", {"learning_rate": 0.05, "amsgrad": True}),
    ("adamax", "adamax", {"learning_rate": 0.05}),
    ("nadam", "nadam", {"learning_rate": 0.05}),
    ("sgd-weight-decay", "sgd", {"learning_rate": 0.1, "weight_decay": 0.5}),
    ("adam-weight-decay", "adam", {"learning_rate": 0.05, "weight_decay": 0.2}),
    ("sgd-clipnorm", "sgd", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("adam-clipnorm", "adam", {"learning_rate": 0.05, "clipnorm": 1.0}),
    ("sgd-clipvalue", "sgd", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("rmsprop-global-clipnorm", "rmsprop", {"learning_rate": 0.01, "global_clipnorm": 1.0}),
    ("sgd-global-clipnorm", "sgd", {"learning_rate": 0.1, "momentum": 0.5, "global_clipnorm": 2.0}),
    ("sgd-keras2-decay", "sgd", {"lr": 0.1, "decay": 0.1}),
    ("adam-keras2-decay", "adam", {"learning_rate": 0.05, "decay": 0.05}),
    ("adam-exponential", "adam", {"learning_rate": schedules.ExponentialDecay(0.05, 5, 0.5)}),
    ("sgd-piecewise", "sgd", {"learning_rate": schedules.PiecewiseConstantDecay([4, 10], [0.2, 0.1, 0.02])}),
    ("nadam-cosine", "nadam", {"learning_rate": schedules.CosineDecay(0.05, 15, alpha=0.1)}),
]
CASE_IDS = [case[0] for case in CASES]


def _problem(dtype=np.float32):
    """Fixed initial weights and gradient sequence (one list of arrays per step)."""
    rng = np.random.default_rng(1234)
    init = [(0.5 * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(N_STEPS)]
    return init, grads


def _flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def _unflat(flat):
    return [flat[a:b].reshape(s) for a, b, s in zip(SEGMENTS[:-1], SEGMENTS[1:], SHAPES)]


def _run_ours(name, kwargs, dtype=np.float32):
    init, grad_seq = _problem(dtype)
    optimizer = opt.get(name).__class__(**kwargs)
    optimizer.build(SEGMENTS, dtype=dtype)
    params = _flat(init)
    for grads in grad_seq:
        optimizer.apply(params, _flat(grads))
    return optimizer, _unflat(params)


# ------------------------------------------------------------------ naive numpy twin (Keras' generic formulas)
def _twin_clip(cfg, grads):
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        return [g * c / max(np.sqrt(np.sum(g * g)), c) for g in grads]
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * (c * min(1.0 / norm, 1.0 / c)) for g in grads]
    if cfg.get("clipvalue"):
        return [np.clip(g, -cfg["clipvalue"], cfg["clipvalue"]) for g in grads]
    return grads


def _twin_update(name, cfg, t, lr, w, g, s):
    """One Keras update_step of one variable ``w`` (in place); ``s`` holds this variable's slots."""
    eps = cfg.get("epsilon", 1e-7)
    b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
    if name == "sgd":
        mom = cfg.get("momentum", 0.0)
        if mom == 0:
            w -= g * lr
            return
        s["m"] = s.get("m", 0 * w) * mom - g * lr
        w += s["m"] * mom - g * lr if cfg.get("nesterov") else s["m"]
    elif name == "adagrad":
        s["acc"] = s.get("acc", 0 * w + cfg.get("initial_accumulator_value", 0.1)) + g * g
        w -= lr * g / np.sqrt(s["acc"] + eps)
    elif name == "adadelta":
        rho = cfg.get("rho", 0.95)
        s["ag"] = rho * s.get("ag", 0 * w) + (1 - rho) * g * g
        delta = -np.sqrt(s.get("ad", 0 * w) + eps) * g / np.sqrt(s["ag"] + eps)
        s["ad"] = rho * s.get("ad", 0 * w) + (1 - rho) * delta * delta
        w += lr * delta
    elif name == "rmsprop":
        rho, mom = cfg.get("rho", 0.9), cfg.get("momentum", 0.0)
        s["v"] = rho * s.get("v", 0 * w) + (1 - rho) * g * g
        denominator = s["v"] + eps
        if cfg.get("centered"):
            s["a"] = rho * s.get("a", 0 * w) + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + eps
        increment = lr * g / np.sqrt(denominator)
        if mom > 0:
            s["m"] = mom * s.get("m", 0 * w) + increment
            increment = s["m"]
        w -= increment
    elif name in ("adam", "adamax", "nadam"):
        s["m"] = s.get("m", 0 * w) + (g - s.get("m", 0 * w)) * (1 - b1)
        if name == "adamax":
            s["u"] = np.maximum(b2 * s.get("u", 0 * w), np.abs(g))
            w -= lr * s["m"] / ((1 - b1 ** (t + 1)) * (s["u"] + eps))
            return
        s["v"] = s.get("v", 0 * w) + (g * g - s.get("v", 0 * w)) * (1 - b2)
        if name == "adam":
            v = s["v"]
            if cfg.get("amsgrad"):
                s["vh"] = v = np.maximum(s.get("vh", 0 * w), v)
            alpha = lr * np.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
            w -= s["m"] * alpha / (np.sqrt(v) + eps)
            return
        u_t = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_t_1 = b1 * (1 - 0.5 * 0.96 ** (t + 2))
        u_product_t = s["u_product"]  # advanced once per step by the caller
        m_hat = u_t_1 * s["m"] / (1 - u_product_t * u_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = s["v"] / (1 - b2 ** (t + 1))
        w -= m_hat * lr / (np.sqrt(v_hat) + eps)


def _run_twin(name, kwargs, lr_at, decay_mask=None):
    init, grad_seq = _problem(np.float64)
    params = [p.copy() for p in init]
    slots = [{} for _ in params]
    u_product = 1.0
    for t, grads in enumerate(grad_seq):
        lr = lr_at(t)
        grads = _twin_clip(kwargs, grads)
        for i, w in enumerate(params):
            if kwargs.get("weight_decay") and (decay_mask is None or decay_mask[i]):
                w -= w * kwargs["weight_decay"] * lr
        u_product *= kwargs.get("beta_1", 0.9) * (1 - 0.5 * 0.96 ** (t + 1))
        for w, g, s in zip(params, grads, slots):
            s["u_product"] = u_product
            _twin_update(name, kwargs, t, lr, w, g, s)
    return params


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-4), (np.float64, 1e-9)], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_kernel_matches_numpy_twin(case, dtype, rtol):
    _, name, kwargs = case
    ours, params = _run_ours(name, kwargs, dtype)
    fresh = type(ours)(**kwargs)
    expected = _run_twin(name, kwargs, fresh.current_learning_rate)
    for got, want in zip(params, expected):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-2)
    assert ours.iterations == N_STEPS


# ------------------------------------------------------------------ Keras 3 reference
@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras' torch tensors vs numpy 2's copy keyword
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_matches_keras(case):
    keras = pytest.importorskip("keras")
    _, name, kwargs = case
    ours, params = _run_ours(name, kwargs)
    config = ours.get_config()  # Keras builds its optimizer from OUR config: checks the names too
    decay = config.pop("decay", 0.0)
    if decay:  # Keras 3 ignores Keras 2's `decay`; the same rule as a schedule
        config["learning_rate"] = keras.optimizers.schedules.InverseTimeDecay(config["learning_rate"], 1, decay)
    reference = keras.optimizers.deserialize({"class_name": type(ours).__name__, "config": config})
    init, grad_seq = _problem()
    variables = [keras.Variable(p) for p in init]
    for grads in grad_seq:
        reference.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
    for got, variable in zip(params, variables):
        np.testing.assert_allclose(got, variable.numpy(), rtol=1e-4, atol=1e-6)
    assert int(keras.ops.convert_to_numpy(reference.iterations)) == ours.iterations


@pytest.mark.reference
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_schedules_match_keras():
    keras = pytest.importorskip("keras")
    ks = keras.optimizers.schedules
    pairs = [
        (schedules.ExponentialDecay(0.1, 3, 0.7), ks.ExponentialDecay(0.1, 3, 0.7)),
        (schedules.ExponentialDecay(0.1, 3, 0.7, staircase=True), ks.ExponentialDecay(0.1, 3, 0.7, True)),
        (schedules.InverseTimeDecay(0.1, 2, 0.5), ks.InverseTimeDecay(0.1, 2, 0.5)),
        (schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True), ks.InverseTimeDecay(0.1, 2, 0.5, True)),
        (schedules.PiecewiseConstantDecay([3, 7], [0.3, 0.2, 0.1]), ks.PiecewiseConstantDecay([3, 7], [0.3, 0.2, 0.1])),
        (schedules.PolynomialDecay(0.1, 10, 0.01, power=2.0), ks.PolynomialDecay(0.1, 10, 0.01, power=2.0)),
        (schedules.PolynomialDecay(0.1, 4, cycle=True), ks.PolynomialDecay(0.1, 4, cycle=True)),
        (schedules.CosineDecay(0.1, 10, alpha=0.2), ks.CosineDecay(0.1, 10, alpha=0.2)),
        (schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=4),
         ks.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=4)),
    ]
    for ours, theirs in pairs:
        for step in range(18):
            want = float(keras.ops.convert_to_numpy(theirs(step)))
            assert ours(step) == pytest.approx(want, rel=1e-5, abs=1e-9), (ours, step)
        assert ours.get_config() == theirs.get_config()


# ------------------------------------------------------------------ kernel interface for fused trainers
def test_fused_path_matches_apply_bitwise():
    """A trainer calling optimizer_step itself with hyper_vector/learning_rate_table/advance == apply()."""
    kwargs = {"learning_rate": schedules.ExponentialDecay(0.05, 4, 0.5), "clipnorm": 1.0, "weight_decay": 0.1}
    reference, expected = _run_ours("nadam", kwargs)
    init, grad_seq = _problem()
    fused = opt.Nadam(**kwargs)
    fused.build(SEGMENTS)
    params = _flat(init)
    for chunk in (grad_seq[:7], grad_seq[7:]):  # two "epochs"
        hyper = fused.hyper_vector()
        table = fused.learning_rate_table(len(chunk))
        for b, grads in enumerate(chunk):
            hyper[kern.H_LR] = table[b]
            kern.optimizer_step(fused.kernel_code, hyper, fused.iterations + b, fused.segments, fused.decay_mask,
                                params, _flat(grads), fused.slots, fused.scalars)
        fused.advance(len(chunk))
    np.testing.assert_array_equal(params, _flat(expected))
    assert fused.iterations == reference.iterations
    np.testing.assert_array_equal(fused.scalars, reference.scalars)


def test_slot_layout_and_initial_values():
    for name, kwargs, names in [("sgd", {}, ()), ("sgd", {"momentum": 0.9}, ("momentum",)),
                                ("rmsprop", {"momentum": 0.1, "centered": True},
                                 ("velocity", "momentum", "average_gradient")),
                                ("adam", {"amsgrad": True}, ("momentum", "velocity", "velocity_hat")),
                                ("adagrad", {"initial_accumulator_value": 0.25}, ("accumulator",))]:
        optimizer = type(opt.get(name))(**kwargs)
        optimizer.build(SEGMENTS)
        assert optimizer.slot_names == names
        assert optimizer.slots.shape == (len(names), SEGMENTS[-1])
        assert len(names) == kern.slot_count(optimizer.kernel_code, optimizer.hyper_vector())
    np.testing.assert_array_equal(optimizer.slots, 0.25)


def test_kernel_refuses_too_few_slots():
    hyper = opt.Adam().hyper_vector()
    params = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="slot"):
        kern.optimizer_update(kern.ADAM, hyper, 0, params, params.copy(), np.zeros((1, 5), np.float32),
                              np.ones(kern.N_SCALARS))


def test_weight_decay_exclusion():
    optimizer = opt.SGD(learning_rate=0.5, weight_decay=0.2)
    optimizer.exclude_from_weight_decay([1])
    optimizer.build(SEGMENTS)
    params = np.ones(SEGMENTS[-1], np.float32)
    optimizer.apply(params, np.zeros_like(params))
    np.testing.assert_allclose(_unflat(params)[0], 0.9)
    np.testing.assert_array_equal(_unflat(params)[1], 1.0)
    with pytest.raises(ValueError, match="out of range"):
        optimizer.exclude_from_weight_decay([7])


# ------------------------------------------------------------------ Python API
def test_learning_rate_change_takes_effect_next_step():
    optimizer = opt.SGD(learning_rate=0.1)
    optimizer.build(np.array([0, 3]))
    params = np.zeros(3, np.float32)
    grads = np.ones(3, np.float32)
    optimizer.apply(params, grads)
    np.testing.assert_allclose(params, -0.1)
    optimizer.learning_rate = 0.5
    assert optimizer.learning_rate == 0.5 and optimizer.hyper_vector()[kern.H_LR] == 0.5
    optimizer.apply(params, grads)
    np.testing.assert_allclose(params, -0.6)


def test_callable_and_schedule_learning_rates():
    optimizer = opt.SGD(learning_rate=lambda step: 0.1 / (step + 1))
    optimizer.advance(3)
    assert optimizer.learning_rate == pytest.approx(0.025)
    np.testing.assert_allclose(optimizer.learning_rate_table(2), [0.025, 0.02])
    assert opt.SGD(learning_rate=lambda: 0.3).learning_rate == 0.3  # Keras-style zero-argument callable
    scheduled = opt.Adam(learning_rate=schedules.InverseTimeDecay(0.1, 1, 1.0))
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        scheduled.learning_rate = 0.01
    with pytest.raises(TypeError, match="callable"):
        opt.SGD(learning_rate=lambda: 0.3).get_config()


def test_keras2_spellings():
    assert opt.SGD(lr=0.3).learning_rate == 0.3
    assert opt.Adam(0.02).learning_rate == 0.02  # positional
    assert opt.RMSprop(rho=0.5, epsilon=1e-3).get_config()["rho"] == 0.5
    decayed = opt.SGD(lr=0.1, decay=0.5)
    decayed.iterations = 4
    assert decayed.current_learning_rate() == pytest.approx(0.1 / 3)
    assert decayed.learning_rate == 0.1  # the undecayed base, settable as before
    with pytest.raises(TypeError, match="not both"):
        opt.SGD(learning_rate=0.2, lr=0.1)


def test_unknown_keyword_is_type_error():
    with pytest.raises(TypeError, match="'betta_1'"):
        opt.Adam(betta_1=0.9)


@pytest.mark.parametrize("factory, message", [
    (lambda: opt.SGD(learning_rate=-0.1), "learning_rate"),
    (lambda: opt.Adam(learning_rate=float("nan")), "learning_rate"),
    (lambda: opt.Adam(learning_rate="fast"), "learning_rate"),
    (lambda: opt.Adam(beta_1=1.0), "beta_1"),
    (lambda: opt.Nadam(beta_2=-0.1), "beta_2"),
    (lambda: opt.Adam(epsilon=-1e-7), "epsilon"),
    (lambda: opt.SGD(momentum=1.5), "momentum"),
    (lambda: opt.RMSprop(rho=2.0), "rho"),
    (lambda: opt.Adagrad(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: opt.SGD(weight_decay=-0.1), "weight_decay"),
    (lambda: opt.SGD(decay=-0.1), "decay"),
    (lambda: opt.SGD(clipnorm=1.0, clipvalue=1.0), "Only one of"),
    (lambda: setattr(opt.Adam(), "beta_1", 3.0), "beta_1"),
])
def test_absurd_values_raise(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_unsupported_features():
    with pytest.raises(NotImplementedError, match="use_ema"):
        opt.Adam(use_ema=True)
    with pytest.raises(NotImplementedError, match="gradient_accumulation_steps"):
        opt.Adam(gradient_accumulation_steps=2)


def test_get_identifiers():
    assert opt.OPTIMIZER_NAMES == ("sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamax", "nadam")
    assert isinstance(opt.get("RMSprop"), opt.RMSprop) and isinstance(opt.get("ADAM"), opt.Adam)
    instance = opt.SGD()
    assert opt.get(instance) is instance
    rebuilt = opt.get({"class_name": "Adam", "config": {"learning_rate": 0.01, "beta_1": 0.8}})
    assert (rebuilt.learning_rate, rebuilt.beta_1) == (0.01, 0.8)
    with pytest.raises(ValueError, match="sgd, adagrad, adadelta, rmsprop, adam, adamax, nadam"):
        opt.get("adamw")
    with pytest.raises(ValueError, match="valid names"):
        opt.get({"class_name": "Lion", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret"):
        opt.get(3)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_config_round_trip(case):
    _, name, kwargs = case
    original = type(opt.get(name))(**kwargs)
    config = original.get_config()
    clone = type(original).from_config(config)
    assert clone.get_config() == config
    assert [clone.current_learning_rate(s) for s in range(5)] == [original.current_learning_rate(s) for s in range(5)]


def test_defaults_match_keras():
    assert opt.SGD().get_config()["learning_rate"] == 0.01
    adagrad = opt.Adagrad()
    assert (adagrad.learning_rate, adagrad.initial_accumulator_value, adagrad.epsilon) == (0.001, 0.1, 1e-7)
    adadelta = opt.Adadelta()
    assert (adadelta.learning_rate, adadelta.rho, adadelta.epsilon) == (0.001, 0.95, 1e-7)
    rmsprop = opt.RMSprop()
    assert (rmsprop.learning_rate, rmsprop.rho, rmsprop.momentum, rmsprop.centered) == (0.001, 0.9, 0.0, False)
    for cls in (opt.Adam, opt.Adamax, opt.Nadam):
        o = cls()
        assert (o.learning_rate, o.beta_1, o.beta_2, o.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    assert opt.Adam().amsgrad is False


def test_state_round_trip_resumes_training():
    init, grad_seq = _problem()
    _, expected = _run_ours("nadam", {"learning_rate": 0.05})
    first = opt.Nadam(learning_rate=0.05)
    first.build(SEGMENTS)
    params = _flat(init)
    for grads in grad_seq[:10]:
        first.apply(params, _flat(grads))
    state = first.get_state()
    resumed = opt.Nadam(learning_rate=0.05)
    resumed.build(SEGMENTS)
    resumed.set_state(state)
    for grads in grad_seq[10:]:
        resumed.apply(params, _flat(grads))
    np.testing.assert_array_equal(params, _flat(expected))
    assert resumed.iterations == N_STEPS
    wrong = opt.Nadam()
    wrong.build(np.array([0, 4]))
    with pytest.raises(ValueError, match="shape"):
        wrong.set_state(state)


def test_apply_leaves_grads_untouched_and_checks_inputs():
    optimizer = opt.SGD(learning_rate=0.1, clipvalue=0.1)
    with pytest.raises(ValueError, match="not built"):
        optimizer.apply(np.zeros(3, np.float32), np.zeros(3, np.float32))
    optimizer.build(np.array([0, 3]))
    grads = np.array([1.0, -2.0, 0.05], np.float32)
    original = grads.copy()
    params = np.zeros(3, np.float32)
    optimizer.apply(params, grads)
    np.testing.assert_array_equal(grads, original)
    np.testing.assert_allclose(params, [-0.01, 0.01, -0.005])
    with pytest.raises(ValueError, match="float32"):
        optimizer.apply(params.astype(np.float64), grads)
    with pytest.raises(ValueError, match="segments"):
        optimizer.build(np.array([1, 3]))
    structural = opt.SGD(momentum=0.0)
    structural.build(np.array([0, 3]))
    structural.momentum = 0.9
    with pytest.raises(RuntimeError, match="build"):
        structural.apply(params, grads)


def test_global_clipnorm_propagates_non_finite():
    hyper = opt.SGD(global_clipnorm=1.0).hyper_vector()
    grads = np.array([1.0, np.inf, 0.0], np.float32)
    kern.clip_gradients(hyper, np.array([0, 2, 3], np.int64), grads)
    assert np.all(np.isnan(grads))
    assert math.isclose(schedules.deserialize(schedules.serialize(schedules.CosineDecay(0.1, 5)))(5), 0.0)
