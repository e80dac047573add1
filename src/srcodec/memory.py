"""Working-set sizes shared by the base codecs, the upscalers and the decoder's memory
estimate (SPEC §8). A sibling of `base/` and `upscale/`, so neither imports the other.

The per-pixel constants are measured by tools/bench_memory.py (peak RSS minus the image
buffers).
"""

from __future__ import annotations

# HR pixels per upscaling band: sets the working set of one band (uint8 copies plus a few
# float planes) whatever the image size. The learned base synthesizes in strips of a
# quarter of it.
BAND_PIXELS = 1 << 22

RUNTIME_BYTES = 80 << 20  # Python + numpy + Pillow
NETWORK_RUNTIME_BYTES = 200 << 20  # the network runtime with a model loaded (an allowance)
STRENGTH_BYTES_PER_PIXEL = 16  # chunk S blending: int32 weights, plain, change, one channel
