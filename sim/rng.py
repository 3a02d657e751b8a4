"""Counter-based random numbers: each draw is a hash of (seed, replicate, month, stream).

There is no generator state to carry: the draw for replicate *i* of seed *s* at a given
month and stream is the same number whether the replicate runs alone, inside a batch of
any size, in any process, or after a save and restore. Streams are named by the content
id that draws (an event or a decision), so adding an event to a scenario does not shift
the numbers that every other event sees.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from sim import kernels

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV_2_53 = 1.0 / float(1 << 53)

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]


def _mix(z: U64) -> U64:
    """SplitMix64's finaliser: a bijective avalanche of 64 bits."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_id(name: str) -> int:
    """A stable 64-bit stream number for a content id (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def replicate_keys(seed: int, replicates: U64) -> U64:
    """The first half of each draw's hash: the part that the seed and the replicate fix.

    A model computes it once and passes it to ``uniform`` as ``keys``.
    """
    with np.errstate(over="ignore"):
        key = _mix(np.asarray(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + _GOLDEN))
        return _mix(key ^ (replicates * _GOLDEN))


def uniform(
    seed: int,
    replicates: U64,
    month: int,
    stream: int,
    draw: int = 0,
    *,
    keys: U64 | None = None,
) -> F64:
    """One uniform number in [0, 1) per replicate, a pure function of its arguments.

    ``keys``, if given, must be ``replicate_keys(seed, replicates)``.
    """
    key = replicate_keys(seed, replicates) if keys is None else keys
    counter = np.uint64((month * 0x100000001B3 + draw) & 0xFFFFFFFFFFFFFFFF)
    named = np.uint64(stream & 0xFFFFFFFFFFFFFFFF)
    if kernels.active():  # the same integer hash, compiled
        return kernels.draws(np.ascontiguousarray(key, dtype=np.uint64), counter, named)
    with np.errstate(over="ignore"):
        key = _mix(key ^ counter)
        key = _mix(key ^ named)
    return (key >> _S11).astype(np.float64) * _INV_2_53
