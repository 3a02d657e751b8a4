"""The load screen: the saves in the data folder, newest first."""

from __future__ import annotations

from dataclasses import dataclass

import pygame
import pygame_gui

from game.saves import SaveError, SaveInfo, describe, list_saves, read_save, saves_dir
from game.screen import Pop, Screen, Transition
from game.session import Session
from game.widgets import button, esc, label, text_box


@dataclass(frozen=True)
class Loaded:
    """The result of the load screen: the game to continue (the screen below opens it)."""

    session: Session


class LoadScreen(Screen):
    """Pick a save; a save that cannot be loaded says why here, and nothing is deleted."""

    kind = "load"

    def __init__(self) -> None:
        super().__init__()
        self.saves: list[SaveInfo] = []
        self.error = ""
        self.selected: int | None = None
        self.list: pygame_gui.elements.UISelectionList | None = None
        self.load_button: pygame_gui.elements.UIButton | None = None
        self.back_button: pygame_gui.elements.UIButton | None = None

    def build(self) -> None:
        """The list of saves and the buttons."""
        app, m, px = self.a, self.a.manager, self.a.px
        w, h = app.size
        width = min(w - px(80), px(980))
        x0 = (w - width) // 2
        self.saves = list_saves()
        self.keep(
            label(m, pygame.Rect(x0, px(36), width, px(40)), "Load a saved game", "#screen_heading")
        )
        self.keep(
            label(
                m,
                pygame.Rect(x0, px(80), width, px(22)),
                f"Saves live in {saves_dir()}",
                "#hint",
                shorten=True,
            )
        )
        bottom = h - px(90)
        list_bottom = bottom - (px(96) if self.error else px(16))
        items: list[str | tuple[str, str]] = [describe(s) for s in self.saves]
        items = items or ["(no saves yet)"]
        self.list = self.keep(
            pygame_gui.elements.UISelectionList(
                pygame.Rect(x0, px(112), width, list_bottom - px(112)), items, m
            )
        )
        if self.error:
            self.keep(
                text_box(
                    m,
                    pygame.Rect(x0, bottom - px(88), width, px(76)),
                    esc(self.error),
                    "@body",
                    object_id="#error",
                )
            )
        self.back_button = self.keep(
            button(m, pygame.Rect(x0, bottom, px(180), px(50)), "Back   (Esc)", "@menu_button")
        )
        self.load_button = self.keep(
            button(
                m,
                pygame.Rect(x0 + width - px(300), bottom, px(300), px(50)),
                "Load   (Enter)",
                "@menu_button",
                object_id="#primary",
            )
        )

    def _load(self, index: int | None) -> Transition | None:
        if index is None or not 0 <= index < len(self.saves):
            if self.saves:
                index = 0
            else:
                return None
        try:
            session = read_save(self.saves[index].path)
        except SaveError as exc:
            self.error = str(exc)
            self.rebuild()
            return None
        return Pop(Loaded(session))

    def handle(self, event: pygame.event.Event) -> Transition | None:
        """Selection, Load and Back, and their keys."""
        if event.type == pygame_gui.UI_SELECTION_LIST_NEW_SELECTION and self.list is not None:
            items = [describe(s) for s in self.saves]
            if event.text in items:
                self.selected = items.index(event.text)
        elif event.type == pygame_gui.UI_SELECTION_LIST_DOUBLE_CLICKED_SELECTION:
            return self._load(self.selected)
        elif event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.load_button:
                return self._load(self.selected)
            if event.ui_element is self.back_button:
                return Pop()
        elif event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                return self._load(self.selected)
            if event.key == pygame.K_ESCAPE:
                return Pop()
            if event.key in (pygame.K_DOWN, pygame.K_UP) and self.saves:
                step = 1 if event.key == pygame.K_DOWN else -1
                now = -1 if self.selected is None else self.selected
                self.selected = min(max(now + step, 0), len(self.saves) - 1)
                self._highlight()
        return None

    def _highlight(self) -> None:
        if self.list is None or self.selected is None:
            return
        for k, item in enumerate(self.list.item_list):
            item["selected"] = k == self.selected
        self.list.rebuild_from_changed_theme_data()
