"""Input scalers fitted on the training part only and saved with the model as plain data.

``get_config()`` returns JSON-ready lists and numbers; ``scaler_from_config`` (or ``make_scaler``) rebuilds
the fitted scaler, so a trained model applies exactly the scaling it was trained with.

Statistics are computed in float64 per feature (all axes after the first flattened, so an image's pixels
are features too) or, with ``per_feature=False``, over every value at once (e.g. pixels / 255). Constant
features get scale 1, so they are shifted but never divided by zero. NaNs are ignored when fitting.
"""
from __future__ import annotations

from typing import Any

import numpy as np

SCALERS = ("none", "standard", "minmax")


def _flat(x: np.ndarray) -> np.ndarray:
    """(n, features) view; works for an empty part too (reshape(0, -1) cannot guess the width)."""
    return x.reshape(len(x), int(np.prod(x.shape[1:], dtype=np.int64)))


class Scaler:
    """Base: the identity ("none"). Subclasses set ``kind`` and compute ``offset_``/``scale_`` in _fit."""

    kind = "none"

    def __init__(self, *, per_feature: bool = True):
        self.per_feature = bool(per_feature)
        self.offset_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None
        self.shape_: tuple[int, ...] | None = None

    @property
    def fitted(self) -> bool:
        return self.kind == "none" or self.offset_ is not None

    def _stats(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, x: np.ndarray) -> Scaler:
        """Learn the statistics from x (the training part). Shapes: x (n, ...)."""
        if self.kind == "none":
            return self
        x = np.asarray(x)
        if len(x) == 0:
            raise ValueError("cannot fit a scaler on an empty training part")
        flat = _flat(x).astype(np.float64)
        if not self.per_feature:
            flat = flat.reshape(-1, 1)
        offset, scale = self._stats(flat)
        scale = np.where(~np.isfinite(scale) | (scale < 10 * np.finfo(np.float64).eps), 1.0, scale)
        self.offset_, self.scale_ = np.nan_to_num(offset), scale
        self.shape_ = tuple(x.shape[1:])
        return self

    def _check(self, x: np.ndarray) -> None:
        if not self.fitted:
            raise ValueError(f"this {self.kind} scaler is not fitted yet; call fit(x_train) first")
        if self.per_feature and self.kind != "none" and tuple(x.shape[1:]) != self.shape_:
            raise ValueError(f"the scaler was fitted on samples of shape {self.shape_}; got {tuple(x.shape[1:])}")

    def transform(self, x: np.ndarray) -> np.ndarray:
        """(x - offset) / scale as float32. Shapes: x (n, ...) -> same."""
        x = np.asarray(x)
        self._check(x)
        if self.kind == "none":
            return x.astype(np.float32)
        flat = (_flat(x).astype(np.float64) - self._row(self.offset_)) / self._row(self.scale_)
        return flat.astype(np.float32).reshape(x.shape)

    def inverse_transform(self, z: np.ndarray) -> np.ndarray:
        """Back to the original units. Shapes: z (n, ...) -> same."""
        z = np.asarray(z)
        self._check(z)
        if self.kind == "none":
            return z.astype(np.float32)
        flat = _flat(z).astype(np.float64) * self._row(self.scale_) + self._row(self.offset_)
        return flat.astype(np.float32).reshape(z.shape)

    def fit_transform(self, x: np.ndarray) -> np.ndarray:
        return self.fit(x).transform(x)

    def _row(self, v: np.ndarray) -> np.ndarray:
        return v.reshape(1, -1) if self.per_feature else v.reshape(1, 1)

    # -- plain-data round trip ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Plain data (lists, numbers, strings) that :func:`scaler_from_config` turns back into this scaler."""
        config: dict[str, Any] = {"kind": self.kind, "per_feature": self.per_feature}
        if self.kind != "none" and self.offset_ is not None:
            config.update(offset=self.offset_.tolist(), scale=self.scale_.tolist(), shape=list(self.shape_))
        return config

    @classmethod
    def from_config(cls, config: dict) -> Scaler:
        scaler = cls(per_feature=config.get("per_feature", True))
        if "offset" in config:
            scaler.offset_ = np.asarray(config["offset"], dtype=np.float64)
            scaler.scale_ = np.asarray(config["scale"], dtype=np.float64)
            scaler.shape_ = tuple(config.get("shape", (len(scaler.offset_),)))
        return scaler

    def __repr__(self) -> str:
        state = "fitted" if self.fitted else "not fitted"
        return f"{type(self).__name__}(per_feature={self.per_feature}) [{state}]"


class StandardScaler(Scaler):
    """Standardization: z = (x - mean) / std (population std, ddof=0)."""

    kind = "standard"

    def _stats(self, flat):
        return np.nanmean(flat, axis=0), np.nanstd(flat, axis=0)


class MinMaxScaler(Scaler):
    """Min-max scaling to [0, 1]: z = (x - min) / (max - min)."""

    kind = "minmax"

    def _stats(self, flat):
        low = np.nanmin(flat, axis=0)
        return low, np.nanmax(flat, axis=0) - low


_KINDS = {"none": Scaler, "standard": StandardScaler, "minmax": MinMaxScaler}
_ALIASES = {"standardize": "standard", "standardization": "standard", "zscore": "standard",
            "min_max": "minmax", "min-max": "minmax", "normalize": "minmax", "identity": "none"}


def scaler_from_config(config: dict) -> Scaler:
    """Rebuild a (fitted) scaler from ``get_config()``'s output."""
    kind = config.get("kind") if isinstance(config, dict) else None
    if kind not in _KINDS:
        raise ValueError(f"unknown scaler config {config!r}; its 'kind' must be one of: {', '.join(SCALERS)}")
    return _KINDS[kind].from_config(config)


def make_scaler(scaler: Any = "standard", *, per_feature: bool = True) -> Scaler:
    """A scaler from a name ("standard", "minmax", "none"; None means "none"), a config dict or an instance
    (returned as it is)."""
    if isinstance(scaler, Scaler):
        return scaler
    if isinstance(scaler, dict):
        return scaler_from_config(scaler)
    key = "none" if scaler is None else str(scaler).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _KINDS:
        raise ValueError(f"unknown scaler {scaler!r}; choose one of: {', '.join(SCALERS)}")
    return _KINDS[key](per_feature=per_feature)
