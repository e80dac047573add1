"""The learned base's encoder side of the information budget (spec §6.1.1, **Budget**).

A decoder refuses a payload whose symbols cost more than its ANS words can hold
(srcodec.entropy.check_budget). Everything the encoder codes costs its bits, except a run of
table index 0 (latent -R) at the very end of the decode order: constriction's stack starts at
state 0, so those symbols cost no words. Where such a run alone overspends the budget, the
encoder codes its last latent as -R + 1 (one step on one latent) so that the decoder accepts
the payload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from srcodec import entropy
from srcodec.base import learned_context
from srcodec.errors import SrcodecError

if TYPE_CHECKING:
    import numpy as np

    from srcodec.base.learned_context import ContextModel


def code(
    tables: np.ndarray, context: ContextModel | None, symbols: np.ndarray
) -> tuple[bytes, bytes]:
    """Latents (M, h, w) -> (ANS words, escapes) within the budget: version 1 with
    `context`, version 0 with the per-channel `tables` when context is None."""
    words, escapes, units = _coded(tables, context, symbols)
    if not within(words, units, symbols.size):
        where = last_decoded(context, symbols)
        if symbols[where] == -radius(tables, context):  # table index 0: free at the end
            symbols = symbols.copy()
            symbols[where] += 1
            words, escapes, units = _coded(tables, context, symbols)
    if not within(words, units, symbols.size):  # not reachable by the ANS bound
        msg = "learned base: the latents do not fit the payload's information budget"
        raise SrcodecError(msg)
    return words, escapes


def _coded(
    tables: np.ndarray, context: ContextModel | None, symbols: np.ndarray
) -> tuple[bytes, bytes, int]:
    """(words, escapes, cost units of the symbols)."""
    if context is not None:
        return learned_context.encode_counted(symbols, context)
    flat = symbols.reshape(len(symbols), -1)
    words, escapes = entropy.encode(flat, tables)
    index, _ = entropy.to_indices(flat, radius(tables, None))
    return words, escapes, entropy.information(index, tables)


def units(tables: np.ndarray, context: ContextModel | None, symbols: np.ndarray) -> int:
    """Cost units of the latents as coded (for tests and tools)."""
    return _coded(tables, context, symbols)[2]


def within(words: bytes, units: int, count: int) -> bool:
    """Does a decoder accept `count` symbols costing `units` from these words?"""
    n_words = len(words) // 4
    return entropy.fits(units, n_words) and (n_words > 0 or count == 0)


def radius(tables: np.ndarray, context: ContextModel | None) -> int:
    """R of the tables the latents are coded with (index 0 is -R)."""
    coded = tables if context is None else context.tables
    return (coded.shape[1] - 2) // 2


def last_decoded(context: ContextModel | None, symbols: np.ndarray) -> tuple[int, int, int]:
    """Index (c, y, x) of the latent a decoder reads last."""
    channels, h, w = symbols.shape
    if context is None:
        return channels - 1, h - 1, w - 1
    c, flat = learned_context.last_decoded(symbols, context)
    return c, flat // w, flat % w
