"""Captions in the admin's words, drawn into the video, and the WebVTT file that carries them beside it.

A caption is a screencast overlay (like the covers: drawn into the recorded frames, never into the page's DOM): a
bar of large text at the bottom of the viewport (at the top when the field acted on sits down there), wrapping
instead of being cut off, and an outline around the field. The text never holds a secret: callers build it from
labels and non-secret values, and the recorder masks the run's secrets in it once more.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Iterable

#: caption text longer than this is shortened (a list of callback URLs): a caption is read in a couple of seconds
MAX_CHARS = 160
FONT_PX = 26
HIGHLIGHT = "#ffb000"
#: what a typed secret is captioned with, whatever its length
DOTS = "••••"


@dataclass
class Caption:
    """One caption on the recording's timeline (seconds; the video's clock once stop() joined the parts)."""

    text: str
    t: float
    end: float
    box: dict | None = None  # the field outlined (viewport pixels), None when there was none

    def as_dict(self) -> dict:
        return {"text": self.text, "t": round(self.t, 3), "end": round(self.end, 3), "box": self.box}


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def caption_html(text: str, box: dict | None, viewport: dict) -> str:
    """The overlay: the text in a bar that wraps within the viewport, and an outline around `box` (the field)."""
    width, height = viewport["width"], viewport["height"]
    low = box is not None and box["y"] + box["height"] > height * 0.7  # the field is where the bar would go
    edge = "top:24px" if low else "bottom:24px"
    bar = (f'<div style="position:fixed;left:50%;{edge};transform:translateX(-50%);max-width:{width - 96}px;'
           f'box-sizing:border-box;padding:12px 24px;background:rgba(16,20,40,.86);color:#fff;border-radius:10px;'
           f'font:600 {FONT_PX}px/1.3 system-ui,-apple-system,\'DejaVu Sans\',sans-serif;text-align:center;'
           f'white-space:pre-wrap;overflow-wrap:anywhere;box-shadow:0 6px 24px rgba(0,0,0,.35);'
           f'z-index:2147483646">{html.escape(text)}</div>')
    if box is None:
        return bar
    pad = 6
    x, y = max(0.0, box["x"] - pad), max(0.0, box["y"] - pad)
    w, h = min(width - x, box["width"] + 2 * pad), min(height - y, box["height"] + 2 * pad)
    outline = (f'<div style="position:fixed;left:{x:.0f}px;top:{y:.0f}px;width:{w:.0f}px;height:{h:.0f}px;'
               f'box-sizing:border-box;border:3px solid {HIGHLIGHT};border-radius:6px;'
               f'box-shadow:0 0 0 4px rgba(255,176,0,.25);z-index:2147483645"></div>')
    return outline + bar


def _stamp(seconds: float) -> str:
    ms = max(0, int(round(seconds * 1000)))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def webvtt(cues: Iterable[tuple[float, float, str]]) -> str:
    """A WebVTT document from (start, end, text) in order; a cue never ends before it starts."""
    lines = ["WEBVTT", ""]
    for n, (start, end, text) in enumerate(sorted(cues, key=lambda c: c[0]), 1):
        body = text.replace("-->", "→").strip() or "…"  # "-->" would end the cue's timing line
        lines += [str(n), f"{_stamp(start)} --> {_stamp(max(end, start + 0.5))}", body, ""]
    return "\n".join(lines)


def read_webvtt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue: what a player shows, for checks."""
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    cues = []
    for block in text.split("\n\n"):
        rows = [r for r in block.strip().splitlines() if r]
        for i, row in enumerate(rows):
            if "-->" in row:
                start, _, end = row.partition("-->")
                cues.append((seconds(start.strip()), seconds(end.split()[0]), "\n".join(rows[i + 1:])))
                break
    return cues


__all__ = ["DOTS", "Caption", "caption_html", "read_webvtt", "shorten", "webvtt"]
