"""Turn the recorded webm into an mp4 (plays everywhere) and a small animated GIF (for READMEs), with ffmpeg.

The ffmpeg binary is the one the imageio-ffmpeg wheel ships (a dependency), so no system ffmpeg is needed.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
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


def to_mp4(webm: Path, mp4: Path, *, size: tuple[int, int] = (1280, 720), metadata: Path | None = None,
           card: tuple[str, str, float] | None = None) -> Path:
    """H.264 mp4, yuv420p (what browsers and players accept), index at the front so it streams.

    `metadata`: an FFMETADATA file (title, chapters) written into the mp4, so players list the chapters;
    `card`: (title, description, seconds) of a still card appended at the end (the Verify step, done after the
    browser closed)."""
    width, height = (int(size[0]) // 2 * 2, int(size[1]) // 2 * 2)
    args = ["-i", str(webm)]
    with tempfile.TemporaryDirectory(prefix="provisioner-mp4-") as tmp:
        if card:
            title, description, seconds = card
            args += ["-f", "lavfi", "-i", f"color=c=0x181c30:s={width}x{height}:d={seconds:.2f}:r=25"]
            graph = (f"[0:v]scale={width}:{height},setsar=1,fps=25[main];"
                     f"[1:v]{_card_text(Path(tmp), title, description)}setsar=1[card];"
                     "[main][card]concat=n=2:v=1:a=0[v]")
            video = ["-filter_complex", graph, "-map", "[v]"]
        else:
            video = ["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2"]
        if metadata is not None:
            n = 2 if card else 1
            args += ["-f", "ffmetadata", "-i", str(metadata)]
            video += ["-map_metadata", str(n), "-map_chapters", str(n)]
        _run([*args, *video, "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
              "-movflags", "+faststart", "-an", str(mp4)], "convert the video to mp4")
    return mp4


def font_file(bold: bool = False) -> str | None:
    """A TrueType font for the cards drawn by ffmpeg (fontconfig's sans, else DejaVu), None when there is none."""
    try:
        done = subprocess.run(["fc-match", "-f", "%{file}", "sans:bold" if bold else "sans"], capture_output=True,
                              text=True, timeout=10)
        if done.returncode == 0 and Path(done.stdout.strip()).is_file():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    fallback = Path("/usr/share/fonts/truetype/dejavu") / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return str(fallback) if fallback.is_file() else None


def _plain_path(path: str | Path) -> bool:
    """Can the path go into a filtergraph option as is (no character ffmpeg would read as syntax)?"""
    return not any(c in str(path) for c in "\\:',;[]= ")


def _card_text(tmp: Path, title: str, description: str) -> str:
    """drawtext filters for a card's title and description (read from files: no escaping of the text itself);
    nothing when no font is installed (the card is then plain, its chapter and caption still say what it is)."""
    regular, bold = font_file(), font_file(bold=True) or font_file()
    if not regular or not bold or not all(_plain_path(p) for p in (regular, bold, tmp)):
        return ""
    (tmp / "title.txt").write_text(title, encoding="utf-8")
    (tmp / "description.txt").write_text(description, encoding="utf-8")
    common = "x=(w-tw)/2:fix_bounds=1"
    return (f"drawtext=fontfile={bold}:textfile={tmp / 'title.txt'}:"
            f"fontcolor=white:fontsize=44:y=h/2-70:{common},"
            f"drawtext=fontfile={regular}:textfile={tmp / 'description.txt'}:"
            f"fontcolor=0xc8cde0:fontsize=24:y=h/2+4:{common},")


def poster(video: Path, at_s: float, target: Path) -> Path:
    """One frame of the video as a JPEG (the page's poster: what the video shows before it plays)."""
    _run(["-ss", f"{max(0.0, at_s):.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(target)],
         "take the poster frame")
    return target


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
        # "Stream #0:0: Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 ...]"
        size = re.search(r"[ ,](\d{2,5})x(\d{2,5})\b", line) if "Video:" in line else None
        if size:
            width, height = int(size.group(1)), int(size.group(2))
            break
    done = subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-ss", f"{at_s:.3f}", "-i", str(video),
                           "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True)
    if done.returncode != 0 or not width:
        raise BrowserUnavailableError(f"ffmpeg cannot extract a frame at {at_s:.1f}s from {video.name}")
    return width, height, done.stdout
