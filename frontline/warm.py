"""Imported by the batch's fork server: loads the model's compiled loops once for all workers.

Every local worker is forked from the server with the loops already loaded
(``sim.kernels.warm``), instead of each loading them on its first month.
"""

from sim import kernels

kernels.warm()
