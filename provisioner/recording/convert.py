"""Turn the recorded webm into an mp4 (plays everywhere) and a small animated GIF (for READMEs), with ffmpeg.

The ffmpeg binary is the one the imageio-ffmpeg wheel ships (a dependency), so no system ffmpeg is needed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from provisioner.errors import BrowserUnavailableError

NO_FFMPEG = "no ffmpeg for converting the video: install imageio-ffmpeg (pip install imageio-ffmpeg)"


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary; BrowserUnavailableError (one line, how to fix) when there is none."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # ImportError, or imageio-ffmpeg's RuntimeError when its binary is missing
        raise BrowserUnavailableError(NO_FFMPEG) from None
    if not Path(exe).exists():
        raise BrowserUnavailableError(NO_FFMPEG)
    return exe


def _run(args: list[str], what: str, timeout_s: float = 600) -> None:
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args],
                          capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise BrowserUnavailableError(f"ffmpeg could not {what}: {last}")


def to_mp4(webm: Path, mp4: Path) -> Path:
    """H.264 mp4, yuv420p (what browsers and players accept), index at the front so it streams."""
    _run(["-i", str(webm), "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
          "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-movflags", "+faststart", "-an", str(mp4)],
         "convert the video to mp4")
    return mp4


#: GIF settings tried in turn until one fits the budget: (width px, frames per second, colours)
GIF_STEPS = [(640, 4, 64), (560, 4, 64), (480, 3, 48), (400, 2, 32)]
GIF_BUDGET_BYTES = 1_400_000  # a README image should load at once
GIF_SPEED = 3.0  # a demo spends most of its time waiting on Salesforce: faster reads better as a preview


def to_gif(video: Path, gif: Path, speed: float = GIF_SPEED, max_bytes: int = GIF_BUDGET_BYTES,
           steps: list[tuple[int, int, int]] | None = None) -> Path:
    """A small animated GIF for a README: sped up, scaled down, few frames per second, one palette made for this
    video, no dithering, and only the changed part of each frame stored. Tries smaller settings until the file fits
    `max_bytes` (the last one is kept whatever its size)."""
    for width, fps, colours in steps or GIF_STEPS:
        graph = (f"setpts=PTS/{speed},fps={fps},scale={width}:-2:flags=lanczos,split[a][b];"
                 f"[a]palettegen=max_colors={colours}:stats_mode=diff[p];"
                 f"[b][p]paletteuse=dither=none:diff_mode=rectangle")
        _run(["-i", str(video), "-filter_complex", graph, "-loop", "0", str(gif)], "make the GIF")
        if gif.stat().st_size <= max_bytes:
            break
    return gif


def concat(listing: Path, target: Path) -> Path:
    """Join the videos an ffmpeg concat list names (same codec and size) without re-encoding."""
    _run(["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(target)], "join the video parts")
    return target


def video_duration_s(video: Path) -> float:
    """Decode the whole video (proves it is readable) and return its duration in seconds."""
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(video), "-f", "null", "-"],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise BrowserUnavailableError(f"ffmpeg cannot read {video.name}")
    duration = 0.0
    for line in done.stderr.splitlines():  # progress lines: "... time=00:00:06.00 ..."
        if "time=" in line:
            stamp = line.split("time=")[-1].split()[0]
            try:
                h, m, s = stamp.split(":")
                duration = int(h) * 3600 + int(m) * 60 + float(s)
            except ValueError:
                continue
    return duration


def frame_rgb(video: Path, at_s: float) -> tuple[int, int, bytes]:
    """One decoded frame at `at_s` seconds as (width, height, RGB bytes): for checking what the video shows."""
    exe = ffmpeg_exe()
    probe = subprocess.run([exe, "-hide_banner", "-i", str(video)], capture_output=True, text=True)
    width = height = 0
    for line in probe.stderr.splitlines():
        if "Video:" in line:
            for token in line.replace(",", " ").split():
                if "x" in token and token.split("x")[0].isdigit() and token.split("x")[1][:1].isdigit():
                    width, height = int(token.split("x")[0]), int("".join(c for c in token.split("x")[1] if c.isdigit()))
                    break
    done = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-ss", f"{at_s:.3f}", "-i", str(video),
                           "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True)
    if done.returncode != 0 or not width:
        raise BrowserUnavailableError(f"ffmpeg cannot extract a frame at {at_s:.1f}s from {video.name}")
    return width, height, done.stdout
