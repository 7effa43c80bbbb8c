"""Batch normalization kernels over a (rows, channels) view: every axis but the normalized one folded into rows.

Shapes: x, xhat, y, grad_y, grad_x (m, c); mean, var, gamma, beta, inv_std, grad_gamma, grad_beta (c,).

Loops run rows outside and channels inside, so the inner loop walks contiguous memory and vectorises over
channels. Per-channel sums accumulate in float64: a float32 running sum over a large batch would drift by
more than Keras' float32 tolerance, and the statistics are only c numbers.
"""
import numpy as np

from engine.kernels._jit import kernel


@kernel
def batch_moments(x, mean, var):
    """Per-channel mean and (biased) variance of a batch, as Keras' ``ops.moments``.

    Two passes, mean((x - mean)²), instead of Keras' E[x²] - E[x]²: the same value, without the
    cancellation that can make a near-constant channel's variance negative.
    """
    m, c = x.shape
    total = np.zeros(c, dtype=np.float64)
    for i in range(m):
        for j in range(c):
            total[j] += x[i, j]
    for j in range(c):
        mean[j] = total[j] / m
        total[j] = 0.0
    for i in range(m):
        for j in range(c):
            d = x[i, j] - mean[j]
            total[j] += d * d
    for j in range(c):
        var[j] = total[j] / m


@kernel
def batch_norm_apply(x, mean, var, gamma, beta, epsilon, inv_std, xhat, y):
    """xhat = (x - mean) / sqrt(var + epsilon); y = gamma * xhat + beta. Fills inv_std, xhat and y."""
    m, c = x.shape
    for j in range(c):
        inv_std[j] = 1.0 / np.sqrt(var[j] + epsilon)
    for i in range(m):
        for j in range(c):
            normalized = (x[i, j] - mean[j]) * inv_std[j]
            xhat[i, j] = normalized
            y[i, j] = normalized * gamma[j] + beta[j]


@kernel
def batch_norm_backward(grad_y, xhat, gamma, inv_std, batch_statistics, grad_x, grad_gamma, grad_beta):
    """Gradients of y = gamma * xhat + beta. Overwrites grad_x, grad_gamma and grad_beta.

    With ``batch_statistics`` the mean and variance are functions of the batch itself, which adds the two
    centring terms: grad_x = gamma * inv_std * (g - mean(g) - xhat * mean(g * xhat)). Otherwise (moving
    statistics) they are constants and grad_x = gamma * inv_std * g.
    """
    m, c = grad_y.shape
    sum_g = np.zeros(c, dtype=np.float64)
    sum_gx = np.zeros(c, dtype=np.float64)
    for i in range(m):
        for j in range(c):
            g = grad_y[i, j]
            sum_g[j] += g
            sum_gx[j] += g * xhat[i, j]
    for j in range(c):
        grad_beta[j] = sum_g[j]
        grad_gamma[j] = sum_gx[j]
        sum_g[j] /= m  # from here on: means, used only with batch statistics
        sum_gx[j] /= m
    scale = gamma * inv_std
    if batch_statistics:
        for i in range(m):
            for j in range(c):
                grad_x[i, j] = scale[j] * (grad_y[i, j] - sum_g[j] - xhat[i, j] * sum_gx[j])
    else:
        for i in range(m):
            for j in range(c):
                grad_x[i, j] = scale[j] * grad_y[i, j]


# -- naive numpy twins (tests) ------------------------------------------------------------------------------
def batch_norm_forward_numpy(x, gamma, beta, epsilon, mean=None, var=None):
    """y, plus the batch mean and variance when ``mean``/``var`` are not given. Shapes: x (m, c)."""
    if mean is None:
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
    y = (x - mean) / np.sqrt(var + epsilon) * gamma + beta
    return y, mean, var


def batch_norm_backward_numpy(grad_y, x, gamma, epsilon, mean, var, batch_statistics):
    """(grad_x, grad_gamma, grad_beta), from the textbook formulas. Shapes: grad_y, x (m, c)."""
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x - mean) * inv_std
    grad_gamma = (grad_y * xhat).sum(axis=0)
    grad_beta = grad_y.sum(axis=0)
    grad_xhat = grad_y * gamma
    if not batch_statistics:
        return grad_xhat * inv_std, grad_gamma, grad_beta
    m = x.shape[0]
    grad_var = (grad_xhat * (x - mean)).sum(axis=0) * -0.5 * inv_std ** 3
    grad_mean = -(grad_xhat * inv_std).sum(axis=0) + grad_var * (-2.0 / m) * (x - mean).sum(axis=0)
    grad_x = grad_xhat * inv_std + grad_var * 2.0 * (x - mean) / m + grad_mean / m
    return grad_x, grad_gamma, grad_beta
