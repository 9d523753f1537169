"""Chapters a video player lists: the steps of the manual procedure, written into the mp4 (ffmpeg's FFMETADATA), and
the last step, "Verify", which happens after the browser closed and is known only from the run's result."""

from __future__ import annotations

import re
from typing import Any

VERIFY = "Verify"
#: how long the Verify card at the end of the mp4 stays (seconds)
VERIFY_CARD_S = 3.0


def verify_chapter(result: dict | None) -> dict | None:
    """The Verify step as a chapter (title, description), or None when the run did not get that far."""
    if not result or result.get("status") in (None, "failed", "planned"):
        return None
    who = result.get("username") or "the admin"
    if result.get("verified"):
        return {"title": VERIFY, "description": f"JWT bearer token exchange as {who}: an access token was issued"}
    return {"title": VERIFY, "description": "Not run: the credentials were written without a token exchange"}


def spans(chapters: list[dict], duration: float) -> list[tuple[float, float, str]]:
    """(start, end, title) of each chapter: each ends where the next begins, the last at the video's end."""
    out = []
    for i, chapter in enumerate(chapters):
        start = float(chapter["t"])
        end = float(chapters[i + 1]["t"]) if i + 1 < len(chapters) else duration
        out.append((start, max(end, start), chapter["title"]))
    return out


def _escape(text: str) -> str:
    """FFMETADATA: '=', ';', '#', '\\' and line breaks are escaped with a backslash."""
    return re.sub(r"([=;#\\\n])", r"\\\1", text)


def ffmetadata(title: str, chapters: list[tuple[float, float, str]], tags: dict[str, Any] | None = None) -> str:
    lines = [";FFMETADATA1", f"title={_escape(title)}"]
    lines += [f"{key}={_escape(str(value))}" for key, value in (tags or {}).items()]
    for start, end, name in chapters:
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={int(start * 1000)}", f"END={int(end * 1000)}",
                  f"title={_escape(name)}"]
    return "\n".join(lines) + "\n"


def read_ffmetadata(text: str) -> list[dict]:
    """The chapters of an FFMETADATA document (what `ffmpeg -i video.mp4 -f ffmetadata -` prints):
    [{"start": s, "end": s, "title": ...}]."""
    chapters: list[dict] = []
    current: dict | None = None
    base = 1 / 1000
    for raw in text.splitlines():
        line = raw.strip()
        if line == "[CHAPTER]":
            current = {}
            chapters.append(current)
            base = 1 / 1000
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            value = re.sub(r"\\(.)", r"\1", value)
            if key == "TIMEBASE":
                num, _, den = value.partition("/")
                base = int(num) / int(den)
            elif key in ("START", "END"):
                current[key.lower()] = int(value) * base
            elif key == "title":
                current["title"] = value
    return chapters


__all__ = ["VERIFY", "VERIFY_CARD_S", "ffmetadata", "read_ffmetadata", "spans", "verify_chapter"]
