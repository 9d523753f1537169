"""Launching Chromium, Playwright's video prerequisite (ffmpeg), and saving failure artifacts without secrets."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Iterable, Sequence

from .errors import BrowserUnavailableError

#: System Chromium builds we accept when Playwright's own build is not installed (it cannot be downloaded offline).
SYSTEM_CHROMIUM_CANDIDATES = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
]

#: Quiet the browser: no update checks, no sync, no background traffic to Google while we drive Setup.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

INSTALL_HINT = (
    "no Chromium found: run `python -m playwright install chromium` or `apt-get install chromium` "
    "(or run scripts/install.sh)"
)


def find_chromium(playwright) -> str | None:
    """Path of the Chromium to launch: Playwright's own if installed, else a system build; None if neither."""
    own = _own_executable(playwright)
    if own and Path(own).exists():
        return own
    for candidate in SYSTEM_CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def launch_args() -> list[str]:
    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return args


def launch_options(playwright, headless: bool = True, slow_mo: float = 0) -> dict:
    """Keyword arguments for `chromium.launch`, for the sync and the async API alike."""
    executable = find_chromium(playwright)
    if executable is None:
        raise BrowserUnavailableError(INSTALL_HINT)
    kwargs = dict(headless=headless, slow_mo=slow_mo, args=launch_args())
    if executable != _own_executable(playwright):
        kwargs["executable_path"] = executable
    return kwargs


def _start_failed(kwargs: dict, exc: Exception) -> BrowserUnavailableError:
    # Playwright's Error can be pages long: keep its first line
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = kwargs.get("executable_path", "Playwright's Chromium")
    return BrowserUnavailableError(f"Chromium at {where} failed to start: {first_line}")


def launch_browser(playwright, headless: bool = True, slow_mo: float = 0):
    """Launch Chromium with the sync Playwright API. Raises BrowserUnavailableError (one line, how to fix) if none."""
    kwargs = launch_options(playwright, headless, slow_mo)
    try:
        return playwright.chromium.launch(**kwargs)
    except Exception as exc:
        raise _start_failed(kwargs, exc) from None


async def launch_browser_async(playwright, headless: bool = True, slow_mo: float = 0):
    """The same with the async Playwright API (flows are async so one browser can serve several orgs)."""
    kwargs = launch_options(playwright, headless, slow_mo)
    try:
        return await playwright.chromium.launch(**kwargs)
    except Exception as exc:
        raise _start_failed(kwargs, exc) from None


class BrowserOnFirstUse:
    """A browser asked for (`launch()`, awaited) only when the first page context is opened: a run that turns out to
    need no page (a re-run that checked its app over the API with its stored credentials' token) starts none.
    `setup` launches its own this way; the nightly job's attempts take the run's shared one.

    `warm()` starts the launch ahead, for a run that will surely need a page (a create): Chromium starts while the key
    pair is made and the stored credentials are looked for, not after. `settle()` waits for a launch that was started
    and never used, so whoever owns what it opened can close it."""

    def __init__(self, launch):  # noqa: ANN001 - async () -> Playwright Browser
        self._launch = launch
        self._launching: asyncio.Task | None = None
        self.browser = None

    def warm(self) -> None:
        if self.browser is None and self._launching is None:
            self._launching = asyncio.ensure_future(self._launch())
            # a failure nobody awaits is still taken, so asyncio does not print it at exit
            self._launching.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def started(self):  # noqa: ANN201 - Playwright's Browser
        """The browser, launched now if it was not yet (the launch has its own timeout)."""
        if self.browser is None:
            self.warm()
            self.browser = await self._launching
        return self.browser

    async def settle(self) -> None:
        """A warmed launch is over (its browser kept for closing, its failure dropped: nothing needed it)."""
        if self.browser is None and self._launching is not None:
            try:
                self.browser = await self._launching
            except Exception:  # noqa: BLE001 - the browser was never asked for, so its failure is nobody's
                self._launching = None

    async def new_context(self, **options):  # noqa: ANN003, ANN201
        return await (await self.started()).new_context(**options)

    def is_connected(self) -> bool:
        return self.browser is None or self.browser.is_connected()


def _own_executable(playwright) -> str | None:
    try:
        return playwright.chromium.executable_path
    except Exception:  # Playwright raises when its browser registry has no entry
        return None


# --- video -------------------------------------------------------------------------------------------------------


def playwright_browsers_path() -> Path:
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "ms-playwright"


def playwright_ffmpeg_revision() -> str:
    import playwright

    browsers_json = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    try:
        browsers = json.loads(browsers_json.read_text())["browsers"]
        return next(b["revision"] for b in browsers if b["name"] == "ffmpeg")
    except (OSError, ValueError, KeyError, StopIteration):
        raise BrowserUnavailableError(f"cannot read the ffmpeg revision from {browsers_json}") from None


def ensure_ffmpeg_for_playwright() -> Path:
    """Make sure Playwright finds its ffmpeg (video recording needs it; there is no option to point elsewhere).

    If it is missing, link the ffmpeg shipped by the imageio-ffmpeg wheel into Playwright's browser folder.
    """
    target = playwright_browsers_path() / f"ffmpeg-{playwright_ffmpeg_revision()}" / "ffmpeg-linux"
    if target.exists():
        return target
    try:
        import imageio_ffmpeg

        source = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except Exception:
        raise BrowserUnavailableError(
            f"video needs ffmpeg at {target}: install imageio-ffmpeg (pip) or run `python -m playwright install ffmpeg`"
        ) from None
    if not source.exists():
        raise BrowserUnavailableError(f"video needs ffmpeg at {target}; imageio-ffmpeg's binary {source} is missing")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():  # dangling link from an older imageio-ffmpeg
        target.unlink()
    target.symlink_to(source)
    return target


# --- failure artifacts -------------------------------------------------------------------------------------------


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (0600 from the start, whatever the umask), replacing it atomically."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_failure_artifacts(page, out_dir: str | os.PathLike, secrets: Iterable[str] = (), name: str = "failure",  # noqa: ANN001
                           mask: Sequence = ()) -> list[str]:
    """Screenshot (password inputs and `mask` covered) and the page HTML with every secret replaced, both 0600;
    returns saved paths.

    Best effort: a dead page must not hide the original error, so failures here are swallowed.
    """
    from .redact import SecretSet

    secret_set = secrets if isinstance(secrets, SecretSet) else SecretSet(secrets)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[str] = []

    screenshot = out / f"{name}.png"
    try:
        masks = [page.locator("input[type=password]"), *(m for m in mask if m.page is page)]
        write_private(screenshot, page.screenshot(full_page=True, mask=masks, timeout=10_000))
        saved.append(str(screenshot))
    except Exception:
        pass

    html_path = out / f"{name}.html"
    try:
        html = page.content()
        write_private(html_path, secret_set.mask(blank_password_values(html)).encode("utf-8"))
        saved.append(str(html_path))
    except Exception:
        pass
    return saved


def blank_password_values(html: str) -> str:
    """page.content() serialises attributes only, but a page may mirror a typed password into value=""."""
    import re

    def blank(match: re.Match) -> str:
        tag = match.group(0)
        return re.sub(r'\svalue="[^"]*"', ' value="********"', tag)

    return re.sub(r"<input\b[^>]*type=\"?password\"?[^>]*>", blank, html, flags=re.IGNORECASE)
