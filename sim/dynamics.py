"""Monthly attitude dynamics and the actors' utility, vectorised over replicates.

Every sum over the actor axis is written out term by term in a fixed order, or is a stack
of small matrix products that numpy computes matrix by matrix: never a reduction whose
order could depend on the array's shape. Replicate i must come out bit for bit the same
alone or inside a batch of any size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from sim.actors import N_ACTORS
from sim.schema import Dynamics
from sim.state import F64, WorldState

COMPONENTS = ("security", "economy", "ideology", "prestige")
"""The parts of an actor's utility, in the order of every utility array's last axis."""

_OFF_DIAGONAL = ~np.eye(N_ACTORS, dtype=bool)
_DIAGONAL_I = np.arange(N_ACTORS)


def rowsum(x: F64) -> F64:
    """Sum over the last axis in a fixed order (deterministic for any leading shape)."""
    acc = x[..., 0].copy()
    for k in range(1, x.shape[-1]):
        acc = acc + x[..., k]
    return acc


@dataclass(frozen=True)
class Structure:
    """What the dynamics need that does not change from month to month within a year."""

    initial: F64  # (6, 6) starting attitudes
    params: Dynamics


def affinity(s: WorldState) -> F64:
    """Ideological affinity of each pair, (R, 6, 6) in [-1, 1]: 1 - |x_i - x_j|."""
    x = s.ideology
    out: F64 = 1.0 - np.abs(x[:, :, None] - x[:, None, :])
    return out


_COMPAT = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, -1.0], [0.0, -1.0, 1.0]])
"""Camp compatibility by Bloc value: same camp +1, opposed camps -1, non-aligned 0."""


def bloc_compat(bloc: npt.NDArray[np.int8]) -> F64:
    """+1 for two states in the same camp, -1 for opposed camps, 0 if either is non-aligned."""
    out: F64 = _COMPAT[bloc[:, :, None], bloc[:, None, :]]
    return out


def balance_pull(a: F64) -> F64:
    """Heider balance: the signed product of i->k and k->j, weighted by how much i cares about k.

    ``enemy of my enemy``: if i hates k and k hates j, the pull on i->j is positive. The
    result is on the attitude scale: the weighted mean of ``A[i,k] * A[k,j] / 100`` over the
    third parties k, weighted by ``|A[i,k]|``. Because the diagonal of ``a`` is zero, the
    terms k = i and k = j vanish by themselves: the numerator is a plain sum over k, and the
    weights' total is the row's total less ``|A[i,j]|``. (The diagonal of the result is
    meaningless; ``advance`` zeroes it.)
    """
    weight = np.abs(a)
    # A stack of 6 x 6 products: numpy computes each matrix of the stack by the same routine
    # whatever the stack's size, so replicate r gets the same bits alone or in any batch
    # (tests/sim/test_determinism.py checks it).
    num: F64 = np.matmul(a * weight, a)
    den = rowsum(weight)[:, :, None] - weight
    den *= 100.0
    den += 1e-9
    np.divide(num, den, out=num)
    return num


def static_baseline(s: WorldState, st: Structure) -> F64:
    """The part of the baseline that moves only when camps or ideologies change."""
    p = st.params.baseline
    out: F64 = (
        p.history * st.initial
        + p.ideology * 100.0 * affinity(s)
        + p.bloc * 100.0 * bloc_compat(s.bloc)
    )
    return out


class StaticCache:
    """``static_baseline`` kept until a camp or an ideology moves (which is rare)."""

    def __init__(self) -> None:
        self._bloc: npt.NDArray[np.int8] | None = None
        self._ideology: F64 | None = None
        self._value: F64 | None = None

    def get(self, s: WorldState, st: Structure) -> F64:
        """The static baseline of ``s``, recomputed only if its camps or ideologies changed."""
        if (
            self._value is None
            or self._bloc is None
            or self._ideology is None
            or self._bloc.shape != s.bloc.shape
            or not np.array_equal(self._bloc, s.bloc)
            or not np.array_equal(self._ideology, s.ideology)
        ):
            self._bloc, self._ideology = s.bloc.copy(), s.ideology.copy()
            self._value = static_baseline(s, st)
        return self._value


def advance(s: WorldState, st: Structure, static: F64 | None = None) -> None:
    """Move the state one month on: drift to the baseline, balance, aid decay (in place).

    ``static`` is ``static_baseline(s, st)`` when the caller knows it has not changed (the
    AI's look-ahead, in which no camp or ideology moves).
    """
    p = st.params
    a = s.attitudes
    received = np.swapaxes(s.econ_aid + s.mil_aid, 1, 2)  # [i, j]: aid i gets from j
    fixed = static_baseline(s, st) if static is None else static
    baseline = fixed + p.baseline.aid * received
    # a + drift * (baseline - a) + balance * (H(a) - a), in place, in that order
    baseline -= a
    baseline *= p.drift
    pull = balance_pull(a)
    pull -= a
    pull *= p.balance
    moved = a + baseline
    moved += pull
    np.clip(moved, -100.0, 100.0, out=moved)
    moved[:, _DIAGONAL_I, _DIAGONAL_I] = 0.0
    s.attitudes = moved
    keep = 1.0 - p.aid_decay
    s.econ_aid = s.econ_aid * keep
    s.mil_aid = s.mil_aid * keep


def _lookahead(st: Structure, horizon: int) -> tuple[float, float, float, float]:
    """The look-ahead's scalars: c, k, the sum of c^t and the sum of c^(H-1-t) k^t."""
    p = st.params
    c = 1.0 - p.drift - p.balance
    k = 1.0 - p.aid_decay
    geometric = horizon if abs(1.0 - c) < 1e-12 else (1.0 - c**horizon) / (1.0 - c)
    mixed = sum(c ** (horizon - 1 - t) * k**t for t in range(horizon))
    return c, k, geometric, mixed


def project(s: WorldState, st: Structure, horizon: int, static: F64 | None = None) -> WorldState:
    """Where the state heads over ``horizon`` months, as the AI foresees it (a new state).

    This is the readable definition; the AI calls ``foresee``, which computes only what
    one actor's utility needs, with the same bits.

    The AI's look-ahead: the monthly dynamics of ``advance`` summed in closed form, with
    the balance target held where it stands after the option (a forecaster does not chase
    second-order ripples) and no events foreseen. With c = 1 - drift - balance and aid
    decaying by k = 1 - aid_decay a month:
    ``A_H = c^H A + (drift * static + balance * H(A)) (1 - c^H) / (1 - c)
    + drift * aid_weight * received * sum_t c^(H-1-t) k^t``.
    """
    if horizon <= 0:
        return s.copy()
    p = st.params
    c, k, geometric, mixed = _lookahead(st, horizon)
    received = np.swapaxes(s.econ_aid + s.mil_aid, 1, 2)
    fixed = static_baseline(s, st) if static is None else static
    target = p.drift * fixed + p.balance * balance_pull(s.attitudes)
    ahead = (c**horizon) * s.attitudes + geometric * target
    ahead = ahead + (p.drift * p.baseline.aid * mixed) * received
    # the other arrays do not move in the look-ahead: the projection shares them, read-only
    return replace(
        s,
        attitudes=np.where(_OFF_DIAGONAL, np.clip(ahead, -100.0, 100.0), 0.0),
        econ_aid=s.econ_aid * k**horizon,
        mil_aid=s.mil_aid * k**horizon,
    )


def _weights(i: int, military: F64, economic: F64) -> tuple[F64, F64, F64]:
    """Per other actor j, (6,): i's relative strength, relative economy, and share of power."""
    off = _OFF_DIAGONAL[i]
    strength = np.where(off, military / (military + military[i]), 0.0)
    trade = np.where(off, economic / (economic + economic[i]), 0.0)
    others = np.where(off, military, 0.0)
    return strength, trade, others / others.sum()


def utility_of(s: WorldState, i: int, military: F64, economic: F64) -> F64:
    """Actor i's utility components, shape (R, 4): security, economy, ideology, prestige.

    security: how the others regard i, each weighted by its strength relative to i's, plus
    military aid received; economy: aid received plus warm relations with larger economies;
    ideology: warmth towards the like-minded and coolness towards the opposed; prestige: how
    the others regard i weighted by their power, plus standing won by events.
    """
    a = s.attitudes
    row = a[:, i, :]  # how i regards each j
    col = a[:, :, i]  # how each j regards i
    off = _OFF_DIAGONAL[i]
    strength, trade, regard = _weights(i, military, economic)
    scale = 1.0 / (N_ACTORS - 1)
    mil_in = s.mil_aid[:, :, i]
    eco_in = s.econ_aid[:, :, i]
    warmth = np.maximum(0.0, (row + col) * 0.5)
    x = s.ideology
    closeness = 1.0 - np.abs(x[:, i][:, None] - x)
    security = rowsum(strength * col) * scale + rowsum(mil_in)
    economy = rowsum(eco_in) + rowsum(trade * warmth) * scale
    ideology = rowsum(np.where(off, closeness, 0.0) * row) * scale
    prestige = rowsum(regard * col) + s.prestige[:, i]
    return np.stack([security, economy, ideology, prestige], axis=-1)


def foresee(
    s: WorldState,
    st: Structure,
    horizon: int,
    i: int,
    military: F64,
    economic: F64,
    static: F64 | None = None,
) -> F64:
    """``utility_of(project(s, st, horizon, static), i, military, economic)``, computed fast.

    This is what the AI calls for every option. Actor i's utility reads only row i and
    column i of the projected attitudes, so only those are projected, laid out as (6, R)
    arrays (the other actor first) so that every sum over actors adds whole rows. The
    operations are those of ``project`` and ``utility_of``, in the same order, so the result
    is the same bit for bit (tests/sim/test_dynamics.py checks it) at a fraction of the cost.
    """
    if horizon <= 0:
        return utility_of(s, i, military, economic)
    p = st.params
    c, k, geometric, mixed = _lookahead(st, horizon)
    fixed = static_baseline(s, st) if static is None else static
    a = s.attitudes

    def t_(x: F64) -> F64:
        """(R, 6) -> contiguous (6, R)."""
        return np.ascontiguousarray(x.T)

    row, col = t_(a[:, i, :]), t_(a[:, :, i])  # [j, r]: how i regards j, how j regards i
    # the balance term of row i and column i, as balance_pull computes it
    weight = np.abs(a)
    num = np.matmul(a * weight, a)
    total = t_(rowsum(weight))
    row_den = total[i] - np.abs(row)
    row_den *= 100.0
    row_den += 1e-9
    col_den = total - np.abs(col)
    col_den *= 100.0
    col_den += 1e-9
    eco_in, mil_in = t_(s.econ_aid[:, :, i]), t_(s.mil_aid[:, :, i])
    # row i of ``received`` is the aid i gets, column i the aid i gives
    parts = (
        (row, t_(fixed[:, i, :]), t_(num[:, i, :]) / row_den, eco_in + mil_in),
        (
            col,
            t_(fixed[:, :, i]),
            t_(num[:, :, i]) / col_den,
            t_(s.econ_aid[:, i, :] + s.mil_aid[:, i, :]),
        ),
    )
    off = _OFF_DIAGONAL[i][:, None]
    ahead_row, ahead_col = (
        np.where(
            off,
            np.clip(
                (c**horizon) * now
                + geometric * (p.drift * base + p.balance * pull)
                + (p.drift * p.baseline.aid * mixed) * received,
                -100.0,
                100.0,
            ),
            0.0,
        )
        for now, base, pull, received in parts
    )
    decay = k**horizon
    return _utility_t(
        ahead_row, ahead_col, mil_in * decay, eco_in * decay, s, i, military, economic
    )


def _utility_t(
    row: F64,
    col: F64,
    mil_in: F64,
    eco_in: F64,
    s: WorldState,
    i: int,
    military: F64,
    economic: F64,
) -> F64:
    """``utility_of`` from (6, R) arrays: row, col and aid into i, the other actor first."""
    off = _OFF_DIAGONAL[i]
    strength, trade, regard = (w[:, None] for w in _weights(i, military, economic))
    scale = 1.0 / (N_ACTORS - 1)
    warmth = np.maximum(0.0, (row + col) * 0.5)
    x = np.ascontiguousarray(s.ideology.T)
    closeness = 1.0 - np.abs(x[i] - x)
    terms = (
        strength * col,
        mil_in,
        eco_in,
        trade * warmth,
        np.where(off[:, None], closeness, 0.0) * row,
        regard * col,
    )
    sums = []
    for term in terms:  # each sum over the actors in the order rowsum uses
        acc = term[0].copy()
        for j in range(1, N_ACTORS):
            acc += term[j]
        sums.append(acc)
    security = sums[0] * scale + sums[1]
    economy = sums[2] + sums[3] * scale
    ideology = sums[4] * scale
    prestige = sums[5] + s.prestige[:, i]
    return np.stack([security, economy, ideology, prestige], axis=-1)
