"""``frontline play``: its arguments, their checks, and the start of the game.

This module imports neither pygame nor the model at import time, so that the ``frontline``
command starts as fast as before; ``play`` imports the game when it runs.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from frontline.argtypes import given, seed

ACTOR_CHOICES = ("PAK", "USSR", "USA", "IND", "CHN", "AFG")
EXIT_BAD_INPUT = 2
UI_SCALE_RANGE = (0.75, 2.0)
"""The least and the most ``--ui-scale`` takes: the ends of ``game.look.SCALES``, whose every
screen is checked to fit (this module does not import pygame, so the values are written twice)."""
SMALLEST_WINDOW = (960, 600)
"""The smallest window ``--size`` takes (once open, the window may be dragged smaller, down to
``App.least_window``, and its UI scale follows)."""


@dataclass(frozen=True)
class PlayOptions:
    """What ``frontline play`` was asked to do, checked."""

    scenario: str | None = None
    actor: str | None = None
    seed: int = 0
    load: Path | None = None
    difficulty: str = "historical"
    reveal: bool = True
    autoplay: bool = False
    until: str | None = None
    screenshots: Path | None = None
    size: tuple[int, int] | None = None  # None: 1280x800, or less on a smaller screen
    fullscreen: bool = False
    ui_scale: float | None = None


def add_play_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``frontline play``."""
    parser.add_argument(
        "scenario",
        nargs="?",
        type=given("a scenario's built-in name or path"),
        help="built-in name or path (default: baseline)",
    )
    parser.add_argument(
        "--as", dest="actor", type=str.upper, choices=ACTOR_CHOICES, help="the state you lead"
    )
    parser.add_argument(
        "--seed", type=seed, default=0, help="random seed, 0 to 2**63 - 1 (default 0)"
    )
    parser.add_argument("--load", metavar="SAVE", help="continue a saved game (a .json save)")
    parser.add_argument(
        "--difficulty",
        choices=("relaxed", "historical", "sharp"),
        default="historical",
        help="how sharply the other states play (default: historical)",
    )
    parser.add_argument(
        "--hide-history",
        action="store_true",
        help="do not reveal what really happened until the debrief",
    )
    parser.add_argument(
        "--autoplay",
        action="store_true",
        help="demo mode: the AI takes your decisions, through the real screens, then exit 0",
    )
    parser.add_argument("--until", metavar="YYYY-MM", help="with --autoplay: stop at this month")
    parser.add_argument("--screenshots", metavar="DIR", help="save one PNG of each screen type")
    parser.add_argument(
        "--size",
        metavar="WxH",
        help="window size (default 1280x800, or less where the screen is smaller)",
    )
    parser.add_argument("--fullscreen", action="store_true", help="start in fullscreen (F11)")
    parser.add_argument(
        "--ui-scale", type=float, metavar="S", help="text and layout scale (default: fits window)"
    )


def window_size(text: str) -> tuple[int, int]:
    """``--size WxH`` as (width, height); ValueError with a message if it is not one."""
    match = re.fullmatch(r"([0-9]{1,5})[xX]([0-9]{1,5})", text.strip())
    if not match:
        raise ValueError(f"--size: expected WIDTHxHEIGHT such as 1280x800, got {text!r}")
    size = (int(match.group(1)), int(match.group(2)))
    if size[0] < SMALLEST_WINDOW[0] or size[1] < SMALLEST_WINDOW[1]:
        least = "x".join(str(n) for n in SMALLEST_WINDOW)
        raise ValueError(f"--size: the smallest window is {least}, got {text}")
    return size


def check(args: argparse.Namespace) -> PlayOptions:
    """The arguments as ``PlayOptions``; ValueError with a message if one is wrong."""
    size = None if args.size is None else window_size(args.size)
    if args.until is not None:
        if not args.autoplay:
            raise ValueError("--until works with --autoplay")
        if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", args.until):
            raise ValueError(f"--until: expected a month as YYYY-MM, got {args.until!r}")
    if args.autoplay and args.actor is None and args.load is None:
        raise ValueError("--autoplay needs --as ACTOR (or --load SAVE)")
    low, high = UI_SCALE_RANGE
    if args.ui_scale is not None and not low <= args.ui_scale <= high:
        raise ValueError(
            f"--ui-scale: expected a value from {low:g} to {high:g}, got {args.ui_scale:g}"
        )
    if args.load is not None and args.scenario is not None:
        raise ValueError("give a SCENARIO or --load SAVE, not both")
    return PlayOptions(
        scenario=args.scenario,
        actor=args.actor,
        seed=args.seed,
        load=Path(args.load) if args.load else None,
        difficulty=args.difficulty,
        reveal=not args.hide_history,
        autoplay=args.autoplay,
        until=args.until,
        screenshots=Path(args.screenshots) if args.screenshots else None,
        size=size,
        fullscreen=args.fullscreen,
        ui_scale=args.ui_scale,
    )


def play(args: argparse.Namespace) -> int:
    """Run ``frontline play``: 0 when the player quits or the demo ends, 2 on bad input."""
    try:
        options = check(args)
    except ValueError as exc:
        sys.stderr.write(f"frontline play: {exc}\n")
        return EXIT_BAD_INPUT
    from game.saves import SaveError, read_save
    from game.session import GameError, Session, Settings

    session = None
    try:
        if options.load is not None:
            session = read_save(options.load)
        elif options.actor is not None:
            settings = Settings(
                options.scenario or "baseline",
                options.actor,
                options.seed,
                options.difficulty,
                options.reveal,
            )
            session = Session.start(settings)
        elif options.scenario is not None:
            from sim.scenario import load_scenario

            load_scenario(options.scenario)  # a bad file is reported before the window opens
    except SaveError as exc:
        sys.stderr.write(f"frontline play: {exc}\n")
        return EXIT_BAD_INPUT
    except GameError as exc:
        sys.stderr.write(f"frontline play: {exc}\n")
        return EXIT_BAD_INPUT
    if (
        session is not None
        and options.until is not None
        and options.until <= session.capital_month()
    ):
        # the demo would stop before its first month: say so rather than show an empty debrief
        where = "where the save is" if options.load is not None else "where the scenario starts"
        sys.stderr.write(
            f"frontline play: --until {options.until}: expected a month after "
            f"{session.capital_month()}, {where}\n"
        )
        return EXIT_BAD_INPUT
    from game.app import App

    return App(options, session).run()
