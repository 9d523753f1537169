"""Launching Chromium, the ffmpeg Playwright needs for video, and failure artifacts that carry no secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from provisioner import browser as browser_module
from provisioner.browser import (
    CHROMIUM_ARGS,
    ensure_ffmpeg_for_playwright,
    launch_args,
    launch_browser,
    save_failure_artifacts,
)
from provisioner.errors import BrowserUnavailableError
from provisioner.redact import SecretSet, scan_paths


class _NoOwnChromium:
    """Stands in for `playwright` when deciding *which* executable to use (no launch happens)."""

    class chromium:
        executable_path = "/nonexistent/ms-playwright/chromium/chrome"


def test_quiet_flags_are_always_passed():
    args = launch_args()
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in args and flag in CHROMIUM_ARGS
    if os.geteuid() == 0:
        assert "--no-sandbox" in args


def test_no_browser_anywhere_is_a_one_line_error_saying_how_to_install(monkeypatch):
    monkeypatch.setattr(browser_module, "SYSTEM_CHROMIUM_CANDIDATES", [])
    monkeypatch.setattr(browser_module.shutil, "which", lambda name: None)
    with pytest.raises(BrowserUnavailableError) as info:
        launch_browser(_NoOwnChromium())
    message = str(info.value)
    assert "\n" not in message
    assert "playwright install chromium" in message and "apt-get install chromium" in message


def test_falls_back_to_system_chromium_when_playwright_has_none():
    if not any(Path(p).exists() for p in browser_module.SYSTEM_CHROMIUM_CANDIDATES):
        pytest.skip("no system Chromium on this machine")
    assert browser_module.find_chromium(_NoOwnChromium()) in browser_module.SYSTEM_CHROMIUM_CANDIDATES


def test_ffmpeg_link_is_created_where_playwright_looks(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    path = ensure_ffmpeg_for_playwright()
    revision = browser_module.playwright_ffmpeg_revision()
    assert path == tmp_path / f"ffmpeg-{revision}" / "ffmpeg-linux"
    assert path.exists() and os.access(path, os.X_OK)
    assert ensure_ffmpeg_for_playwright() == path  # idempotent


@pytest.mark.e2e
def test_browser_fixture_renders_a_page(page):
    page.set_content("<h1>hello</h1>")
    assert page.get_by_role("heading").inner_text() == "hello"


@pytest.mark.e2e
def test_video_recording_works_with_the_linked_ffmpeg(browser, tmp_path, monkeypatch):
    ensure_ffmpeg_for_playwright()
    context = browser.new_context(record_video_dir=str(tmp_path), record_video_size={"width": 320, "height": 240})
    try:
        page = context.new_page()
        page.set_content("<p>recording</p>")
    finally:
        context.close()
    videos = list(tmp_path.glob("*.webm"))
    assert videos and videos[0].stat().st_size > 0


@pytest.mark.e2e
def test_failure_artifacts_hide_secrets(page, tmp_path):
    secret_password = "S3cret-Pa55word!"
    consumer_secret = "ABCDEF0123456789ABCDEF0123456789"
    page.set_content(
        f"""<form><input type=password id=pw value="{secret_password}">
        <input type=text id=user value="admin@example.com"></form>
        <p id=secret>Consumer Secret: {consumer_secret}</p>"""
    )
    page.fill("#pw", secret_password)
    saved = save_failure_artifacts(page, tmp_path, [secret_password, consumer_secret])
    assert {Path(p).suffix for p in saved} == {".png", ".html"}
    html = (tmp_path / "failure.html").read_text()
    assert "admin@example.com" in html  # the page is still useful for debugging
    assert secret_password not in html and consumer_secret not in html
    assert scan_paths([tmp_path], SecretSet([secret_password, consumer_secret])) == []


@pytest.mark.e2e
def test_failure_artifacts_are_private_and_mask_the_secret_boxes(page, tmp_path):
    """Issue 17, item 6: failure.png/.html are 0600 whatever the umask, and the boxes that show a secret are masked
    (the screenshot is the same whatever the box holds)."""
    old_umask = os.umask(0o022)
    try:
        def shot(text: str, mask) -> bytes:  # noqa: ANN001
            page.set_content(f"<p>Consumer Secret</p><p id=secret style='font:20px monospace'>{text}</p>")
            out = tmp_path / text
            save_failure_artifacts(page, out, [text], mask=mask)
            for name in ("failure.png", "failure.html"):
                assert stat.S_IMODE((out / name).stat().st_mode) == 0o600, name
            return (out / "failure.png").read_bytes()

        first, second = "A" * 32, "B" * 32
        assert shot(first, [page.locator("#secret")]) == shot(second, [page.locator("#secret")])
        assert shot(first + "x", []) != shot(second + "x", [])  # control: unmasked, the text shows
    finally:
        os.umask(old_umask)
