"""The game's window, its loop, and the stack of screens.

One loop, sixty frames a second: events go to pygame_gui and then to the top screen; the
top screen updates (the model advances there, in small steps); every visible screen draws;
the widgets draw over them. Transitions between screens are applied in ``App.apply`` only.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from pathlib import Path
from typing import Any

import pygame
import pygame_gui

from game import look
from game.forecast import Forecaster
from game.options import PlayOptions
from game.screen import Pop, Push, Quit, Replace, Screen, Transition
from game.session import Session

FPS = 60


class App:
    """The window, the UI manager, the screen stack and the shared services of the screens."""

    def __init__(self, options: PlayOptions, session: Session | None = None) -> None:
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # the game makes no sound
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption("Frontline State")
        pygame.key.set_repeat(400, 60)
        self.options = options
        self.fullscreen = False
        self.first_size = options.size or look.first_window(
            pygame.display.get_desktop_sizes(), pygame.display.get_driver()
        )
        self.window = self._windowed(self.first_size)
        # the UI scale asked for (--ui-scale, - and =, or what suits the window), and the one
        # shown: the same, or less if the screens would not fit the window at it
        self.wanted = options.ui_scale or look.auto_scale(self.first_size)
        self.scale = look.fitting_scale(self.size, self.wanted)
        self.manager = self._new_manager()
        self.stack: list[Screen] = []
        self.clock = pygame.time.Clock()
        self.fps = FPS  # frames per second at most (0: as fast as it goes, for tests)
        self.forecaster = Forecaster()
        self.status: int | None = None
        self.shots: dict[str, Path] = {}
        self.frame_times: list[float] = []
        self._opened_at: dict[int, float] = {}
        self._notice: Any = None
        self._notice_until = 0.0
        if options.fullscreen:
            self.toggle_fullscreen()
        from game.screens.title import TitleScreen

        self.push(TitleScreen(session))
        if self.scale < self.wanted:
            self.notify(self.scale_words(), 6.0)

    # ------------------------------------------------------------------ services

    @staticmethod
    def _windowed(size: tuple[int, int]) -> pygame.Surface:
        """A resizable window of ``size`` that the player cannot drag below ``least_window``."""
        window = pygame.display.set_mode(size, pygame.RESIZABLE)
        with contextlib.suppress(pygame.error), warnings.catch_warnings():
            # pygame-ce warns that the display module's window is better drawn through Window;
            # the game only sets its minimum (a display without windows has none)
            warnings.simplefilter("ignore", DeprecationWarning)
            pygame.Window.from_display_module().minimum_size = App.least_window()
        return window

    @staticmethod
    def least_window() -> tuple[int, int]:
        """The smallest window in which the screens fit, at the smallest UI scale."""
        return look.window_for(look.SCALES[0])

    @property
    def too_small(self) -> bool:
        """Whether no screen fits the window even at the smallest UI scale.

        A window manager may ignore the window's minimum size (or a full screen be smaller):
        then the screens keep no widgets and the game waits, saying how large a window it needs,
        instead of drawing text outside its boxes.
        """
        need = self.least_window()
        return self.size[0] < need[0] or self.size[1] < need[1]

    @property
    def size(self) -> tuple[int, int]:
        """The window's size in pixels."""
        return self.window.get_size()

    def px(self, value: float) -> int:
        """A layout length at the current UI scale."""
        return round(value * self.scale)

    def _new_manager(self) -> pygame_gui.UIManager:
        manager = pygame_gui.UIManager(self.size, look.scaled_theme(self.scale))
        fonts: list[dict[str, str | int | float]] = []
        for name, size, _bold, _italic in look.font_sizes(self.scale):
            # text boxes use <b> and <i> at every size, so each size comes in every style
            fonts += [
                {"name": name, "point_size": size, "style": style}
                for style in ("regular", "bold", "italic", "bold_italic")
            ]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*already loaded")
            manager.preload_fonts(fonts)
        return manager

    def notify(self, text: str, seconds: float = 4.0) -> None:
        """Show a short message at the bottom of the window (saved, exported, …)."""
        if self._notice is not None:
            self._notice.kill()
        w, h = self.size
        width = min(w - self.px(40), self.px(760))
        self._notice = pygame_gui.elements.UITextBox(
            text,
            pygame.Rect((w - width) // 2, h - self.px(70), width, self.px(56)),
            self.manager,
            object_id="#notice",
            starting_height=50,
        )
        self._notice_until = time.monotonic() + seconds

    def toggle_fullscreen(self) -> None:
        """Switch between a window and the full screen (F11)."""
        self.fullscreen = not self.fullscreen
        if self.fullscreen:
            self.window = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        else:
            self.window = self._windowed(self.first_size)
        self.relayout()

    def set_scale(self, scale: float) -> None:
        """Ask for a UI scale (- and = keys); rebuild the screens at it, or less if it won't fit."""
        self.wanted = min(max(scale, look.SCALES[0]), look.SCALES[-1])
        self.relayout(new_manager=True)

    def step_scale(self, direction: int) -> None:
        """The next smaller or larger UI scale than the one shown, and say which is shown."""
        scales = list(look.SCALES)
        nearest = min(range(len(scales)), key=lambda k: abs(scales[k] - self.scale))
        k = min(max(nearest + direction, 0), len(scales) - 1)
        self.set_scale(scales[k])
        self.notify(self.scale_words(), 2.0 if self.scale >= self.wanted else 5.0)

    def scale_words(self) -> str:
        """The UI scale shown, and, if it is less than the one asked for, why."""
        if self.scale >= self.wanted:
            return f"UI scale {self.scale:g}"
        w, h = look.window_for(self.wanted)
        return f"UI scale {self.wanted:g} needs a window of {w}x{h} or more: showing {self.scale:g}"

    def relayout(self, new_manager: bool = False) -> None:
        """Rebuild the widgets after the window or the scale changed."""
        scale = look.fitting_scale(self.size, self.wanted)
        changed = scale != self.scale
        self.scale = scale
        new_manager = new_manager or changed
        for screen in self.visible():
            screen.clear()
        if self._notice is not None:
            self._notice.kill()
            self._notice = None
        if new_manager:
            self.manager = self._new_manager()
        else:
            self.manager.set_window_resolution(self.size)
        if self.too_small:
            return
        for screen in self.visible():
            screen.build()
        if changed and self.scale < self.wanted:
            self.notify(self.scale_words(), 5.0)

    def shoot(self, kind: str) -> Path | None:
        """Save one screenshot of a screen type into --screenshots DIR (once per type)."""
        folder = self.options.screenshots
        if folder is None or kind in self.shots:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        self.manager.update(0.0)  # widgets made this frame draw only after an update
        self.render()
        path = folder / f"{kind}.png"
        pygame.image.save(self.window, str(path))
        self.shots[kind] = path
        return path

    # ------------------------------------------------------------------ the stack

    def visible(self) -> list[Screen]:
        """The screens drawn now: the top one and, under overlays, those down to a full one."""
        first = len(self.stack) - 1
        while first > 0 and self.stack[first].overlay:
            first -= 1
        return self.stack[first:]

    @property
    def top(self) -> Screen:
        """The screen that gets the input."""
        return self.stack[-1]

    def push(self, screen: Screen) -> None:
        """Open a screen on top (the screens it hides lose their widgets until it closes)."""
        if self.stack and not screen.overlay:
            for hidden in self.visible():
                hidden.clear()
        self.stack.append(screen)
        self._opened_at[id(screen)] = time.monotonic()
        screen.open(self)

    def apply(self, transition: Transition | None) -> None:
        """Apply a screen's transition: the only place where screens change."""
        if transition is None:
            return
        if isinstance(transition, Quit):
            self.status = transition.status
        elif isinstance(transition, Push):
            self.push(transition.screen)
        elif isinstance(transition, Pop):
            closing = self.stack.pop()
            closing.close()
            if not self.stack:
                self.status = 0
                return
            if not closing.overlay:
                for shown in self.visible():
                    shown.build()
            self.apply(self.top.resume(transition.result))
        elif isinstance(transition, Replace):
            closing = self.stack.pop()
            closing.close()
            self.push(transition.screen)

    # ------------------------------------------------------------------ the loop

    def handle(self, event: pygame.event.Event) -> None:
        """One event: window events, global keys, the widgets, then the top screen."""
        if event.type == pygame.QUIT:
            self.status = 0
            return
        if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.window = pygame.display.get_surface() or self.window
            size = self.window.get_size()
            if size != self.manager.window_resolution:
                self.relayout()
            return
        if self.too_small:  # only F11 and closing work until the window is large enough
            if event.type == pygame.KEYDOWN and event.key == pygame.K_F11:
                self.toggle_fullscreen()
            return
        if event.type == pygame.KEYDOWN and self._global_key(event):
            return
        consumed = self.manager.process_events(event)
        if consumed and event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            return
        self.apply(self.top.handle(event))

    def _global_key(self, event: pygame.event.Event) -> bool:
        if event.key == pygame.K_F11:
            self.toggle_fullscreen()
            return True
        if event.key == pygame.K_F1:
            from game.screens.help import HelpScreen

            if isinstance(self.top, HelpScreen):
                self.apply(Pop())
            else:
                self.apply(Push(HelpScreen()))
            return True
        if event.key == pygame.K_MINUS or event.key == pygame.K_KP_MINUS:
            self.step_scale(-1)
            return True
        if event.key in (pygame.K_EQUALS, pygame.K_PLUS, pygame.K_KP_PLUS):
            self.step_scale(+1)
            return True
        return False

    def update(self, dt: float) -> None:
        """Advance the top screen (and the demo, in autoplay); not while the window is too small."""
        if self.too_small:
            return
        self.manager.update(dt)
        if self._notice is not None and time.monotonic() > self._notice_until:
            self._notice.kill()
            self._notice = None
        self.apply(self.top.update(dt))
        if self.options.autoplay and self.status is None and self.stack:
            t = time.monotonic() - self._opened_at.get(id(self.top), time.monotonic())
            self.apply(self.top.autoplay(t))

    def render(self) -> None:
        """Draw the visible screens and the widgets."""
        self.window.fill(look.colour("#chart", "bg"))
        if self.too_small:
            self._draw_too_small()
            return
        for screen in self.visible():
            screen.draw(self.window)
        self.manager.draw_ui(self.window)

    def _draw_too_small(self) -> None:
        w, h = self.size
        least = "x".join(str(n) for n in self.least_window())
        lines = (
            "The window is too small for the game.",
            f"Make it at least {least} (F11: full screen).",
        )
        font = look.font(14)
        ink = look.colour("#chart", "text")
        y = h // 2 - font.get_linesize() * len(lines) // 2
        for line in lines:
            shown = font.render(line, True, ink)
            self.window.blit(shown, shown.get_rect(midtop=(w // 2, y)))
            y += font.get_linesize()

    def frame(self, events: list[pygame.event.Event] | None = None) -> float:
        """One frame: events, update, draw; returns the seconds it took to compute."""
        dt = self.clock.tick(self.fps) / 1000.0
        started = time.perf_counter()
        for event in pygame.event.get() if events is None else events:
            self.handle(event)
            if self.status is not None:
                break
        if self.status is None:
            self.update(min(dt, 0.1))
        if self.status is None:
            self.render()
            pygame.display.flip()
        elapsed = time.perf_counter() - started
        self.frame_times.append(elapsed)
        if len(self.frame_times) > 10_000:
            del self.frame_times[:5_000]
        return elapsed

    def run(self, max_frames: int | None = None) -> int:
        """Run until the player quits or the demo ends; the exit status."""
        frames = 0
        try:
            while self.status is None:
                self.frame()
                frames += 1
                if max_frames is not None and frames >= max_frames:
                    break
        finally:
            self.shutdown()
        return self.status or 0

    def shutdown(self) -> None:
        """Close every screen and the forecast worker."""
        while self.stack:
            self.stack.pop().close()
        self.forecaster.close()
