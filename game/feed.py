"""The news feed: what happened, newest first, each with the paper's citation on hover."""

from __future__ import annotations

from collections import deque

import pygame
import pygame_gui

from game.session import NewsItem
from game.widgets import esc, oid

KEPT = 60
"""Items kept in the feed (the debrief has them all)."""

PER_FRAME = 3
"""Items added per frame at most, so that a burst of news never stalls a frame."""


def news_html(item: NewsItem) -> str:
    """One item as the text box's HTML."""
    text = f"<b>{item.month}</b>  {esc(item.headline)}"
    if item.reason:
        text += f"<br><i>{esc(item.reason)}</i>"
    if item.history:
        text += f"  ·  <i>{esc(item.history)}</i>"
    return text


class NewsPanel:
    """A scrolling column of news items; call ``add`` with new items and ``update`` each frame."""

    def __init__(self, manager: pygame_gui.UIManager, rect: pygame.Rect, scale: float) -> None:
        self.manager = manager
        self.rect = pygame.Rect(rect)
        self.scale = scale
        self.items: deque[NewsItem] = deque(maxlen=KEPT)
        self.waiting: deque[NewsItem] = deque(maxlen=KEPT)
        self.boxes: deque[pygame_gui.elements.UITextBox] = deque()
        self.container = pygame_gui.elements.UIScrollingContainer(
            self.rect, manager, object_id=oid("#feed"), allow_scroll_x=False
        )

    def kill(self) -> None:
        """Remove the widgets."""
        self.container.kill()

    def add(self, items: list[NewsItem]) -> None:
        """Queue new items (shown over the next frames, newest on top)."""
        self.waiting.extend(items)

    def show_all(self, items: list[NewsItem]) -> None:
        """Show these items at once (a rebuilt or loaded feed)."""
        self.waiting.clear()
        for item in list(items)[-KEPT:]:
            self._place(item)
        self._layout()

    def update(self) -> None:
        """Place up to ``PER_FRAME`` queued items."""
        if not self.waiting:
            return
        for _ in range(min(PER_FRAME, len(self.waiting))):
            self._place(self.waiting.popleft())
        self._layout()

    @property
    def inner_width(self) -> int:
        """Width of an item (the container less its scroll bar)."""
        return self.rect.width - round(22 * self.scale)

    def _place(self, item: NewsItem) -> None:
        self.items.append(item)
        box = pygame_gui.elements.UITextBox(
            news_html(item),
            pygame.Rect(0, 0, self.inner_width, -1),
            self.manager,
            container=self.container,
            object_id=oid(None, "@news_mine" if item.mine else "@news"),
            wrap_to_height=True,
        )
        if item.citation:
            box.set_tooltip(
                esc(f"Source: {item.citation}"), wrap_width=round(420 * self.scale), delay=0.4
            )
        self.boxes.appendleft(box)
        while len(self.boxes) > KEPT:
            self.boxes.pop().kill()

    def _layout(self) -> None:
        gap = max(2, round(4 * self.scale))
        y = 0
        for box in self.boxes:
            box.set_relative_position((0, y))
            y += box.rect.height + gap
        self.container.set_scrollable_area_dimensions(
            (self.inner_width, max(y, self.rect.height - 4))
        )
        bar = self.container.vert_scroll_bar
        if bar is not None:
            bar.set_scroll_from_start_percentage(0.0)  # the newest item is at the top

    def texts(self) -> list[str]:
        """The items' texts, newest first (for tests)."""
        return [box.html_text for box in self.boxes]
