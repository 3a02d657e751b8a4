"""Monthly attitude dynamics and the actors' utility, vectorised over replicates.

Every sum over the actor axis is written out term by term in a fixed order, or is a stack
of small matrix products that numpy computes matrix by matrix: never a reduction whose
order could depend on the array's shape. Replicate i must come out bit for bit the same
alone or inside a batch of any size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim import kernels
from sim.actors import N_ACTORS
from sim.acts import _BOTH_WAYS, _WEIGHTS, DEPTH, commitment
from sim.schema import Dynamics
from sim.state import F64, I8, B, WorldState, anywhere, in_place_writes, where_true

COMPONENTS = ("security", "economy", "ideology", "prestige")
"""The parts of an actor's utility, in the order of every utility array's last axis."""

_OFF_DIAGONAL = ~np.eye(N_ACTORS, dtype=bool)
_DIAGONAL_I = np.arange(N_ACTORS)


def rowsum(x: F64) -> F64:
    """Sum over the last axis in a fixed order (deterministic for any leading shape)."""
    acc = x[..., 0].copy()
    for k in range(1, x.shape[-1]):
        acc += x[..., k]  # in place: the same sums, no new array for each
    return acc


@dataclass(frozen=True)
class Structure:
    """The coefficients of the dynamics: the scenario's ``dynamics`` and the rules' ``bond``."""

    params: Dynamics
    bond: float


def affinity(s: WorldState) -> F64:
    """Ideological affinity of each pair, (R, 6, 6) in [-1, 1]: 1 - |x_i - x_j|."""
    return _affinity(s.ideology)


def _affinity(x: F64) -> F64:
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
    num = _product(a, weight)
    den = rowsum(weight)[:, :, None] - weight
    den *= 100.0
    den += 1e-9
    np.divide(num, den, out=num)
    return num


def _product(a: F64, weight: F64 | None = None) -> F64:
    """The balance term's sum over third parties, ``(a * |a|) @ a``, (R, 6, 6).

    ``weight`` is ``|a|``, where the caller has it.

    Written out as a sum over k = 0, 1, ..., 5 in that order, not left to a linear algebra
    library (whose kernels choose their own order and may fuse a multiply and an add): each
    element is rounded the same way on any processor, for any number of replicates, and
    the compiled loop (``sim.kernels.product``) gives the same bits.
    """
    if kernels.active():
        return kernels.product(a)
    p = a * (np.abs(a) if weight is None else weight)
    terms = p[:, :, :, None] * a[:, None, :, :]  # [r, i, k, j]
    out: F64 = terms[:, :, 0].copy()
    for k in range(1, a.shape[2]):
        out += terms[:, :, k]
    return out


def structural_baseline(s: WorldState, st: Structure) -> F64:
    """The part of the baseline that moves only when camps, ideologies or commitments do.

    ``ideology * 100 * affinity + bloc * 100 * camps + bond * commitments``: how alike two
    states are, whether they stand in the same camp, and the commitments in force between
    them (``sim.acts.commitment``).
    """
    return _structural(s.ideology, s.bloc, s.ties, st)


def _structural(ideology: F64, bloc: npt.NDArray[np.int8], ties: I8, st: Structure) -> F64:
    """``structural_baseline`` from its three arrays (each replicate's row from its own)."""
    p = st.params.baseline
    if kernels.active():
        return kernels.structural(
            ideology, bloc, ties, _TABLES, p.ideology * 100.0, p.bloc * 100.0, st.bond
        )
    out: F64 = (
        p.ideology * 100.0 * _affinity(ideology)
        + p.bloc * 100.0 * bloc_compat(bloc)
        + st.bond * commitment(ties)
    )
    return out


_TABLES = (_COMPAT, DEPTH, _BOTH_WAYS, _WEIGHTS)
"""What ``commitment`` and ``bloc_compat`` read, for the compiled ``_structural``."""


def static_baseline(s: WorldState, st: Structure, structural: F64 | None = None) -> F64:
    """The baseline less the aid term: ``history * memory`` plus ``structural_baseline``.

    What the world remembers moves with every shock; the rest only when something
    structural happens, so a caller may pass ``structural`` when it knows it is current.
    """
    fixed = structural_baseline(s, st) if structural is None else structural
    out: F64 = st.params.baseline.history * s.memory + fixed
    return out


def _rows_differing(a: npt.NDArray[np.generic], b: npt.NDArray[np.generic]) -> B:
    """The replicates whose rows differ between two arrays of the same shape."""
    if kernels.active():
        return kernels.rows_differing(a, b)
    out: B = (a != b).reshape(len(a), -1).any(axis=1)
    return out


class StaticCache:
    """``structural_baseline``, kept until camps, ideologies or ties move.

    When they move in a few replicates only (a pact joined in one run of a thousand), only
    those replicates' rows are computed again: every row depends on its own replicate alone.
    """

    _FIELDS = ("ideology", "bloc", "ties")
    _FEW = 0.25
    """Below this share of replicates moved, the moved rows alone are computed again."""

    def __init__(self) -> None:
        self._arrays: tuple[npt.NDArray[np.generic], ...] = ()
        self._seen: tuple[npt.NDArray[np.generic], ...] = ()
        self._value: F64 | None = None
        self._writes: tuple[int, ...] = ()

    def each(
        self, states: list[WorldState], st: Structure, first_value: F64 | None = None
    ) -> list[F64]:
        """The structural part of the static baseline of a state and of states made from it.

        The first state goes through the cache, unless the caller knows its value
        (``first_value``: the value is not checked). Each other state's structural part is the
        first's, recomputed only in the rows where its camps, ideologies or ties differ from
        the first's: an option's trial shares the arrays it did not write, and differs only
        in the replicates where it wrote them. The cache keeps the first state alone, so a
        decision's trials never push each other out of it. (Read the arrays: the first is
        the cache's own.)
        """
        first = states[0]
        fixed = self.structural(first, st) if first_value is None else first_value
        out = []
        for x in states:
            value = fixed
            moved: B | None = None
            for name in self._FIELDS:
                new, old = getattr(x, name), getattr(first, name)
                if new is not old:
                    differs = _rows_differing(new, old)
                    moved = differs if moved is None else moved | differs
            if moved is not None and anywhere(moved):
                rows = where_true(moved)
                value = fixed.copy()
                value[rows] = self._compute(tuple(getattr(x, n)[rows] for n in self._FIELDS), st)
            out.append(value)
        return out

    def structural(self, s: WorldState, st: Structure) -> F64:
        """The structural part of the static baseline of ``s`` (the cache's own array: read it).

        The same arrays as last time are a hit at once, unless some state has written into
        its own camps, ideologies or ties since (``sim.state.in_place_writes``): an array
        that is still the same object, and that nothing has written into, still holds the
        same values. Otherwise the arrays are compared by value, row by row, with the values
        the cache has seen.
        """
        now = tuple(getattr(s, name) for name in self._FIELDS)
        writes = tuple(in_place_writes((name,)) for name in self._FIELDS)
        value = self._value
        if (
            value is not None
            and writes == self._writes
            and all(a is b for a, b in zip(self._arrays, now, strict=True))
        ):
            return value
        if value is None or not self._seen or self._seen[0].shape != now[0].shape:
            self._seen = tuple(a.copy() for a in now)
            self._value = value = self._compute(now, st)
        else:
            moved = np.zeros(len(value), dtype=bool)
            for old, new, seen, before, after in zip(
                self._arrays, now, self._seen, self._writes, writes, strict=True
            ):
                if old is not new or before != after:  # another array, or written into
                    moved |= _rows_differing(new, seen)
            count = np.count_nonzero(moved)
            if count:
                if count >= self._FEW * len(moved):
                    self._seen = tuple(a.copy() for a in now)
                    self._value = value = self._compute(now, st)
                else:
                    rows = where_true(moved)
                    for seen, new in zip(self._seen, now, strict=True):
                        seen[rows] = new[rows]
                    value[rows] = self._compute(tuple(a[rows] for a in now), st)
        self._arrays = now
        self._writes = writes
        return value

    @staticmethod
    def _compute(arrays: tuple[npt.NDArray[np.generic], ...], st: Structure) -> F64:
        ideology, bloc, ties = arrays
        return _structural(ideology, bloc, ties, st)  # type: ignore[arg-type]


def advance(s: WorldState, st: Structure, structural: F64 | None = None) -> None:
    """Move the state one month on: drift to the baseline, balance, aid decay (in place).

    ``structural`` is ``structural_baseline(s, st)`` when the caller has it (the model's
    ``StaticCache``). With numba, ``sim.kernels.advance`` does the same sums in one loop.
    """
    p = st.params
    a = s.attitudes
    fixed = structural_baseline(s, st) if structural is None else structural
    keep = 1.0 - p.aid_decay
    if kernels.active():
        coefficients = (p.baseline.history, p.baseline.aid, p.drift, p.balance, keep)
        attitudes, econ, mil = kernels.advance(
            a, _product(a), s.memory, fixed, s.econ_aid, s.mil_aid, coefficients
        )
        s.adopt(attitudes=attitudes, econ_aid=econ, mil_aid=mil)
        return
    received = np.swapaxes(s.econ_aid + s.mil_aid, 1, 2)  # [i, j]: aid i gets from j
    baseline = static_baseline(s, st, fixed) + p.baseline.aid * received
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
    s.adopt(attitudes=moved, econ_aid=s.econ_aid * keep, mil_aid=s.mil_aid * keep)


def _lookahead(st: Structure, horizon: int) -> tuple[float, float, float, float]:
    """The look-ahead's scalars: c, k, the sum of c^t and the sum of c^(H-1-t) k^t."""
    p = st.params
    return _scalars(p.drift, p.balance, p.aid_decay, horizon)


@functools.lru_cache(maxsize=64)
def _scalars(
    drift: float, balance: float, aid_decay: float, horizon: int
) -> tuple[float, float, float, float]:
    c = 1.0 - drift - balance
    k = 1.0 - aid_decay
    geometric = horizon if abs(1.0 - c) < 1e-12 else (1.0 - c**horizon) / (1.0 - c)
    mixed = sum(c ** (horizon - 1 - t) * k**t for t in range(horizon))
    return c, k, geometric, mixed


def _ahead(now: F64, base: F64, pull: F64, received: F64, st: Structure, horizon: int) -> F64:
    """The look-ahead's closed form for any slice of the attitudes (the one formula).

    With c = 1 - drift - balance and aid decaying by k = 1 - aid_decay a month:
    ``A_H = c^H A + (drift * static + balance * H(A)) (1 - c^H) / (1 - c)
    + drift * aid_weight * received * sum_t c^(H-1-t) k^t``, clipped to the scale.
    """
    p = st.params
    c, _, geometric, mixed = _lookahead(st, horizon)
    out: F64 = np.clip(
        (c**horizon) * now
        + geometric * (p.drift * base + p.balance * pull)
        + (p.drift * p.baseline.aid * mixed) * received,
        -100.0,
        100.0,
    )
    return out


def project(s: WorldState, st: Structure, horizon: int, static: F64 | None = None) -> WorldState:
    """Where the state heads over ``horizon`` months, as the AI foresees it (a new state).

    The AI's look-ahead: the monthly dynamics of ``advance`` summed in closed form
    (``_ahead``), with the balance target held where it stands after the option (a
    forecaster does not chase second-order ripples). ``foresee`` computes the same for the
    one actor whose utility the AI needs.
    """
    if horizon <= 0:
        return s.copy()
    k = 1.0 - st.params.aid_decay
    received = np.swapaxes(s.econ_aid + s.mil_aid, 1, 2)
    fixed = static_baseline(s, st) if static is None else static
    ahead = _ahead(s.attitudes, fixed, balance_pull(s.attitudes), received, st, horizon)
    # the other arrays do not move in the look-ahead: the projection shares them, read-only
    return s.derived(
        attitudes=np.where(_OFF_DIAGONAL, ahead, 0.0),
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


def _t(x: F64) -> F64:
    """(R, 6) -> contiguous (6, R): the other actor first, so sums over actors add rows."""
    return np.ascontiguousarray(x.T)


def utility_of(s: WorldState, i: int, military: F64, economic: F64) -> F64:
    """Actor i's utility components now, shape (R, 4): security, economy, ideology, prestige.

    See ``utility`` for the definition.
    """
    a = s.attitudes
    return utility(
        _t(a[:, i, :]),
        _t(a[:, :, i]),
        _t(s.mil_aid[:, :, i]),
        _t(s.econ_aid[:, :, i]),
        s,
        i,
        military,
        economic,
    )


def foresee(
    s: WorldState,
    st: Structure,
    horizon: int,
    i: int,
    military: F64,
    economic: F64,
    structural: F64 | None = None,
) -> F64:
    """Actor i's utility after ``horizon`` months of the look-ahead, shape (R, 4).

    This is ``utility_of(project(s, st, horizon), i, ...)``, computed for the only part of
    the state that actor i's utility reads, row i and column i of the attitudes, laid out as
    (6, R) arrays (the other actor first) so that every sum over actors adds whole rows. It
    uses the same formula (``_ahead``) and the same utility (``utility``) as the readable
    path, so both give the same bits (tests/sim/test_dynamics.py checks it); with numba,
    ``sim.kernels.foresee`` does the same sums in one loop. ``structural`` is
    ``structural_baseline(s, st)`` when the caller has it.
    """
    if horizon <= 0:
        return utility_of(s, i, military, economic)
    fixed = structural_baseline(s, st) if structural is None else structural
    if kernels.active():
        return _foresee_compiled(s, fixed, _compiled_terms(st, horizon, i, military, economic))
    k = 1.0 - st.params.aid_decay
    a = s.attitudes
    static = static_baseline(s, st, fixed)
    row, col = _t(a[:, i, :]), _t(a[:, :, i])  # [j, r]: how i regards j, how j regards i
    # the balance term of row i and column i, as balance_pull computes it
    weight = np.abs(a)
    num = _product(a, weight)
    total = _t(rowsum(weight))
    row_den = total[i] - np.abs(row)
    row_den *= 100.0
    row_den += 1e-9
    col_den = total - np.abs(col)
    col_den *= 100.0
    col_den += 1e-9
    eco_in, mil_in = _t(s.econ_aid[:, :, i]), _t(s.mil_aid[:, :, i])
    # row i of ``received`` is the aid i gets, column i the aid i gives
    parts = (
        (row, _t(static[:, i, :]), _t(num[:, i, :]) / row_den, eco_in + mil_in),
        (
            col,
            _t(static[:, :, i]),
            _t(num[:, :, i]) / col_den,
            _t(s.econ_aid[:, i, :] + s.mil_aid[:, i, :]),
        ),
    )
    off = _OFF_DIAGONAL[i][:, None]
    ahead_row, ahead_col = (
        np.where(off, _ahead(now, base, pull, received, st, horizon), 0.0)
        for now, base, pull, received in parts
    )
    decay = k**horizon
    return utility(ahead_row, ahead_col, mil_in * decay, eco_in * decay, s, i, military, economic)


def _compiled_terms(
    st: Structure, horizon: int, i: int, military: F64, economic: F64
) -> tuple[int, tuple[F64, F64, F64], tuple[float, ...]]:
    """What ``sim.kernels.foresee`` takes besides the state: the actor, weights, coefficients."""
    p = st.params
    c, k, geometric, mixed = _lookahead(st, horizon)
    coefficients = (
        p.baseline.history,
        c**horizon,
        geometric,
        p.drift,
        p.balance,
        p.drift * p.baseline.aid * mixed,
        k**horizon,
    )
    return i, _weights(i, military, economic), coefficients


def _foresee_compiled(
    s: WorldState, structural: F64, terms: tuple[int, tuple[F64, F64, F64], tuple[float, ...]]
) -> F64:
    """``foresee`` by the compiled loop (``_compiled_terms`` gives ``terms``)."""
    i, weights, coefficients = terms
    a = s.attitudes
    return kernels.foresee(
        a,
        _product(a),
        s.memory,
        structural,
        s.econ_aid,
        s.mil_aid,
        s.ideology,
        s.prestige,
        i,
        weights,
        coefficients,
    )


UTILITY_READS = ("attitudes", "memory", "econ_aid", "mil_aid", "ideology", "prestige")
"""The state's arrays that ``foresee`` and ``utility`` read (besides the structural part)."""


def foresee_each(
    states: list[WorldState],
    st: Structure,
    horizon: int,
    i: int,
    military: F64,
    economic: F64,
    structurals: list[F64],
) -> list[F64]:
    """``foresee`` for several states of R replicates each: one (R, 4) per state.

    ``structurals`` are their ``structural_baseline``. With numba, each state is one
    compiled loop. Without, the states are laid one after another on the replicate axis
    (only the arrays a utility reads are joined), so that a decision's options and foreseen
    events cost one look-ahead instead of one each. Every replicate's result depends on its
    own row alone, so each state's part has the same bits as ``foresee`` on that state.
    """
    if horizon > 0 and kernels.active():
        terms = _compiled_terms(st, horizon, i, military, economic)
        return [
            _foresee_compiled(x, fixed, terms) for x, fixed in zip(states, structurals, strict=True)
        ]
    if len(states) == 1:
        return [foresee(states[0], st, horizon, i, military, economic, structurals[0])]
    joined = states[0].derived(
        **{name: np.concatenate([getattr(x, name) for x in states]) for name in UTILITY_READS},
    )
    both = foresee(joined, st, horizon, i, military, economic, np.concatenate(structurals))
    r = states[0].replicates
    return [both[k * r : (k + 1) * r] for k in range(len(states))]


def utility(
    row: F64,
    col: F64,
    mil_in: F64,
    eco_in: F64,
    s: WorldState,
    i: int,
    military: F64,
    economic: F64,
) -> F64:
    """Actor i's utility components, (R, 4), from (6, R) arrays (the other actor first).

    ``row[j]`` is how i regards j, ``col[j]`` how j regards i, ``mil_in``/``eco_in`` the aid i
    receives from j. The parts, each on a roughly -100..100 scale:
    security: how the others regard i, each weighted by its strength relative to i's, plus
    military aid received; economy: aid received plus warm relations with larger economies;
    ideology: warmth towards the like-minded and coolness towards the opposed; prestige: how
    the others regard i weighted by their power, plus standing won by events. Every sum over
    the actors runs in the same order whatever R is.
    """
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
