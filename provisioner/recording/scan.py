"""After a recording: look for the run's secrets in every file it wrote, and scrub session cookies from traces.

The scanning itself (raw, URL-encoded, base64, JSON-escaped; inside zips) is provisioner/redact.py's. Here: which
files a recording scan covers (not the video frames: pixels cannot be searched for text, the covers handle them),
what a leak does (the leaking files are deleted and RecordingLeakError names them, never the secret), and trace
scrubbing (every traced request carries the session cookie, which would let a reader use the session).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Iterable

from provisioner.errors import RecordingLeakError
from provisioner.redact import MASK, SecretSet, scan_paths

#: media the recorder writes whose bytes are encoded pixels, not text
MEDIA_SUFFIXES = {".webm", ".mp4", ".gif", ".png", ".jpg", ".jpeg"}

#: cookie values shorter than this are flags ("1", "en_US"), not session ids
MIN_COOKIE_LENGTH = 16


def scannable_files(out_dir: str | os.PathLike) -> list[Path]:
    root = Path(out_dir)
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in MEDIA_SUFFIXES)


def leaking_files(out_dir: str | os.PathLike, secrets: SecretSet | Iterable[str]) -> list[Path]:
    """The files under out_dir (text, HTML, JSON, zips and their members) that contain one of the secrets."""
    findings = scan_paths(scannable_files(out_dir), secrets)
    return sorted({Path(f.where.split("!", 1)[0]) for f in findings})


def check_recording(out_dir: str | os.PathLike, secrets: SecretSet | Iterable[str], remove: bool = True) -> None:
    """Raise RecordingLeakError naming each leaking file (deleted first when `remove`, so it cannot be published)."""
    leaks = leaking_files(out_dir, secrets)
    if not leaks:
        return
    root = Path(out_dir)
    names = ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in leaks)
    if remove:
        for path in leaks:
            path.unlink(missing_ok=True)
    action = "deleted it" if len(leaks) == 1 else "deleted them"
    raise RecordingLeakError(
        f"the recording in {root} contained a secret of this run in: {names}"
        + (f" ({action}; the rest of the recording is clean)" if remove else ""),
        artifacts=[str(root)],
    )


def cookie_values(cookies: Iterable[dict]) -> set[str]:
    """Values of the context's cookies worth scrubbing (session ids and the like)."""
    return {c["value"] for c in cookies if len(c.get("value") or "") >= MIN_COOKIE_LENGTH}


def scrub_zip(path: Path, values: Iterable[str]) -> bool:
    """Replace each value (and its encodings) in every member of a zip with MASK; True if anything changed."""
    secrets = SecretSet(values)
    if not secrets:
        return False
    changed = False
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:  # images and other binary resources: left as they are, the scan still reads them
                target.writestr(member, data)
                continue
            masked = secrets.mask(text)
            changed |= masked != text
            target.writestr(member, masked.encode("utf-8"))
    if changed:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)
    return changed


__all__ = ["MASK", "MEDIA_SUFFIXES", "check_recording", "cookie_values", "leaking_files", "scannable_files",
           "scrub_zip"]
