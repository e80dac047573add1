"""The constants that define SSIMULACRA 2.1 and its blur kernel, shared by the numpy
implementation (ssimulacra2_np) and its differentiable torch twin (ssimulacra2_torch)."""

from __future__ import annotations

import math
from functools import cache

import numpy as np

NUM_SCALES = 6
MIN_SIDE = 8  # a scale is scored only while both sides are at least this
BLUR_SIGMA = 1.5
SSIM_C2 = 0.0009
ALPHA_BACKGROUND = 0.5  # sRGB-encoded grey the reference composites alpha over

# Opsin absorbance (JPEG XL's XYB): rows mix linear R, G, B into L, M, S cone responses,
# each with the same bias before the cube root.
OPSIN = np.array(
    [
        [0.30, 0.622, 0.078],
        [0.23, 0.692, 0.078],
        [0.24342268924547819, 0.20476744424496821, 1 - 0.24342268924547819 - 0.20476744424496821],
    ],
    dtype=np.float64,
)
OPSIN_BIAS = 0.0037930732552754493

# The fitted weights of the 108 norms, laid out [channel X/Y/B][scale 1:1..1:32][norm 1/4]
# [map ssim/artifact/detail-lost]: the published SSIMULACRA 2.1 weights (cloudinary/
# ssimulacra2, ssimulacra2.cc), a set of tuned numbers that define the metric.
WEIGHTS = np.array(
    [
        0.0,
        0.0007376606707406586,
        0.0,
        0.0,
        0.0007793481682867309,
        0.0,
        0.0,
        0.0004371155730107379,
        0.0,
        1.1041726426657346,
        0.00066284834129271,
        0.00015231632783718752,
        0.0,
        0.0016406437456599754,
        0.0,
        1.8422455520539298,
        11.441172603757666,
        0.0,
        0.0007989109436015163,
        0.000176816438078653,
        0.0,
        1.8787594979546387,
        10.94906990605142,
        0.0,
        0.0007289346991508072,
        0.9677937080626833,
        0.0,
        0.00014003424285435884,
        0.9981766977854967,
        0.00031949755934435053,
        0.0004550992113792063,
        0.0,
        0.0,
        0.0013648766163243398,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        7.466890328078848,
        0.0,
        17.445833984131262,
        0.0006235601634041466,
        0.0,
        0.0,
        6.683678146179332,
        0.00037724407979611296,
        1.027889937768264,
        225.20515300849274,
        0.0,
        0.0,
        19.213238186143016,
        0.0011401524586618361,
        0.001237755635509985,
        176.39317598450694,
        0.0,
        0.0,
        24.43300999870476,
        0.28520802612117757,
        0.0004485436923833408,
        0.0,
        0.0,
        0.0,
        34.77906344483772,
        44.835625328877896,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0008680556573291698,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0005313191874358747,
        0.0,
        0.00016533814161379112,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0004179171803251336,
        0.0017290828234722833,
        0.0,
        0.0020827005846636437,
        0.0,
        0.0,
        8.826982764996862,
        23.19243343998926,
        0.0,
        95.1080498811086,
        0.9863978034400682,
        0.9834382792465353,
        0.0012286405048278493,
        171.2667255897307,
        0.9807858872435379,
        0.0,
        0.0,
        0.0,
        0.0005130064588990679,
        0.0,
        0.00010854057858411537,
    ],
    dtype=np.float64,
).reshape(3, NUM_SCALES, 2, 3)

# The map from the weighted sum to the 0..100 scale.
SCORE_SCALE = 0.9562382616834844
SCORE_POLY = (2.326765642916932, -0.020884521182843837, 6.248496625763138e-05)
SCORE_EXPONENT = 0.6276336467831387


@cache
def blur_kernel(sigma: float = BLUR_SIGMA) -> np.ndarray:
    """The impulse response of the reference's recursive Gaussian, as a centred FIR kernel.

    The recursion (three second-order resonators at odd multiples of pi/2N, driven by the
    sum of the inputs N+1 behind and N-1 ahead) is run on a unit impulse in float64; the
    resonators cancel after 2N samples, so the response is at most 2N+1 taps long."""
    radius = round(3.2795 * sigma + 0.2546)
    omega = np.array([1.0, 3.0, 5.0]) * math.pi / (2.0 * radius)
    p = np.array([1.0, -1.0, 1.0]) / np.tan(0.5 * omega)
    r = np.array([1.0, -1.0, 1.0]) * p * p / np.sin(omega)
    rho = np.exp(-0.5 * sigma * sigma * omega * omega) / radius
    d13 = p[0] * r[1] - r[0] * p[1]
    zeta15 = (p[1] * r[2] - r[1] * p[2]) / d13
    zeta35 = (p[2] * r[0] - r[2] * p[0]) / d13
    system = np.array([p, r, [zeta15, zeta35, 1.0]])
    gamma = np.array(
        [1.0, radius * radius - sigma * sigma, zeta15 * rho[0] + zeta35 * rho[1] + rho[2]]
    )
    beta = np.linalg.solve(system, gamma)
    n2 = -beta * np.cos(omega * (radius + 1.0))
    d1 = -2.0 * np.cos(omega)

    length = 8 * radius + 8
    impulse_at = 4 * radius
    signal = np.zeros(length)
    signal[impulse_at] = 1.0
    out = np.zeros(length)
    prev = np.zeros(3)
    prev2 = np.zeros(3)
    for n in range(length):
        left, right = n - radius - 1, n + radius - 1
        s = (signal[left] if 0 <= left < length else 0.0) + (
            signal[right] if 0 <= right < length else 0.0
        )
        y = n2 * s - d1 * prev - prev2
        prev2, prev = prev, y
        out[n] = y.sum()
    # out[n] is the weight of input impulse_at in output n, i.e. the tap at offset
    # n - impulse_at; the outermost taps come out as (numerically) zero and are dropped.
    kernel = out[impulse_at - radius : impulse_at + radius + 1]
    while abs(kernel[0]) < 1e-12 and abs(kernel[-1]) < 1e-12:
        kernel = kernel[1:-1]
    return kernel.copy()
