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
    shorten: bool = False,
) -> pygame_gui.elements.UILabel:
    """A one-line label; with ``shorten``, a text too wide ends in "…" and shows whole on hover.

    The game's own words must fit their labels at every UI scale the window allows;
    ``shorten`` is for text that comes from content, such as a scenario's title, a citation or
    a folder, which may be of any length. A label has one line: line breaks and tabs in the
    text are shown as spaces (a second line would be cut off below the label, unseen, and a tab
    has no glyph).
    """
    text = " ".join(text.splitlines()).replace("\t", " ")  # spaces in a row are kept
    made = pygame_gui.elements.UILabel(
        rect, "" if shorten else text, manager, container=container, object_id=oid(object_id)
    )
    if shorten:
        fitted = shortened(made.font, text, int(made.relative_rect.width))
        made.set_text(fitted)
        if fitted != text:
            made.set_tooltip(esc(text), wrap_width=max(rect.width // 2, 200), delay=0.3)
    return made


def shortened(font: Any, text: str, width: int) -> str:
    """``text`` if it fits ``width`` pixels in ``font``, else its longest head that fits and "…".

    ``font`` is a widget's (pygame_gui's, measured as the widget measures it) or one that
    pygame draws with itself (``pygame.font.Font``, as the map's).
    """
    rect_of = getattr(font, "get_rect", None)

    def fits(words: str) -> bool:
        w = rect_of(words).width if rect_of is not None else font.size(words)[0]
        return bool(w <= width)

    if fits(text):
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest head that fits with its ellipsis
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + "…"):
            lo = mid
        else:
            hi = mid - 1
    head = text[:lo]
    space = head.rfind(" ")
    if space > lo // 2:  # end on a whole word unless that loses half the text
        head = head[:space]
    return head.rstrip(" ,;:·–—-(") + "…"


def button(
    manager: pygame_gui.UIManager,
    rect: pygame.Rect,
    text: str,
    class_id: str = "@tool",
    tip: str | None = None,
    container: Any = None,
    object_id: str | None = None,
    shorten: bool = False,
) -> pygame_gui.elements.UIButton:
    """A button (its tooltip names its key).

    With ``shorten``, a text too wide ends in "…" and its tooltip gives it whole (as
    ``label``'s does), for words that come from content, such as a state's name.
    """
    made = pygame_gui.elements.UIButton(
        rect,
        "" if shorten else text,
        manager,
        container=container,
        tool_tip_text=tip,
        object_id=oid(object_id, class_id),
    )
    if shorten:
        text = " ".join(text.split())
        room = int(made.relative_rect.width) - 2 * _border(made) - 8  # a little air each side
        fitted = shortened(made.font, text, room)
        made.set_text(fitted)
        if fitted != text:
            whole = esc(text) + (f" ({tip})" if tip else "")
            made.set_tooltip(whole, wrap_width=max(rect.width * 3, 200), delay=0.3)
    return made


def _border(element: Any) -> int:
    """The width of a widget's border (the theme's; one per side in newer pygame_gui)."""
    width = getattr(element, "border_width", 0)
    if isinstance(width, dict):
        width = max(width.values())
    return int(width or 0)


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


def fitting_text_box(
    manager: pygame_gui.UIManager,
    rect: pygame.Rect,
    html: str,
    class_id: str = "@body",
    container: Any = None,
    least: int = 0,
) -> pygame_gui.elements.UITextBox:
    """A text box as tall as its text, from ``least`` up to ``rect``'s height (then it scrolls)."""
    box = text_box(manager, pygame.Rect(rect.x, rect.y, rect.width, -1), html, class_id, container)
    if least <= box.rect.height <= rect.height:
        return box
    box.kill()
    height = least if box.rect.height < least else rect.height
    return text_box(
        manager, pygame.Rect(rect.x, rect.y, rect.width, height), html, class_id, container
    )


def text_width(manager: pygame_gui.UIManager, text: str, theme_id: str) -> int:
    """The width in pixels of ``text`` in the font the theme gives ``theme_id``, at the UI scale."""
    return int(manager.get_theme().get_font([theme_id]).get_rect(text).width)


def esc(text: str) -> str:
    """Text made safe for a text box's HTML (a tab, which the fonts have no glyph for, a space)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\t", " ")
