"""Demo recordings that are safe to publish: video with chapters and covered secrets, masked screenshots, traces of
the parts without secrets, index.html, and a scan of everything written for the run's secrets."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from .recorder import DEFAULT_SIZE, VideoRecorder, recording_dir
from .scan import check_recording, leaking_files

__all__ = ["DEFAULT_SIZE", "VideoRecorder", "check_recording", "leaking_files", "make_recorder", "org_label", "recording_dir"]


def org_label(login_url: str, username: str = "") -> str:
    """A short name for the org in folder names: "acme--dev" from https://acme--dev.sandbox.my.salesforce.com;
    for a local address (the simulated org) the username's domain instead."""
    host = urlparse(login_url).hostname or ""
    if host and not re.fullmatch(r"[\d.]+|localhost|\[?[0-9a-f:]+\]?", host):
        label = host.split(".")[0]
        if label not in ("login", "test"):  # the generic login hosts say nothing about the org
            return label
    return (username.split("@", 1)[1].split(".")[0] if "@" in username else username) or "org"


def make_recorder(*, org, spec, secrets=None, trace: bool | None = False, slow_mo_ms: float = 0,  # noqa: ANN001
                  base_dir: str | Path = "recordings", size: tuple[int, int] = DEFAULT_SIZE,
                  **options) -> VideoRecorder:
    """The recorder for one `setup`/`demo` run: recordings/<YYYY-MM-DD>-<org>-<app>/.

    `org`: OrgSettings (login_url, username); `spec`: AppSpec (name); `secrets`: the run's SecretSet (kept by
    reference, so secrets added later, like the consumer secret, are scanned for too); `size`: the video's size,
    which is also the browser's viewport while recording (`recorder.viewport`, used by provision.py).
    """
    label = org_label(org.login_url, org.username)
    options.setdefault("title", f"{spec.name} in {label}")
    options.setdefault("app_name", spec.name)
    return VideoRecorder.for_run(label, spec.api_name or spec.name, secrets=secrets, base_dir=base_dir,
                                 trace=bool(trace), slow_mo_ms=slow_mo_ms, size=size, **options)
