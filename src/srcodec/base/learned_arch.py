"""The learned base layer's network (torch): a factorized-prior transform codec.

Ballé et al. 2018 ("bmshj2018-factorized"): analysis g_a = 4 stride-2 5x5 convolutions with
GDN between them, synthesis g_s its transpose with inverse GDN, latents quantized by
rounding and coded with one non-parametric density per channel. Two changes for srcodec:

- GDN is the simplified form of Johnston et al. 2019, y = x / (beta + gamma |x|): cheaper
  on CPU and no square root (the same as CompressAI's `GDN(..., simplified)` idea).
- Variable rate by *gain units* (Cui et al. 2021): one model, a learned per-channel gain
  vector per rate level; the encoder codes round(g_a(x) * gain), the decoder feeds
  symbols / gain to g_s. Intermediate qualities interpolate gains geometrically.

Only `g_a`, `g_s` and the gains run at encode/decode time. The density (`density`) is used
for training and, once, at export, to compute the *integer* probability tables the
entropy coder uses (srcodec.entropy), so the coded symbols never depend on float maths.
This module is imported only by srcodec.base.learned (lazily) and by srcodec.train.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

# The rate levels of training: lambda for distortion 255^2 * MSE + bits/pixel (CompressAI's
# bmshj2018 qualities 1-6). Quality 0..100 maps linearly onto level position 0..5.
LAMBDAS = (0.0018, 0.0035, 0.0067, 0.0130, 0.0250, 0.0483)
STRIDE = 16  # total downsampling of g_a: images are padded to a multiple of this


class GDN(nn.Module):
    """Simplified (inverse) GDN over channels: x / (beta + gamma |x|), or x * (...)."""

    def __init__(self, channels: int, inverse: bool = False) -> None:
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.ones(channels))
        self.gamma = nn.Parameter(0.1 * torch.eye(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        # abs() keeps both non-negative without a clamp that would stop gradients
        gamma = self.gamma.abs().to(x.dtype).view(c, c, 1, 1)
        beta = self.beta.abs().to(x.dtype) + 1e-6
        norm = F.conv2d(x.abs(), gamma, beta)
        return x * norm if self.inverse else x / norm


def _conv(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 5, stride=2, padding=2)


def _deconv(cin: int, cout: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, 5, stride=2, padding=2, output_padding=1)


class FactorizedDensity(nn.Module):
    """Per-channel univariate density (Ballé et al. 2018, appendix 6.1): a monotone
    cumulative c(x) built from `filters` small layers; P(x in [a, b]) = c(b) - c(a).
    Training only: the codec uses integer tables made from it at export (tables())."""

    def __init__(self, channels: int, filters: tuple[int, ...] = (3, 3, 3), scale: float = 10):
        super().__init__()
        dims = (1, *filters, 1)
        init = scale ** (1 / (len(filters) + 1))
        self.matrices = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.factors = nn.ParameterList()
        for i in range(len(filters) + 1):
            value = math.log(math.expm1(1 / init / dims[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, dims[i + 1], dims[i]), value)))
            self.biases.append(nn.Parameter(torch.rand(channels, dims[i + 1], 1) - 0.5))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(channels, dims[i + 1], 1)))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """x: (C, 1, n) -> logit of the cumulative, (C, 1, n)."""
        for i, (m, b) in enumerate(zip(self.matrices, self.biases, strict=True)):
            x = torch.matmul(F.softplus(m).to(x.dtype), x) + b.to(x.dtype)
            if i < len(self.factors):
                x = x + torch.tanh(self.factors[i]).to(x.dtype) * torch.tanh(x)
        return x

    def likelihood(self, y: torch.Tensor) -> torch.Tensor:
        """P of the unit bin around each value of y (B, C, H, W), same shape."""
        b, c, h, w = y.shape
        v = y.permute(1, 0, 2, 3).reshape(c, 1, -1)
        lower, upper = self.logits(v - 0.5), self.logits(v + 0.5)
        sign = -torch.sign(lower + upper).detach()  # evaluate in the accurate tail
        p = (torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower)).abs()
        return p.clamp_min(1e-9).reshape(c, b, h, w).permute(1, 0, 2, 3)

    @torch.no_grad()
    def pmf(self, radius: int) -> torch.Tensor:
        """float64 (C, 2*radius + 2): P(round(y) = s) for s = -radius..radius, then the tail
        mass (the escape symbol)."""
        c = self.matrices[0].shape[0]
        s = torch.arange(-radius, radius + 1, dtype=torch.float64).expand(c, 1, -1)
        lower, upper = self.logits(s - 0.5), self.logits(s + 0.5)
        sign = -torch.sign(lower + upper)
        p = (torch.sigmoid(sign * upper) - torch.sigmoid(sign * lower)).abs()[:, 0]
        tail = (1 - p.sum(1, keepdim=True)).clamp_min(0)
        return torch.cat([p, tail], 1)


class FactorizedCodec(nn.Module):
    """g_a, g_s, gains and density. `n`: hidden channels, `m`: latent channels."""

    def __init__(self, n: int = 64, m: int = 96, levels: int = len(LAMBDAS)) -> None:
        super().__init__()
        self.g_a = nn.Sequential(
            _conv(3, n), GDN(n), _conv(n, n), GDN(n), _conv(n, n), GDN(n), _conv(n, m)
        )
        self.g_s = nn.Sequential(
            _deconv(m, n),
            GDN(n, inverse=True),
            _deconv(n, n),
            GDN(n, inverse=True),
            _deconv(n, n),
            GDN(n, inverse=True),
            _deconv(n, 3),
        )
        # log of the per-channel gain per level; a wide spread to start from
        self.log_gain = nn.Parameter(torch.linspace(-1.0, 1.0, levels)[:, None].repeat(1, m))
        self.density = FactorizedDensity(m)

    def gain(self, position: torch.Tensor) -> torch.Tensor:
        """Gains (B, M, 1, 1) at fractional level positions (B,) in [0, levels - 1]:
        geometric interpolation between the two neighbouring levels."""
        lo = position.floor().clamp(0, self.log_gain.shape[0] - 2).long()
        t = (position - lo.to(position.dtype))[:, None]
        log_g = self.log_gain[lo] * (1 - t) + self.log_gain[lo + 1] * t
        return log_g.exp()[:, :, None, None]

    def forward(self, x: torch.Tensor, level: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training pass. x (B, 3, H, W) in [0, 1], level (B,) integer levels ->
        (x_hat, likelihoods of the latents). Rate: additive uniform noise; synthesis:
        rounded latents with a straight-through gradient."""
        g = self.gain(level.to(x.dtype))
        y = self.g_a(x) * g
        noisy = y + torch.empty_like(y).uniform_(-0.5, 0.5)
        rounded = y + (torch.round(y) - y).detach()
        return self.g_s(rounded / g), self.density.likelihood(noisy)
