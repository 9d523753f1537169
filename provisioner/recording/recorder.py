"""VideoRecorder: the recorder flows talk to when a demo is recorded (video, chapters, screenshots, traces).

What viewers get: a chapter card per step of the manual procedure (chapters.py), captions in the admin's words with
the field acted on highlighted (captions.py; Playwright's own action titles are never shown: they read like code and
include typed values), and after the run an mp4 whose chapters players list, a WebVTT file of the captions, a
poster and index.html.

Safety rules it enforces, whatever the flow does between the hooks:
- while a secret is typed or shown, tracing is stopped (traces copy input values, page text and response bodies even
  without snapshots); a typed secret is captioned as dots, by its field's label;
- after a secret moment, tracing restarts only once the page has left the URL where it ended (the password is
  still in the login form until the page navigates, and the form's POST carries it), as a new trace-N.zip;
- secrets on screen are covered in the video by opaque overlays (covers.py); screenshots mask password fields and
  every locator ever passed to a secret hook, and none is taken while a page is under a whole-viewport cover;
- the video follows the page the flow works on (`follow`: a Consumer Details tab and back), one part per page
  stretch, joined into video.webm by stop() (segments.py);
- each trace chunk is saved into a private staging folder (0700, outside the recording), scrubbed of session
  cookies at once and scanned for the run's secrets, and only then moved into the recording (0644): a run killed
  mid-way never leaves a live session in the folder meant for publishing;
- stop() (before the context closes) saves video and the last trace; it and finish() scan every written file for
  the run's secrets, deleting any that holds one.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import AsyncIterator, Iterable, Sequence

from playwright.async_api import Error as PlaywrightError

from provisioner.errors import BrowserUnavailableError, ProvisionerError, RecordingLeakError
from provisioner.flows.recorder import Recorder
from provisioner.redact import SecretSet

from provisioner.flows.recorder import register

from . import convert
from .captions import DOTS, Caption, caption_html, shorten, webvtt
from .chapters import VERIFY, VERIFY_CARD_S, ffmetadata, spans, verify_chapter
from .covers import COVER_COLOUR, Covers, VideoScreenCover
from .index_html import Summary, public_result, write_index
from .scan import cookie_values, leaking_files, scrub_zip
from .segments import Segment, join, to_video_clock

#: the recorded size (and the browser's viewport while recording): 720p, what video sites and READMEs expect
DEFAULT_SIZE = (1280, 720)

VIDEO = "video.webm"
MP4 = "video.mp4"
GIF = "preview.gif"
VTT = "video.vtt"
POSTER = "poster.jpg"
INDEX = "index.html"
MANIFEST = "recording.json"
SHOTS = "screenshots"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def recording_dir(base: str | Path, org: str, app: str, day: date | None = None) -> Path:
    """recordings/<YYYY-MM-DD>-<org>-<app>/ (with -2, -3... when that one already holds a recording)."""
    name = f"{(day or date.today()).isoformat()}-{slug(org)}-{slug(app)}"
    path, n = Path(base) / name, 2
    while path.exists() and any(path.iterdir()):
        path, n = Path(base) / f"{name}-{n}", n + 1
    return path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: a field smaller than this (an SLDS checkbox's hidden 1 px input, a hidden file input) is outlined by its label
MIN_FIELD_PX = 12
_LABEL_OF = "e => (e.labels && e.labels.length ? e.labels[0] : e.closest('label')) || e"


async def _field_box(target) -> dict | None:  # noqa: ANN001 - a Playwright Locator
    """Where the field a caption talks about is on screen: the element, or its label when the element itself is
    hidden or tiny; None when it is gone (short timeouts: a caption never waits for a page)."""
    try:
        box = await target.bounding_box(timeout=1_000)
        if box is None or box["width"] < MIN_FIELD_PX or box["height"] < MIN_FIELD_PX:
            handle = await target.evaluate_handle(_LABEL_OF, timeout=1_000)
            try:
                element = handle.as_element()
                box = (await element.bounding_box() if element else None) or box
            finally:
                await handle.dispose()
        return box if box and box["width"] > 0 and box["height"] > 0 else None
    except PlaywrightError:
        return None


class VideoRecorder(Recorder):
    """Records one org's run into `out_dir`. Create the browser context with `viewport` (the video's size), call
    `attach` once the page exists, `follow` when the flow moves to another page, `stop` before closing the context
    and `finish` once the result is known."""

    active = True

    def __init__(self, out_dir: str | Path, size: tuple[int, int] | None = None, slow_mo_ms: float = 0,
                 trace: bool = True, secrets: SecretSet | Iterable[str] | None = None, chapter_ms: float = 2000,
                 title: str = "Provisioner recording", mp4: bool = True, gif: bool = True,
                 secrets_hold_ms: float = 2500, caption_ms: float = 2200, org_name: str = "",
                 app_name: str = ""):
        from provisioner.browser import ensure_ffmpeg_for_playwright

        ensure_ffmpeg_for_playwright()  # Playwright fails at new_page()/screencast without its ffmpeg
        self.out_dir = Path(out_dir)
        self.size = tuple(size or DEFAULT_SIZE)
        #: the browser context's viewport while recording: the video's size, so nothing is cut or scaled
        self.viewport = {"width": int(self.size[0]), "height": int(self.size[1])}
        self.slow_mo_ms = slow_mo_ms
        self.trace = trace
        self.secrets = secrets if isinstance(secrets, SecretSet) else SecretSet(secrets or ())
        self.chapter_ms = chapter_ms
        self.secrets_hold_ms = secrets_hold_ms  # how long the video shows covered secrets before the flow moves on
        self.caption_ms = caption_ms  # each caption stays this long (the flow waits: it paces the video for readers)
        self.title = title
        self.org_name, self.app_name = org_name, app_name  # for the summary at the top of index.html
        self.mp4 = mp4
        self.gif = gif
        self.chapters: list[dict] = []
        self.captions: list[Caption] = []
        self.screenshots: list[dict] = []
        self.traces: list[str] = []
        self.notes: list[str] = []
        self.files: list[str] = []
        self._t0 = time.monotonic()
        self.covers = Covers(self._now, lambda: self._page)
        self.segments: list[Segment] = []  # the video's parts, one per stretch on one page
        self._context = None
        self._page = None  # the page the video follows
        self._watched: list = []  # pages with our framenavigated listener
        self._moments: list[VideoScreenCover] = []  # open secret_on_screen moments
        self._recording = False
        self._tracing = False
        self._secret_depth = 0
        self._resume_when_left: str | None = None
        self._sensitive: list = []  # locators passed to secret hooks: always masked in screenshots
        self._cookies: set[str] = set()
        self._stopped = False
        self._finished = False
        self._leaks: list[str] = []  # files deleted by the scan in stop()
        self._trace_lock = asyncio.Lock()  # a restart (from a navigation event) never overlaps a stop
        self._staging: Path | None = None  # private folder where trace chunks wait until scrubbed
        self._trace_parts = 0
        self._pending: set[asyncio.Task] = set()

    @classmethod
    def for_run(cls, org: str, app: str, secrets: SecretSet | Iterable[str] | None = None,
                base_dir: str | Path = "recordings", **options) -> "VideoRecorder":
        """A recorder writing to <base_dir>/<YYYY-MM-DD>-<org>-<app>/."""
        options.setdefault("title", f"{app} in {org}")
        options.setdefault("org_name", org)
        options.setdefault("app_name", app)
        return cls(recording_dir(base_dir, org, app), secrets=secrets, **options)

    # --- what the launcher needs -----------------------------------------------------------------------------
    def launch_options(self) -> dict:
        return {"slow_mo": self.slow_mo_ms}

    def context_options(self) -> dict:
        return {"viewport": dict(self.viewport)}

    def add_secrets(self, *values: str | None) -> None:
        """Secrets learned during the run (the consumer secret): covered by every later scan."""
        self.secrets.update(values)

    # --- hooks -----------------------------------------------------------------------------------------------
    async def attach(self, context, page) -> None:  # noqa: ANN001 - Playwright objects
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._context, self._page = context, page
        self._t0 = time.monotonic()
        try:
            await self._start_segment(page)
        except PlaywrightError as exc:
            raise BrowserUnavailableError(f"cannot record video: {_first_line(exc)}") from None
        self._recording = True
        register(context, self)  # controls caption what they do through the page's recorder
        self._watch(page)
        await self._start_trace()

    async def follow(self, page) -> None:  # noqa: ANN001
        """The flow works on `page` now (a tab it opened, or the main page again): the video follows it.

        Call it before closing the page the video follows (a closed page's part of the video is lost). Inside a
        secret_on_screen moment the new page is covered whole before its video starts, until the flow refits it.
        """
        if not self._recording or self._stopped or page is self._page or page.is_closed():
            return
        old = self._page
        await self._stop_segment(old)
        self._page = page
        for moment in self._moments:
            await moment.moved(old, page)
        self._watch(page)
        try:
            await self._start_segment(page)
        except PlaywrightError as exc:
            self.notes.append(f"the video could not follow a new page: {_first_line(exc)}")

    async def chapter(self, page, title: str, description: str = "") -> None:  # noqa: ANN001
        if self.chapters and self.chapters[-1]["title"] == title:
            # a sub-step of the same step (the login's verification code): said as a caption, not a new chapter
            if description:
                await self.caption(page, description)
            return
        await self._maybe_resume_trace(page)
        shown = self._shown(page)  # the card goes where the video is, whichever page the flow names
        await self._screenshot_chapter_end(shown)
        self.chapters.append({"title": title, "description": description, "t": round(self._now(), 3)})
        if self._recording:
            try:
                await shown.screencast.show_chapter(title, description=description or None, duration=self.chapter_ms)
            except PlaywrightError as exc:
                self.notes.append(f"chapter card '{title}' not shown: {_first_line(exc)}")

    async def caption(self, page, text: str, target=None) -> None:  # noqa: ANN001
        """Draw `text` over the video with `target` outlined; returns once it was shown for `caption_ms`.

        Playwright removes the overlay when the duration is over and only then answers, so the flow goes on after
        viewers had the caption's time to read it (no sleep here)."""
        text = shorten(self.secrets.mask(text))
        if not text or not self._recording or self._stopped:
            return
        shown = self._shown(page)
        box = await _field_box(target) if target is not None and getattr(target, "page", shown) is shown else None
        start = self._now()
        try:
            await shown.screencast.show_overlay(caption_html(text, box, self.viewport), duration=self.caption_ms)
        except PlaywrightError as exc:
            self.notes.append(f"caption not shown: {_first_line(exc)}")
            return
        self.captions.append(Caption(text, start, self._now(), box))

    async def screenshot(self, page, name: str, mask: Sequence = ()) -> None:  # noqa: ANN001
        await self._maybe_resume_trace(page)
        await self._take_screenshot(page, f"{len(self.screenshots) + 1:02d} {name}", mask)

    @asynccontextmanager
    async def secret_input(self, page, locators: Sequence = ()) -> AsyncIterator[None]:  # noqa: ANN001
        async with self._secret_moment(page, locators, "input", cover=bool(locators)):
            yield

    @asynccontextmanager
    async def secret_on_screen(self, page, locators: Sequence = ()) -> AsyncIterator[VideoScreenCover]:  # noqa: ANN001
        """Yields the moment's ScreenCover (see covers.py): the flow refits it as the secrets appear."""
        async with self._secret_moment(page, locators, "on_screen", cover=True) as screen:
            yield screen

    async def stop(self) -> None:
        """Save the video and the last trace; call it before the browser context closes (they are lost after).

        Also scrubs and scans the traces right away, so a run that fails before finish() leaves nothing unsafe.
        Never raises: problems become notes, leaks are reported by finish().
        """
        if self._stopped:
            return
        self._stopped = True
        if self._context is not None:
            register(self._context, None)
        for page in self._watched:
            page.remove_listener("framenavigated", self._on_navigated)
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self._stop_trace()
        self._drop_staging()
        if self._page is not None:
            await self._screenshot_chapter_end(self._page)
        if self._recording:
            self._recording = False
            await self._stop_segment(self._page)
            await asyncio.to_thread(self._join_segments)
        self._scan_and_remove()

    def finish(self, result: dict | None = None) -> list[str]:
        """Convert the video (chapters in the mp4, the Verify card at its end), write the captions (WebVTT), the
        poster and index.html, scan everything. RecordingLeakError names any file that held a secret (it is
        deleted). Synchronous: call it after stop(), once the run's result is known; a failed run passes
        {"status": "failed", "error": ...} and still gets its index."""
        if self._finished:
            return self.files
        self._finished = True
        self._drop_staging()
        if self._page is None:  # never attached (the run failed before its browser part): nothing was recorded
            return []
        if not self._stopped:
            self.notes.append("the recording was not stopped before the browser closed: the video and the last "
                              "trace are missing")
        self._scan_and_remove()
        video = self.out_dir / VIDEO
        has_video = video.exists() and video.stat().st_size > 0
        duration = self._duration(video) if has_video else 0.0
        verify = verify_chapter(result)
        chapters = [dict(c) for c in self.chapters]
        captions = [c.as_dict() for c in self.captions]
        mp4 = gif = poster = None
        if verify and has_video and self.mp4:  # the Verify card is appended to the mp4 only
            chapters.append({**verify, "t": round(duration, 3)})
            captions.append({"text": f"{verify['title']}: {verify['description']}", "t": round(duration, 3),
                             "end": round(duration + VERIFY_CARD_S, 3)})
            duration += VERIFY_CARD_S
        elif verify:
            chapters.append({**verify, "t": round(duration, 3)})
        if has_video:
            try:
                if self.mp4:
                    mp4 = self._to_mp4(video, chapters, duration, verify)
                if self.gif:
                    gif = convert.to_gif(mp4 or video, self.out_dir / GIF)
                poster = convert.poster(mp4 or video, self._poster_time(chapters, duration), self.out_dir / POSTER)
            except ProvisionerError as exc:
                self.notes.append(str(exc))
        shown = mp4 or (video if video.exists() else None)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        vtt = None
        if shown:
            cues = [(c["t"], c["end"], c["text"]) for c in captions]
            cues += [(c["t"], c["t"] + self.chapter_ms / 1000,
                      c["title"] + (f" — {c['description']}" if c.get("description") else "")) for c in chapters
                     if c["title"] != VERIFY]
            vtt = self.out_dir / VTT
            vtt.write_text(webvtt((t, end, self.secrets.mask(text)) for t, end, text in cues), encoding="utf-8")
        summary = Summary.of(org=self.org_name, app=self.app_name, result=result, duration_s=duration, secrets=self.secrets)
        manifest = {
            "title": self.title,
            "summary": summary.as_dict(),
            "video": shown.name if shown else None,
            "captions": vtt.name if vtt else None,
            "poster": poster.name if poster else None,
            "size": self.viewport,
            "duration": round(duration, 3),
            "parts": [{"t": to_video_clock(self.segments, s.start), "length": s.length()} for s in self.segments],
            "chapters": chapters,
            "caption_cues": captions,
            "covers": [c.as_dict() for c in self.covers.timeline],
            "screenshots": self.screenshots,
            "traces": self.traces,
            "result": public_result(result, self.secrets),
            "notes": [self.secrets.mask(n) for n in self.notes],
        }
        (self.out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_index(self.out_dir / INDEX, title=self.title, summary=summary, video=manifest["video"],
                    captions=manifest["captions"], poster=manifest["poster"], gif=gif.name if gif else None,
                    chapters=chapters, screenshots=self.screenshots, result=result, traces=self.traces,
                    notes=self.notes, secrets=self.secrets)
        self._scan_and_remove()
        self.files = sorted(str(p) for p in self.out_dir.rglob("*") if p.is_file())
        if self._leaks:
            raise RecordingLeakError(
                f"the recording in {self.out_dir} contained a secret of this run in: {', '.join(self._leaks)} "
                "(deleted; the rest of the recording is clean)", artifacts=[str(self.out_dir)])
        return self.files

    def _duration(self, video: Path) -> float:
        try:
            return convert.video_duration_s(video)
        except ProvisionerError as exc:
            self.notes.append(str(exc))
            return max((s.length() or 0.0 for s in self.segments), default=0.0)

    def _to_mp4(self, video: Path, chapters: list[dict], duration: float, verify: dict | None) -> Path:
        """The mp4 with its chapters in its own metadata (players list them) and the Verify card at its end."""
        meta = self.out_dir / ".chapters.ffmetadata"
        meta.write_text(ffmetadata(self.title, spans(chapters, duration)), encoding="utf-8")
        try:
            card = (verify["title"], shorten(verify["description"], 90), VERIFY_CARD_S) if verify else None
            return convert.to_mp4(video, self.out_dir / MP4, size=self.size, metadata=meta, card=card)
        finally:
            meta.unlink(missing_ok=True)

    @staticmethod
    def _poster_time(chapters: list[dict], duration: float) -> float:
        """Just before the consumer key and secret step (the app made, its policies set), else a third in."""
        for chapter in chapters:
            if chapter["title"] == "Consumer key and secret" and chapter["t"] > 1:
                return chapter["t"] - 0.5
        return duration / 3

    def _drop_staging(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def _scan_and_remove(self) -> None:
        """Scrub session cookies from the traces, then delete any file holding a secret (remembered for finish)."""
        if not self.out_dir.exists():
            return
        for name in self.traces:
            if (self.out_dir / name).exists():
                scrub_zip(self.out_dir / name, self._cookies)
        for path in leaking_files(self.out_dir, SecretSet([*self.secrets, *self._cookies])):
            path.unlink(missing_ok=True)
            name = str(path.relative_to(self.out_dir))
            if name not in self._leaks:
                self._leaks.append(name)
            if name in self.traces:
                self.traces.remove(name)

    # --- timeline and video parts -------------------------------------------------------------------------------
    def _now(self) -> float:
        """Seconds since the recording began (the run's clock; stop() moves the timeline onto the video's)."""
        return time.monotonic() - self._t0

    async def _start_segment(self, page) -> None:  # noqa: ANN001
        name = f"video-part-{len(self.segments) + 1}.webm"
        await page.screencast.start(path=str(self.out_dir / name), size=dict(self.viewport))
        self.segments.append(Segment(name, start=self._now()))

    async def _stop_segment(self, page) -> None:  # noqa: ANN001
        if not self.segments or self.segments[-1].end is not None or page is None:
            return
        self.segments[-1].end = self._now()
        try:
            await page.screencast.stop()
        except PlaywrightError as exc:  # a page closed before the video left it
            self.notes.append(f"a part of the video could not be saved: {_first_line(exc)}")
            (self.out_dir / self.segments.pop().file).unlink(missing_ok=True)

    def _join_segments(self) -> None:
        """One video.webm from the parts, and every time of the run on its clock."""
        parts = [s for s in self.segments if (self.out_dir / s.file).exists()]
        if not parts:
            return
        try:
            join(self.out_dir, parts, self.out_dir / VIDEO)
        except ProvisionerError as exc:
            self.notes.append(f"the video parts were kept apart: {exc}")
            return
        self.segments = parts
        to_video = lambda t: to_video_clock(parts, t)  # noqa: E731
        for entry in [*self.chapters, *self.screenshots]:
            entry["t"] = to_video(entry["t"])
        for caption in self.captions:
            caption.t, caption.end = to_video(caption.t), to_video(caption.end)
        self.covers.retime(to_video)

    def _shown(self, page):  # noqa: ANN001, ANN202
        """The page the video shows (the one the flow follows), else `page`."""
        return self._page if self._page is not None and not self._page.is_closed() else page

    def _watch(self, page) -> None:  # noqa: ANN001
        if all(p is not page for p in self._watched):
            page.on("framenavigated", self._on_navigated)
            self._watched.append(page)

    # --- secret moments --------------------------------------------------------------------------------------
    @asynccontextmanager
    async def _secret_moment(self, page, locators: Sequence, kind: str, cover: bool) -> AsyncIterator[VideoScreenCover | None]:  # noqa: ANN001
        self._sensitive.extend(locators)
        self._secret_depth += 1
        shown = screen = None
        try:
            if self._secret_depth == 1:
                await self._stop_trace()
            if kind == "on_screen":
                screen = VideoScreenCover(self.covers, lambda: self._page, lambda: self._recording,
                                     self._sensitive.extend, hold_s=self.secrets_hold_ms / 1000)
                self._moments.append(screen)
                await screen.put(page, list(locators))
            elif cover and self._recording:
                shown = await self.covers.show(page, locators, kind)
            if kind == "input":
                # before the flow types (a code typed then submitted inside the block leaves no field to name
                # after it), with the field already covered: "Verification Code: ••••"
                await self._caption_secret(page, locators)
            yield screen
        finally:
            self._secret_depth -= 1
            if shown is not None:
                await self.covers.hide(shown)
            if screen is not None:
                self._moments.remove(screen)
                await screen.close()
            if self._secret_depth == 0:
                # tracing restarts once the recorded page leaves the URL it shows now
                self._resume_when_left = self._page.url if self._page is not None else page.url

    async def _caption_secret(self, page, locators: Sequence) -> None:  # noqa: ANN001
        """Caption a typed secret by its field's label and dots: the locators given (a code input), else the
        page's visible password field. Never the value."""
        if not self._recording or page.is_closed():
            return
        from provisioner.flows.controls import field_name

        field = locators[0] if locators else page.locator("input[type=password]").filter(visible=True)
        try:
            name = await field_name(field) if await field.count() else ""
        except PlaywrightError:
            name = ""
        await self.caption(page, f"{name or 'Secret'}: {DOTS}", field.first)

    # --- tracing -------------------------------------------------------------------------------------------------
    async def _start_trace(self) -> None:
        async with self._trace_lock:
            # checked under the lock: a secret moment may have begun while this start waited
            if not self.trace or self._tracing or self._context is None or self._secret_depth or self._stopped:
                return
            await self._context.tracing.start(title=f"{self.title} (part {self._trace_parts + 1})",
                                              snapshots=True, screenshots=True, sources=False)
            self._tracing = True

    async def _stop_trace(self) -> None:
        async with self._trace_lock:
            if not self._tracing:
                return
            self._tracing = False
            self._trace_parts += 1
            name = f"trace-{self._trace_parts}.zip"
            if self._staging is None:
                self._staging = Path(tempfile.mkdtemp(prefix="provisioner-trace-"))  # 0700: only this user
            staged = self._staging / name
            try:
                await self._context.tracing.stop(path=str(staged))
                # read after stopping: a traced cookies() call would put them in the trace
                self._cookies |= cookie_values(await self._context.cookies())
            except PlaywrightError as exc:
                self.notes.append(f"a trace could not be saved: {_first_line(exc)}")
                staged.unlink(missing_ok=True)
                return
            await asyncio.to_thread(self._publish_trace, staged)

    def _publish_trace(self, staged: Path) -> None:
        """Scrub a staged trace chunk, scan it, and only then move it into the recording (0644: meant to be shared)."""
        scrub_zip(staged, self._cookies)
        if leaking_files(staged.parent, SecretSet([*self.secrets, *self._cookies])):
            staged.unlink(missing_ok=True)
            self._leaks.append(staged.name)
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(staged, 0o644)
        # copy then rename inside the recording folder: the staging folder may be on another file system
        partial = self.out_dir / f".{staged.name}.partial"
        shutil.copyfile(staged, partial)
        os.chmod(partial, 0o644)
        os.replace(partial, self.out_dir / staged.name)
        staged.unlink()
        self.traces.append(staged.name)

    async def _maybe_resume_trace(self, page) -> None:  # noqa: ANN001
        """Restart tracing unless the page is still where the last secret moment ended."""
        if self._secret_depth or self._tracing or not self.trace or self._stopped:
            return
        if self._resume_when_left is not None and page.url == self._resume_when_left:
            return
        self._resume_when_left = None
        await self._start_trace()

    def _on_navigated(self, frame) -> None:  # noqa: ANN001
        """The page left the secret's URL: resume tracing right away, not only at the next chapter."""
        if self._resume_when_left is None or self._page is None or frame != self._page.main_frame or frame.url == self._resume_when_left:
            return
        task = asyncio.get_running_loop().create_task(self._maybe_resume_trace(self._page))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    # --- screenshots -------------------------------------------------------------------------------------------
    async def _screenshot_chapter_end(self, page) -> None:  # noqa: ANN001
        """Each chapter's screenshot shows where its step ended (its start is often a blank or previous page)."""
        if not self.chapters or "screenshot" in self.chapters[-1] or page is None or page.is_closed():
            return
        shot = await self._take_screenshot(page, f"{len(self.screenshots) + 1:02d} {self.chapters[-1]['title']}")
        if shot:
            self.chapters[-1]["screenshot"] = shot["file"]

    async def _take_screenshot(self, page, name: str, mask: Sequence = ()) -> dict | None:  # noqa: ANN001
        if self.covers.full_cover_on(page):  # secrets may be on it and where is not known: masks cannot help
            self.notes.append(f"screenshot '{name}' not taken: secrets may be on screen")
            return None
        (self.out_dir / SHOTS).mkdir(parents=True, exist_ok=True)
        file = f"{SHOTS}/{slug(name)}.png"
        masks = [page.locator("input[type=password]")]
        masks += [m for m in [*self._sensitive, *mask] if getattr(m, "page", page) is page]
        try:
            await page.screenshot(path=str(self.out_dir / file), mask=masks, mask_color=COVER_COLOUR, timeout=15_000)
        except PlaywrightError as exc:
            self.notes.append(f"screenshot '{name}' not taken: {_first_line(exc)}")
            return None
        shot = {"name": name, "file": file, "t": round(self._now(), 3)}
        self.screenshots.append(shot)
        return shot
