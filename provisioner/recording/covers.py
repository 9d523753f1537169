"""Opaque covers drawn over secrets in the video (Playwright has no video mask).

A cover is a screencast overlay: it is drawn into the recorded frames only, never enters the page's DOM, and survives
navigation (it may be put up before the page's video starts: the first frame is covered). Its boxes are the
elements' bounding boxes when it is put up; when an element is not on screen yet (the secret appears after a click)
the cover fills the whole viewport instead, so nothing can slip out around it.
"""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass, field
from typing import Callable, Sequence

from playwright.async_api import Error as PlaywrightError

from provisioner.flows.recorder import ScreenCover

COVER_COLOUR = "#181c30"
COVER_RGB = (0x18, 0x1C, 0x30)
#: grown on every side: anti-aliasing, focus rings and a value a little wider than its box stay hidden
PADDING_PX = 8


@dataclass
class Box:
    x: float
    y: float
    width: float
    height: float

    def as_dict(self) -> dict:
        return {"x": round(self.x, 1), "y": round(self.y, 1), "width": round(self.width, 1),
                "height": round(self.height, 1)}


@dataclass
class Cover:
    """One cover's entry in the recording's timeline (seconds since the video started)."""

    kind: str  # "input" | "on_screen"
    boxes: list[Box]
    recorded_page: bool  # False: drawn on a page the video was not following at the time
    full_viewport: bool
    shown_at: float
    hidden_at: float | None = None
    page: object = field(default=None, repr=False)
    _handle: object = field(default=None, repr=False)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "recorded_page": self.recorded_page, "full_viewport": self.full_viewport,
                "shown_at": round(self.shown_at, 3),
                "hidden_at": None if self.hidden_at is None else round(self.hidden_at, 3),
                "boxes": [b.as_dict() for b in self.boxes]}


async def secret_boxes(page, locators: Sequence) -> list[Box] | None:  # noqa: ANN001 - Playwright objects
    """Padded boxes of every element the locators match; None when one of them has nothing visible yet."""
    boxes: list[Box] = []
    for locator in locators:
        found = False
        for element in await locator.all():
            box = await element.bounding_box() if await element.is_visible() else None
            if box and box["width"] > 0 and box["height"] > 0:
                found = True
                boxes.append(Box(box["x"] - PADDING_PX, box["y"] - PADDING_PX,
                                 box["width"] + 2 * PADDING_PX, box["height"] + 2 * PADDING_PX))
        if not found:
            return None
    return boxes


def cover_html(boxes: list[Box], label: str = "hidden", big: bool = False) -> str:
    label = html.escape(label)
    text = ("font:22px sans-serif;display:flex;align-items:center;justify-content:center" if big
            else "font:11px sans-serif;line-height:1;padding:2px 4px")
    parts = []
    for b in boxes:
        parts.append(
            f'<div style="position:fixed;left:{b.x:.0f}px;top:{b.y:.0f}px;width:{b.width:.0f}px;'
            f'height:{b.height:.0f}px;background:{COVER_COLOUR};border-radius:4px;z-index:2147483647;'
            f'color:#9aa3c7;{text};box-sizing:border-box;overflow:hidden">{label}</div>')
    return "".join(parts)


class Covers:
    """Puts covers up and takes them down, keeping a timeline so tests (and viewers) know when they were shown."""

    def __init__(self, clock: Callable[[], float], recorded_page: Callable[[], object] = lambda: None):
        self._clock = clock
        self._recorded_page = recorded_page
        self.timeline: list[Cover] = []

    async def show(self, page, locators: Sequence, kind: str) -> Cover:  # noqa: ANN001
        boxes = await secret_boxes(page, locators) if locators else None
        size = page.viewport_size or {"width": 1280, "height": 720}
        full = boxes is None
        if full:
            boxes = [Box(0, 0, size["width"], size["height"])]
        elif kind == "on_screen":
            # a revealed value can be wider than the element was (a placeholder, a truncated field): cover the
            # rest of the line too
            boxes = [Box(b.x, b.y, max(b.width, size["width"] - b.x), b.height) for b in boxes]
        label = "Secrets may be on screen: hidden in this recording" if full else "hidden"
        handle = await page.screencast.show_overlay(cover_html(boxes, label, big=full))
        cover = Cover(kind, boxes, page is self._recorded_page(), full, shown_at=self._clock(), page=page,
                      _handle=handle)
        self.timeline.append(cover)
        return cover

    async def hide(self, cover: Cover) -> None:
        if cover.hidden_at is None:
            cover.hidden_at = self._clock()
        if cover._handle is not None:
            handle, cover._handle = cover._handle, None
            if cover.page is None or not cover.page.is_closed():
                try:
                    await handle.close()
                except PlaywrightError:  # the page (a details tab) closed meanwhile: nothing left to uncover
                    pass

    def full_cover_on(self, page) -> bool:  # noqa: ANN001
        """Is `page` under a whole-viewport cover now (secrets may be on it, where exactly is not known)?"""
        return any(c.page is page and c.full_viewport and c.hidden_at is None for c in self.timeline)

    def retime(self, to_video: Callable[[float], float]) -> None:
        """Move the timeline onto the joined video's clock (see segments.py)."""
        for cover in self.timeline:
            cover.shown_at = to_video(cover.shown_at)
            if cover.hidden_at is not None:
                cover.hidden_at = to_video(cover.hidden_at)


class VideoScreenCover(ScreenCover):
    """What `secret_on_screen` yields: the cover of one moment while secrets can be on screen, on the page the video
    follows. It starts over the locators given (the whole viewport while any is not on screen); the flow can refit
    it once it knows more:

    - `await cover.cover(*locators)` before a click that may reveal the secrets (they are not on screen yet: the
      whole viewport is covered) and again once they show (exact boxes; the new cover is up before the old goes);
    - `await cover.uncover()` when the flow knows no secret is on screen (a verification prompt), so a viewer sees
      that step. Tracing stays off until the moment ends.

    Once the exact boxes are covered the video holds still for `hold_s` (recorder pacing for viewers, like a
    chapter card): a flow reads the values in milliseconds, and a viewer should see where they were.
    """

    def __init__(self, covers: Covers, followed: Callable[[], object], enabled: Callable[[], bool],
                 remember: Callable[[Sequence], None], hold_s: float = 0):
        self._covers = covers
        self._hold_s = hold_s
        self._followed = followed
        self._enabled = enabled
        self._remember = remember  # locators ever given: masked in every screenshot
        self._active: list[Cover] = []

    async def cover(self, *locators) -> None:  # noqa: ANN002 - Playwright locators
        await self.put(locators[0].page if locators else self._followed(), locators)

    async def put(self, page, locators) -> None:  # noqa: ANN001
        """Cover `locators` on `page` (the whole viewport while any is not on screen), replacing its cover."""
        self._remember(locators)
        if page is None or page.is_closed() or not self._enabled():
            return
        new = await self._covers.show(page, list(locators), "on_screen")
        await self._hide([c for c in self._active if c.page is page])
        self._active.append(new)
        if not new.full_viewport and new.recorded_page and self._hold_s > 0:
            # pacing for viewers, not waiting for the page: the covered details stay on screen like a chapter card
            await asyncio.sleep(self._hold_s)

    async def uncover(self) -> None:
        page = self._followed()
        await self._hide([c for c in self._active if c.page is page])

    async def moved(self, old, new) -> None:  # noqa: ANN001
        """The video left `old` (its part is saved) for `new`: the whole of `new` is covered, as nobody knows yet
        what it shows, before its video starts; `old`'s covers come down (nothing records it now)."""
        await self._hide([c for c in self._active if c.page is old])
        if new is not None and not new.is_closed() and self._enabled():
            self._active.append(await self._covers.show(new, [], "on_screen"))

    async def close(self) -> None:
        await self._hide(list(self._active))

    async def _hide(self, covers: list[Cover]) -> None:
        for cover in covers:
            self._active.remove(cover)
            await self._covers.hide(cover)
