"""The video follows the page the flow works on (a Consumer Details tab, then the main page again): one part per
stretch on one page, joined in order into video.webm, and the run's times (chapters, covers) moved onto the joined
video's clock.

Each part's video time matches the run's clock from the moment its screencast started (checked with a clock page),
but Playwright holds the last frame for about a second after stop: every part but the last is cut where it was
stopped, so the joined timeline stays true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import convert


@dataclass
class Segment:
    file: str  # a name in the recording's folder
    start: float  # run clock (seconds since the recording began) when its screencast started
    end: float | None = None  # when it was stopped

    def length(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - self.start)


def to_video_clock(segments: list[Segment], t: float) -> float:
    """A run-clock time on the joined video's clock: a time between two parts (no video) maps to the next one's
    start, a time after a part's end (its page was no longer followed) to that part's end."""
    offset = 0.0
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        following = segments[i + 1].start if not last else None
        if last or t < following:
            inside = max(0.0, t - seg.start)
            length = seg.length()
            return round(offset + (inside if last or length is None else min(inside, length)), 3)
        offset += seg.length() or 0.0
    return round(t, 3)


def join(out_dir: Path, segments: list[Segment], target: Path) -> None:
    """Write the parts, in order, into `target` (stream copy: same codec and size, no re-encoding)."""
    if len(segments) == 1:
        (out_dir / segments[0].file).replace(target)
        return
    lines = []
    for i, seg in enumerate(segments):
        lines.append(f"file '{seg.file}'")
        if i < len(segments) - 1 and seg.length() is not None:
            lines.append(f"outpoint {seg.length():.3f}")
    listing = out_dir / "video-parts.txt"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        convert.concat(listing, target)
    finally:
        listing.unlink(missing_ok=True)
    for seg in segments:
        (out_dir / seg.file).unlink(missing_ok=True)
