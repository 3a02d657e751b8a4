"""Material capabilities of the six states, year by year, from the Correlates of War record.

Source: Singer, Bremer & Stuckey (1972); National Material Capabilities v7.0, Correlates
of War Project (see ``sim/data/README.md``). Power in the model follows this record
instead of a guess: an actor's military weight is its share of the six states' CINC,
its economic weight its share of their primary energy consumption.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from sim.actors import ACTORS, INDEX, N_ACTORS

DATA_FILE = "cow_nmc_v7_six_states_1946_1991.csv"
FIRST_YEAR, LAST_YEAR = 1946, 1991


@dataclass(frozen=True)
class Capabilities:
    """Shares of the six states' totals, ``military[year - FIRST_YEAR, actor]`` etc."""

    military: npt.NDArray[np.float64]
    economic: npt.NDArray[np.float64]

    def for_year(self, year: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Military and economic shares in a year (clamped to the record's years)."""
        k = min(max(year, FIRST_YEAR), LAST_YEAR) - FIRST_YEAR
        return self.military[k], self.economic[k]


def _fill(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Fill missing years from the nearest earlier year, else the nearest later one."""
    out = values.copy()
    for a in range(out.shape[1]):
        col = out[:, a]
        for k in range(1, len(col)):
            if np.isnan(col[k]):
                col[k] = col[k - 1]
        for k in range(len(col) - 2, -1, -1):
            if np.isnan(col[k]):
                col[k] = col[k + 1]
    return np.nan_to_num(out, nan=0.0)


@cache
def load_capabilities() -> Capabilities:
    """Read the shipped record once per process."""
    years = LAST_YEAR - FIRST_YEAR + 1
    cinc = np.full((years, N_ACTORS), np.nan)
    pec = np.full((years, N_ACTORS), np.nan)
    text = resources.files("sim").joinpath("data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["state"] not in INDEX:
            continue
        k, a = int(row["year"]) - FIRST_YEAR, INDEX[row["state"]]
        if 0 <= k < years:
            cinc[k, a] = float(row["cinc"]) if row["cinc"] else np.nan
            pec[k, a] = float(row["pec"]) if row["pec"] else np.nan
    cinc, pec = _fill(cinc), _fill(pec)
    floor = 1e-4  # a state missing from the record still has some weight
    cinc = np.maximum(cinc, floor)
    pec = np.maximum(pec, floor)
    military = cinc / cinc.sum(axis=1, keepdims=True)
    economic = pec / pec.sum(axis=1, keepdims=True)
    return Capabilities(military, economic)


__all__ = ["ACTORS", "Capabilities", "load_capabilities"]
