"""How numbers are printed in the timeline, the reports and the game."""

from __future__ import annotations

from sim.text import signed


def test_a_signed_number_keeps_its_sign_and_zero_has_none() -> None:
    assert signed(3.4) == "+3"
    assert signed(-2.46, 1) == "-2.5"
    assert signed(0.04, 1) == "0.0"
    assert signed(-0.3) == "0"  # never "-0": a state's panel once said "-0 back"
    assert signed(-0.004, 2) == "0.00"
    assert signed(0.0) == "0"
