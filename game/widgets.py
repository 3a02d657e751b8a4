"""Small helpers that create pygame_gui widgets with the theme's object ids."""

from __future__ import annotations

from typing import Any

import pygame
import pygame_gui
from pygame_gui.core import ObjectID


def oid(object_id: str | None = None, class_id: str | None = None) -> ObjectID:
    """An object id for the theme: ``#name`` for one widget, ``@class`` for a kind."""
    return ObjectID(object_id=object_id, class_id=class_id)


def label(
    manager: pygame_gui.UIManager,
    rect: pygame.Rect,
    text: str,
    object_id: str = "#hint",
    container: Any = None,
) -> pygame_gui.elements.UILabel:
    """A one-line label."""
    return pygame_gui.elements.UILabel(
        rect, text, manager, container=container, object_id=oid(object_id)
    )


def button(
    manager: pygame_gui.UIManager,
    rect: pygame.Rect,
    text: str,
    class_id: str = "@tool",
    tip: str | None = None,
    container: Any = None,
    object_id: str | None = None,
) -> pygame_gui.elements.UIButton:
    """A button (its tooltip names its key)."""
    return pygame_gui.elements.UIButton(
        rect,
        text,
        manager,
        container=container,
        tool_tip_text=tip,
        object_id=oid(object_id, class_id),
    )


def text_box(
    manager: pygame_gui.UIManager,
    rect: pygame.Rect,
    html: str,
    class_id: str = "@body",
    container: Any = None,
    object_id: str | None = None,
    wrap_to_height: bool = False,
) -> pygame_gui.elements.UITextBox:
    """A box of wrapped text (scrolls if it does not fit)."""
    return pygame_gui.elements.UITextBox(
        html,
        rect,
        manager,
        container=container,
        object_id=oid(object_id, class_id),
        wrap_to_height=wrap_to_height,
    )


def text_width(manager: pygame_gui.UIManager, text: str, theme_id: str) -> int:
    """The width in pixels of ``text`` in the font the theme gives ``theme_id``, at the UI scale."""
    return int(manager.get_theme().get_font([theme_id]).get_rect(text).width)


def esc(text: str) -> str:
    """Text made safe for a text box's HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
