"""Compiled loops for the hottest sums of the model, where numba is installed.

The two largest, the month's drift (``sim.dynamics.advance``) and the AI's look-ahead
(``sim.dynamics.foresee``), are a few dozen arithmetic operations per replicate that numpy
spreads over as many temporary arrays. Here each is one loop over the replicates, compiled
by numba (the ``fast`` extra: ``pip install "frontline-state[fast]"``), that does the same
operations in the same order: every product, sum, division and clip of the numpy code,
one by one, so that the bits are the same (numba, as numpy, rounds each operation and
never fuses a multiply and an add unless asked to). The balance term's stack of 6 x 6
products is one of them (``product``), summed in a fixed order as ``dynamics._product``
sums it; the others are the acts' sums (``commit``, ``spill``), the structural baseline,
the random draws and a row comparison (``warm`` lists them all).
``tests/sim/test_kernels.py`` runs both ways and compares the bits.

Without numba, or with ``FRONTLINE_KERNELS=off`` in the environment, the numpy code runs
instead. The loops are compiled on first use (a few seconds, once per machine: numba keeps
them in its cache), so importing the model never waits for it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.state import F64, I8, TIE_DTYPE, B

AVAILABLE = importlib.util.find_spec("numba") is not None
"""Whether numba is installed."""

ENV = "FRONTLINE_KERNELS"
"""The environment variable that turns the compiled loops off (``off``)."""


def wanted(environ: Mapping[str, str]) -> bool:
    """Whether this environment lets the model use the compiled loops (where numba is)."""
    return AVAILABLE and environ.get(ENV, "").lower() not in ("off", "0", "no", "false")


ENABLED = wanted(os.environ)
"""Whether the model uses the compiled loops (read once, when the model is imported)."""


def active() -> bool:
    """Whether the model uses the compiled loops: numba is there and not turned off."""
    return ENABLED


_compiled: dict[str, Callable[..., Any]] = {}


def _jit(loop: Callable[..., Any]) -> Callable[..., Any]:
    """The loop compiled by numba (once per process; numba's cache keeps it across them)."""
    fast = _compiled.get(loop.__name__)
    if fast is None:
        import numba  # only here: importing it takes a fifth of a second

        try:
            fast = numba.njit(cache=True, nogil=True)(loop)
        except RuntimeError:  # nowhere to keep the cache (a read-only install): compile anew
            fast = numba.njit(nogil=True)(loop)
        _compiled[loop.__name__] = fast
    return fast


def warm() -> None:
    """Compile (or load from numba's cache) every loop now, on a state of one replicate.

    Loading takes about half a second, mostly numba's own import: a process that will run
    the model calls this while it waits for work (the batch's fork server, the game's
    forecast worker), so that the first month does not wait. Does nothing without numba.
    """
    if not ENABLED:
        return
    n = 6
    cube, row = np.zeros((1, n, n)), np.zeros((1, n))
    weights = (np.zeros(n), np.zeros(n), np.zeros(n))
    foresee(cube, cube, cube, cube, cube, cube, row, row, 0, weights, (0.0,) * 7)
    product(cube)
    advance(cube, cube, cube, cube, cube, cube, (0.0,) * 5)
    commit(cube, cube, cube, cube, row, row, 0.0, np.ones(1, dtype=bool))
    bloc = np.zeros((1, n), dtype=np.int8)
    structural(row, bloc, np.zeros((1, 5, n, n), dtype=TIE_DTYPE), _TABLES, 0.0, 0.0, 0.0)
    rows_differing(row, row)
    spill(cube, cube, 0, 1, np.zeros(1), np.arange(2, n))
    draws(np.zeros(1, dtype=np.uint64), np.uint64(0), np.uint64(0))
    rows_differing(bloc, bloc)


def _six(attitudes: F64) -> None:
    """Refuse attitudes of any shape but (R, 6, 6): some loops are written out for six actors."""
    if attitudes.shape[1:] != (6, 6):
        raise ValueError(f"expected attitudes of shape (R, 6, 6), got {attitudes.shape}")


def foresee(
    a: F64,
    num: F64,
    memory: F64,
    structural: F64,
    econ: F64,
    mil: F64,
    ideology: F64,
    prestige: F64,
    i: int,
    weights: tuple[F64, F64, F64],
    coefficients: tuple[float, ...],
) -> F64:
    """Actor i's utility components after the look-ahead, (R, 4): ``dynamics.foresee``.

    ``num`` is the balance term's product ``(a * |a|) @ a``; ``weights`` are
    ``dynamics._weights`` (strength, trade, regard); ``coefficients`` are history, c^H,
    the geometric sum, drift, balance, the aid term's factor and the aid's decay k^H.
    """
    out = np.empty((a.shape[0], 4))
    _jit(_foresee_loop)(
        a, num, memory, structural, econ, mil, ideology, prestige, i, *weights, *coefficients, out
    )
    return out


def product(a: F64) -> F64:
    """``(a * |a|) @ a`` for each replicate, (R, 6, 6): ``dynamics._product``, same bits."""
    _six(a)
    out = np.empty_like(a)
    _jit(_product_loop)(a, out)
    return out


def advance(
    a: F64,
    num: F64,
    memory: F64,
    structural: F64,
    econ: F64,
    mil: F64,
    coefficients: tuple[float, ...],
) -> tuple[F64, F64, F64]:
    """One month of ``dynamics.advance``: the new attitudes, economic and military aid.

    ``coefficients`` are history, the aid's weight in the baseline, drift, balance and the
    aid kept after a month.
    """
    _six(a)
    moved, econ_out, mil_out = np.empty_like(a), np.empty_like(econ), np.empty_like(mil)
    _jit(_advance_loop)(
        a, num, memory, structural, econ, mil, *coefficients, moved, econ_out, mil_out
    )
    return moved, econ_out, mil_out


def commit(
    attitudes: F64,
    kept: F64,
    held: F64,
    memory: F64,
    prestige: F64,
    gained: F64,
    share: float,
    mask: B,
) -> tuple[F64, F64, F64]:
    """``sim.acts.Change.commit``'s sums: new attitudes, memory and prestige where ``mask``.

    Elsewhere each keeps its value. ``share`` is the part of a shock that is remembered.
    """
    _six(attitudes)
    out = np.empty_like(attitudes), np.empty_like(memory), np.empty_like(prestige)
    _jit(_commit_loop)(attitudes, kept, held, memory, prestige, gained, share, mask, *out)
    return out


_TABLES = (np.zeros((3, 3)), np.zeros(5), np.zeros(5, dtype=np.bool_), np.zeros(17))
"""Tables of the shapes ``structural`` takes (for ``warm``)."""


def structural(
    ideology: F64,
    bloc: npt.NDArray[np.int8],
    ties: I8,
    tables: tuple[F64, F64, B, F64],
    ideology_weight: float,
    bloc_weight: float,
    bond: float,
) -> F64:
    """``sim.dynamics._structural``: the structural part of the baseline, (R, 6, 6).

    ``tables`` are the camps' compatibility by Bloc value, each kind of tie's depth, which
    kinds bind both ways, and the weight of a count of ties (``sim.acts.weight_of``).
    ``ideology_weight`` and ``bloc_weight`` are the baseline's coefficients times 100.
    """
    out = np.empty((ideology.shape[0], ideology.shape[1], ideology.shape[1]))
    _jit(_structural_loop)(
        np.ascontiguousarray(ideology),
        np.ascontiguousarray(bloc),
        np.ascontiguousarray(ties),
        *tables,
        ideology_weight,
        bloc_weight,
        bond,
        out,
    )
    return out


def spill(kept: F64, before: F64, a: int, b: int, mean: F64, third: npt.NDArray[np.intp]) -> None:
    """``sim.acts.Change.dyad``'s spill to third states, added into ``kept`` in place.

    Each third state k's view of a moves by ``mean * before[k, b] * 0.01``, and of b by
    ``mean * before[k, a] * 0.01``; ``mean`` holds one value per replicate, or one for all.
    """
    _jit(_spill_loop)(kept, before, a, b, mean, third)


def draws(keys: npt.NDArray[np.uint64], counter: np.uint64, stream: np.uint64) -> F64:
    """``sim.rng.uniform``'s last two rounds of hashing and its scaling to [0, 1).

    ``keys`` are the replicates' keys, ``counter`` the month and draw, ``stream`` the
    stream's number, each as ``uniform`` makes them.
    """
    out = np.empty(len(keys))
    _jit(_draws_loop)(keys, counter, stream, out)
    return out


def rows_differing(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> B:
    """``sim.dynamics._rows_differing``: the replicates whose rows differ between a and b."""
    out = np.empty(len(a), dtype=np.bool_)
    _jit(_differing_loop)(a.reshape(len(a), -1), b.reshape(len(b), -1), out)
    return out


# The loops below are plain Python that numba compiles. Each line does what the numpy code
# it mirrors does, in the same order; a change to one must be made to the other (the tests
# compare them bit for bit).


def _foresee_loop(
    a: Any,
    num: Any,
    memory: Any,
    structural: Any,
    econ: Any,
    mil: Any,
    ideology: Any,
    prestige: Any,
    i: int,
    strength: Any,
    trade: Any,
    regard: Any,
    history: float,
    c_h: float,
    geometric: float,
    drift: float,
    balance: float,
    aid: float,
    decay: float,
    out: Any,
) -> None:
    n = a.shape[1]
    scale = 1.0 / (n - 1)
    total = np.empty(n)
    row = np.empty(n)
    col = np.empty(n)
    for r in range(a.shape[0]):
        for j in range(n):  # rowsum(|a|)
            acc = abs(a[r, j, 0])
            for k in range(1, n):
                acc = acc + abs(a[r, j, k])
            total[j] = acc
        for j in range(n):  # _ahead for row i and column i, zero on the diagonal
            if j == i:
                row[j] = 0.0
                col[j] = 0.0
                continue
            now = a[r, i, j]
            den = (total[i] - abs(now)) * 100.0 + 1e-9
            base = history * memory[r, i, j] + structural[r, i, j]
            received = econ[r, j, i] + mil[r, j, i]
            v = c_h * now + geometric * (drift * base + balance * (num[r, i, j] / den))
            row[j] = min(max(v + aid * received, -100.0), 100.0)
            now = a[r, j, i]
            den = (total[j] - abs(now)) * 100.0 + 1e-9
            base = history * memory[r, j, i] + structural[r, j, i]
            received = econ[r, i, j] + mil[r, i, j]
            v = c_h * now + geometric * (drift * base + balance * (num[r, j, i] / den))
            col[j] = min(max(v + aid * received, -100.0), 100.0)
        x = ideology[r, i]
        s0 = s1 = s2 = s3 = s4 = s5 = 0.0
        for j in range(n):  # utility: each sum over the actors in rowsum's order
            half = (row[j] + col[j]) * 0.5
            closeness = 1.0 - abs(x - ideology[r, j]) if j != i else 0.0
            t0 = strength[j] * col[j]
            t1 = mil[r, j, i] * decay
            t2 = econ[r, j, i] * decay
            t3 = trade[j] * (half if half > 0.0 else 0.0)
            t4 = closeness * row[j]
            t5 = regard[j] * col[j]
            if j == 0:
                s0, s1, s2, s3, s4, s5 = t0, t1, t2, t3, t4, t5
            else:
                s0 += t0
                s1 += t1
                s2 += t2
                s3 += t3
                s4 += t4
                s5 += t5
        out[r, 0] = s0 * scale + s1
        out[r, 1] = s2 + s3 * scale
        out[r, 2] = s4 * scale
        out[r, 3] = s5 + prestige[r, i]


def _product_loop(a: Any, out: Any) -> None:
    # written out for the six actors (``product`` checks the shape): the sum over k in the
    # same order, left to right, each term in a register (2.4 times as fast as a loop over k)
    for r in range(a.shape[0]):
        for i in range(6):
            p0 = a[r, i, 0] * abs(a[r, i, 0])
            p1 = a[r, i, 1] * abs(a[r, i, 1])
            p2 = a[r, i, 2] * abs(a[r, i, 2])
            p3 = a[r, i, 3] * abs(a[r, i, 3])
            p4 = a[r, i, 4] * abs(a[r, i, 4])
            p5 = a[r, i, 5] * abs(a[r, i, 5])
            for j in range(6):
                out[r, i, j] = (
                    p0 * a[r, 0, j]
                    + p1 * a[r, 1, j]
                    + p2 * a[r, 2, j]
                    + p3 * a[r, 3, j]
                    + p4 * a[r, 4, j]
                    + p5 * a[r, 5, j]
                )


def _advance_loop(
    a: Any,
    num: Any,
    memory: Any,
    structural: Any,
    econ: Any,
    mil: Any,
    history: float,
    aid: float,
    drift: float,
    balance: float,
    keep: float,
    moved: Any,
    econ_out: Any,
    mil_out: Any,
) -> None:
    # written out for the six actors (``advance`` checks the shape), the diagonal set after
    # the row rather than tested in it: a tenth faster, the same sums in the same order
    for r in range(a.shape[0]):
        for i in range(6):
            total = (
                abs(a[r, i, 0])
                + abs(a[r, i, 1])
                + abs(a[r, i, 2])
                + abs(a[r, i, 3])
                + abs(a[r, i, 4])
                + abs(a[r, i, 5])
            )
            for j in range(6):
                econ_out[r, i, j] = econ[r, i, j] * keep
                mil_out[r, i, j] = mil[r, i, j] * keep
                now = a[r, i, j]
                base = history * memory[r, i, j] + structural[r, i, j]
                base = (base + aid * (econ[r, j, i] + mil[r, j, i]) - now) * drift
                pull = (num[r, i, j] / ((total - abs(now)) * 100.0 + 1e-9) - now) * balance
                moved[r, i, j] = min(max(now + base + pull, -100.0), 100.0)
            moved[r, i, i] = 0.0


def _commit_loop(
    attitudes: Any,
    kept: Any,
    held: Any,
    memory: Any,
    prestige: Any,
    gained: Any,
    share: float,
    mask: Any,
    attitudes_out: Any,
    memory_out: Any,
    prestige_out: Any,
) -> None:
    # written out for the six actors (``commit`` checks the shape), rows left alone copied
    # element by element and the diagonal set after each row: 2.5 times as fast where the
    # act is due in a third of the replicates, a sixth faster where it is due in all
    for r in range(attitudes.shape[0]):
        if not mask[r]:
            for i in range(6):
                prestige_out[r, i] = prestige[r, i]
                for j in range(6):
                    attitudes_out[r, i, j] = attitudes[r, i, j]
                    memory_out[r, i, j] = memory[r, i, j]
            continue
        for i in range(6):
            prestige_out[r, i] = prestige[r, i] + gained[r, i]
            for j in range(6):
                v = attitudes[r, i, j] + kept[r, i, j] + held[r, i, j]
                attitudes_out[r, i, j] = min(max(v, -100.0), 100.0)
                m = kept[r, i, j] * share + memory[r, i, j]
                memory_out[r, i, j] = min(max(m, -100.0), 100.0)
            attitudes_out[r, i, i] = 0.0
            memory_out[r, i, i] = 0.0


def _structural_loop(
    ideology: Any,
    bloc: Any,
    ties: Any,
    compat: Any,
    depth: Any,
    both_ways: Any,
    weights: Any,
    ideology_weight: float,
    bloc_weight: float,
    bond: float,
    out: Any,
) -> None:
    n = ideology.shape[1]
    kinds = ties.shape[1]
    most = weights.shape[0] - 1
    for r in range(ideology.shape[0]):
        for i in range(n):
            for j in range(n):
                affinity = 1.0 - abs(ideology[r, i] - ideology[r, j])
                committed = 0.0  # commitment(): the kinds in order, each count's weight
                for k in range(kinds):
                    if depth[k] == 0.0:
                        continue
                    count = ties[r, k, i, j]
                    if not both_ways[k]:
                        count = count + ties[r, k, j, i]
                    index = int(min(count, most))
                    if index < 0:  # as numpy indexes a table from its end
                        index += most + 1
                    committed += depth[k] * weights[index]
                out[r, i, j] = (
                    ideology_weight * affinity
                    + bloc_weight * compat[bloc[r, i], bloc[r, j]]
                    + bond * committed
                )


def _differing_loop(a: Any, b: Any, out: Any) -> None:
    for r in range(a.shape[0]):
        out[r] = False
        for k in range(a.shape[1]):
            if a[r, k] != b[r, k]:
                out[r] = True
                break


def _spill_loop(kept: Any, before: Any, a: int, b: int, mean: Any, third: Any) -> None:
    one = mean.shape[0] == 1
    for r in range(kept.shape[0]):
        m = mean[0] if one else mean[r]
        for k in third:
            kept[r, k, a] = kept[r, k, a] + m * before[r, k, b] * 0.01
        for k in third:
            kept[r, k, b] = kept[r, k, b] + m * before[r, k, a] * 0.01


def _draws_loop(keys: Any, counter: Any, stream: Any, out: Any) -> None:
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    for r in range(keys.shape[0]):
        z = keys[r] ^ counter  # SplitMix64's finaliser (sim.rng._mix), twice
        z = (z ^ (z >> s30)) * m1
        z = (z ^ (z >> s27)) * m2
        z = (z ^ (z >> s31)) ^ stream
        z = (z ^ (z >> s30)) * m1
        z = (z ^ (z >> s27)) * m2
        z = z ^ (z >> s31)
        out[r] = np.float64(z >> s11) * (1.0 / 9007199254740992.0)
