"""Demo recordings: the video shows covers over secrets, and nothing written holds one of the run's secrets."""

from __future__ import annotations

import asyncio
import base64
import html
import io
import json
import secrets as random_secrets
import stat
import threading
import urllib.parse
import zipfile
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from provisioner.errors import RecordingLeakError
from provisioner.recording import VideoRecorder, check_recording, leaking_files, recording_dir
from provisioner.recording.convert import frame_rgb, video_duration_s
from provisioner.recording.covers import COVER_RGB
from provisioner.recording.index_html import public_result, render_index
from provisioner.redact import SecretSet

PASSWORD = "Pw-" + random_secrets.token_urlsafe(12)
CODE = "739251"
CONSUMER_KEY = "3MVG9" + random_secrets.token_hex(20)
CONSUMER_SECRET = random_secrets.token_hex(32).upper()
SESSION_ID = "00D" + random_secrets.token_urlsafe(40)
RUN_SECRETS = [PASSWORD, CODE, CONSUMER_KEY, CONSUMER_SECRET]


# --- scan: unit ------------------------------------------------------------------------------------------------


def test_scan_finds_a_planted_secret_in_a_file_and_inside_a_zip_and_names_only_the_file(tmp_path):
    secret = "s3cr3t-" + random_secrets.token_hex(8) + "/+"
    (tmp_path / "clean.html").write_text("<p>nothing here</p>")
    (tmp_path / "run.log").write_text(f"POST body: token={urllib.parse.quote_plus(secret)}\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trace.network", json.dumps({"body": base64.b64encode(b"xx" + secret.encode()).decode()}))
    (tmp_path / "trace-1.zip").write_bytes(buffer.getvalue())
    (tmp_path / "video.webm").write_bytes(secret.encode())  # pixels are not scanned: covers handle the video

    assert {p.name for p in leaking_files(tmp_path, [secret])} == {"run.log", "trace-1.zip"}
    with pytest.raises(RecordingLeakError) as caught:
        check_recording(tmp_path, [secret])
    message = str(caught.value)
    assert "run.log" in message and "trace-1.zip" in message
    assert secret not in message and secret[:6] not in message
    assert not (tmp_path / "run.log").exists() and not (tmp_path / "trace-1.zip").exists()
    assert (tmp_path / "clean.html").exists()
    check_recording(tmp_path, [secret])  # clean now


def test_published_result_hides_the_secret_and_shortens_the_consumer_key():
    result = {"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET, "username": "demo@example.com",
              "note": f"password was {PASSWORD}", "verified": True}
    public = public_result(result, SecretSet(RUN_SECRETS))
    text = json.dumps(public)
    assert CONSUMER_SECRET not in text and PASSWORD not in text and CONSUMER_KEY not in text
    assert public["consumer_key"].endswith(CONSUMER_KEY[-4:])
    assert public["username"] == "demo@example.com" and public["verified"] is True


def test_index_links_chapters_to_video_times():
    page = render_index(title="Demo <org>", video="video.mp4", gif="preview.gif",
                        chapters=[{"title": "Log in", "description": "", "t": 0.4},
                                  {"title": "Create the app", "description": "name & callback", "t": 75.25}],
                        screenshots=[], result={}, traces=["trace-1.zip"], notes=[], secrets=SecretSet())
    assert 'data-t="75.250"' in page and "01:15" in page and "name &amp; callback" in page
    assert "Demo &lt;org&gt;" in page and 'src="video.mp4"' in page


def test_index_summary_says_org_app_outcome_and_duration_and_a_failure_in_its_own_words():
    from provisioner.recording.index_html import Summary

    secrets = SecretSet(RUN_SECRETS)
    ok = Summary.of(org="acme--dev", app="CI JWT", result={"status": "created", "verified": True},
                    duration_s=95.4, secrets=secrets)
    page = render_index(title="t", video="video.mp4", gif=None, chapters=[], screenshots=[], result={}, traces=[],
                        notes=[], secrets=secrets, summary=ok, captions="video.vtt", poster="poster.jpg")
    assert '<dd id=org>acme--dev</dd>' in page and '<dd id=app>CI JWT</dd>' in page and "01:35" in page
    assert "Created, credentials verified" in page
    assert 'poster="poster.jpg"' in page and '<track kind=captions' in page and 'src="video.vtt"' in page

    failed = Summary.of(org="acme", app="CI JWT", duration_s=3,
                        result={"status": "failed", "error": f"login failed: password {PASSWORD} refused"},
                        secrets=secrets)
    assert failed.failed and failed.outcome.startswith("Failed: login failed") and PASSWORD not in failed.outcome


def test_chapters_round_trip_through_ffmetadata_and_captions_through_webvtt():
    from provisioner.recording.captions import read_webvtt, webvtt
    from provisioner.recording.chapters import ffmetadata, read_ffmetadata, spans

    chapters = [{"title": "Log in", "t": 0.4}, {"title": "Policies; A=B #1", "t": 12.5}, {"title": "Verify", "t": 30}]
    text = ffmetadata("CI JWT in acme", spans(chapters, 33.0))
    assert [(c["title"], c["start"], c["end"]) for c in read_ffmetadata(text)] == [
        ("Log in", 0.4, 12.5), ("Policies; A=B #1", 12.5, 30.0), ("Verify", 30.0, 33.0)]
    cues = read_webvtt(webvtt([(2, 4, "Contact Email: admin@acme.example"), (1, 1.2, "a --> b")]))
    assert [c[2] for c in cues] == ["a → b", "Contact Email: admin@acme.example"]
    assert cues[0][1] - cues[0][0] >= 0.5  # a cue is never too short to see


CONTROLS_PAGE = """
<label for=email>Contact Email</label><input id=email>
<label for=urls>Callback URL</label><textarea id=urls></textarea>
<label for=state>Distribution State</label><select id=state><option>Local</option><option>Packaged</option></select>
<fieldset role=radiogroup aria-label="Permitted Users">
  <label><input type=radio name=pu value=all>All users can self-authorize</label>
  <label><input type=radio name=pu value=admin>Admin approved users are pre-authorized</label></fieldset>
<label><input type=checkbox id=jwt> Enable JWT Bearer Flow</label>
<label for=cert>Upload Files</label><input type=file id=cert>
"""


class CaptionsHeard:
    """A recorder that only listens to captions (and says it records, so controls caption)."""

    active = True

    def __init__(self):
        self.heard: list[tuple[str, object]] = []

    async def caption(self, page, text, target=None):  # noqa: ANN001
        self.heard.append((text, target))


def test_controls_caption_what_they_did_with_the_fields_label_and_nothing_when_not_recorded():
    from playwright.async_api import async_playwright

    from provisioner.browser import find_chromium, launch_args
    from provisioner.flows import controls
    from provisioner.flows.recorder import register

    async def run() -> tuple[list, list]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_chromium(p), args=launch_args())
            try:
                context = await browser.new_context()
                page = await context.new_page()
                await page.set_content(CONTROLS_PAGE)
                await controls.fill_text(page.get_by_label("Contact Email"), "first@acme.example")  # not recorded
                heard = CaptionsHeard()
                register(context, heard)
                await controls.fill_text(page.get_by_label("Contact Email"), "admin@acme.example")
                await controls.fill_text(page.get_by_label("Callback URL"), "http://localhost:1717/OauthRedirect\nhttps://x")
                await controls.choose(page.get_by_label("Distribution State"), "Packaged", page=page)
                await controls.choose(page.get_by_role("radiogroup", name="Permitted Users"),
                                      "Admin approved users are pre-authorized", page=page)
                await controls.set_checked(page.get_by_label("Enable JWT Bearer Flow"), True)
                await controls.set_checked(page.get_by_label("Enable JWT Bearer Flow"), True)  # no change: silent
                await controls.upload_certificate(page.get_by_label("Upload Files"), "-----BEGIN CERTIFICATE-----")
                await controls.fill_text(page.get_by_label("Contact Email"), "ops@acme.example", caption="Own words")
                register(context, None)
                targets = [await t.evaluate("e => e.id || e.getAttribute('aria-label')") for _, t in heard.heard]
                return [text for text, _ in heard.heard], targets
            finally:
                await browser.close()

    texts, targets = asyncio.run(run())
    assert texts == ["Contact Email: admin@acme.example",
                     "Callback URL: http://localhost:1717/OauthRedirect, https://x",
                     "Distribution State → Packaged",
                     "Permitted Users → Admin approved users are pre-authorized",
                     "Enable JWT Bearer Flow: on",
                     "Upload certificate server.crt",
                     "Own words"]
    assert targets == ["email", "urls", "state", "Permitted Users", "jwt", "cert", "email"]  # the field acted on


def test_recording_dir_is_dated_and_never_reuses_a_full_one(tmp_path):
    first = recording_dir(tmp_path, "Acme Sandbox", "CI Deploy", date(2025, 3, 1))
    assert first == tmp_path / "2025-03-01-acme-sandbox-ci-deploy"
    first.mkdir()
    (first / "video.webm").write_bytes(b"x")
    assert recording_dir(tmp_path, "Acme Sandbox", "CI Deploy", date(2025, 3, 1)).name.endswith("-ci-deploy-2")


# --- a recorded run in real Chromium ----------------------------------------------------------------------------

PAGES = {
    "/login": """<h1>Log in</h1><form method=post action=/login>
        <input id=username name=username><input id=password name=pw type=password>
        <button id=login>Log In</button></form>""",
    "/verify": """<h1>Verify your identity</h1><form method=post action=/verify>
        <input id=code name=code autocomplete=one-time-code><button id=verify>Verify</button></form>""",
    "/setup": """<h1>Consumer Details</h1>
        <p>Key <span id=key class=v>••••••••</span></p><p>Secret <span id=secret class=v>••••••••</span></p>
        <button id=reveal>Reveal</button> <button id=conceal>Hide</button> <button id=show-late>Later</button>
        <button id=open-tab onclick="window.open('/details')">Consumer details (new tab)</button>
        <script>
        const ph = '••••••••';
        reveal.onclick = async () => { const r = await (await fetch('/api/credentials')).json();
            key.textContent = r.key; secret.textContent = r.secret; };
        conceal.onclick = () => { key.textContent = ph; secret.textContent = ph; };
        document.getElementById('show-late').onclick = () => { const d = document.createElement('div');
            d.id = 'late'; d.textContent = r_late; document.body.append(d); };
        </script>""",
    "/details": """<h1>Verify your identity</h1>
        <div id=tprompt><input id=tcode autocomplete=one-time-code> <button id=tverify>Verify</button></div>
        <p>Key <span id=tkey class=v></span></p><p>Secret <span id=tsecret class=v></span></p>
        <script>
        document.body.style.background = '#9fd3ff';  // what the tab looks like in the video
        for (const v of [tkey, tsecret]) v.style.visibility = 'hidden';
        tverify.onclick = async () => { const r = await (await fetch('/api/credentials')).json();
            tprompt.remove(); tkey.textContent = r.key; tsecret.textContent = r.secret;
            for (const v of [tkey, tsecret]) v.style.visibility = 'visible'; };
        </script>""",
    "/done": "<h1>Done</h1><p>The app is ready.</p>",
}
TAB_RGB = (0x9F, 0xD3, 0xFF)
CSS = ("body{font:18px sans-serif;margin:40px;background:#fff} .v{display:inline-block;width:700px;"
       "background:#ffe14d;font-family:monospace} #late{position:absolute;left:200px;top:500px;"
       "background:#ffe14d;font:22px monospace}")


class SetupHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet test output
        pass

    def _html(self, path: str) -> None:
        body = PAGES[path].replace("r_late", json.dumps(CONSUMER_SECRET))
        data = f"<!doctype html><html><head><title>{path}</title><link rel=stylesheet href=/style.css></head><body>{body}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/api/credentials":
            data = json.dumps({"key": CONSUMER_KEY, "secret": CONSUMER_SECRET}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)
        elif self.path == "/style.css":
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(CSS.encode())
        elif self.path in PAGES:
            self._html(self.path)
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.send_response(303)
        if self.path == "/login" and form.get("pw") == [PASSWORD]:
            self.send_header("Set-Cookie", f"sid={SESSION_ID}; Path=/; HttpOnly")
            self.send_header("Location", "/verify")
        elif self.path == "/verify" and form.get("code") == [CODE]:
            self.send_header("Location", "/setup")
        else:
            self.send_header("Location", "/login")
        self.end_headers()


@pytest.fixture(scope="module")
def setup_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SetupHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def record_run(base: str, out_dir: Path) -> VideoRecorder:
    from playwright.async_api import async_playwright, expect

    from provisioner.browser import find_chromium, launch_args

    recorder = VideoRecorder(out_dir, secrets=RUN_SECRETS, chapter_ms=600, title="Test org / Test app",
                             secrets_hold_ms=700, caption_ms=500)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=find_chromium(p), args=launch_args(),
                                          **recorder.launch_options())
        context = await browser.new_context(**recorder.context_options())
        try:
            page = await context.new_page()
            await page.goto(base + "/login")
            await recorder.attach(context, page)
            await recorder.chapter(page, "Log in", "Username and password")
            await page.fill("#username", "demo@example.com")
            async with recorder.secret_input(page):
                await page.fill("#password", PASSWORD)
            await page.click("#login")
            await page.wait_for_url("**/verify")

            await recorder.chapter(page, "Verify your identity", "The code from the email")
            async with recorder.secret_input(page, [page.locator("#code")]):
                await page.fill("#code", CODE)
                await asyncio.sleep(1)  # test only: leave frames to check
            await page.click("#verify")
            await page.wait_for_url("**/setup")

            await recorder.chapter(page, "Consumer key and secret")
            async with recorder.secret_on_screen(page, [page.locator("#key"), page.locator("#secret")]):
                await page.click("#reveal")
                await expect(page.locator("#secret")).to_have_text(CONSUMER_SECRET)
                await asyncio.sleep(1.5)  # test only: the secret stays on screen for a while
                await page.click("#conceal")
                await expect(page.locator("#secret")).not_to_have_text(CONSUMER_SECRET)
            async with recorder.secret_on_screen(page, [page.locator("#late")]):  # not on screen yet
                await page.click("#show-late")
                await expect(page.locator("#late")).to_be_visible()
                await asyncio.sleep(1)
                await page.evaluate("document.getElementById('late').remove()")

            await recorder.chapter(page, "Consumer details in a new tab")
            async with recorder.secret_on_screen(page) as screen:  # before the click that opens the tab
                async with context.expect_page() as opened:
                    await page.click("#open-tab")
                tab = await opened.value
                await tab.wait_for_load_state("domcontentloaded")
                await recorder.follow(tab)  # the video follows the tab, covered whole at first
                values = [tab.locator("#tkey"), tab.locator("#tsecret")]
                await screen.cover(*values)
                await tab.locator("#tcode").wait_for()
                await screen.uncover()  # only the code prompt: viewers see it
                await asyncio.sleep(1.2)  # test only: frames of the prompt
                async with recorder.secret_input(tab, [tab.locator("#tcode")]):
                    await tab.fill("#tcode", CODE)
                    await asyncio.sleep(0.7)  # test only: frames of the covered code
                    await screen.cover(*values)  # Verify reveals them: the whole tab is covered first
                    await tab.click("#tverify")
                await expect(values[1]).to_have_text(CONSUMER_SECRET)
                await screen.cover(*values)  # exactly the values now; the recorder holds for viewers
                await recorder.follow(page)  # back to the main page before the tab closes
                await tab.close()

            await recorder.chapter(page, "Done", "Credentials saved")
            await page.goto(base + "/done")  # leaving the secrets' page: tracing resumes
            await recorder.screenshot(page, "done")
            await page.reload()  # a traced request carrying the session cookie
        finally:
            await recorder.stop()
            await context.close()
            await browser.close()
    return recorder


@pytest.fixture(scope="module")
def recorded(setup_site, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("recording") / "2025-01-01-test-org-test-app"
    recorder = asyncio.run(record_run(setup_site, out_dir))
    recorder.finish({"consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET,
                     "username": "demo@example.com", "verified": True})
    return recorder, out_dir


@pytest.mark.e2e
def test_recorded_run_writes_video_chapters_traces_and_index(recorded):
    recorder, out_dir = recorded
    assert (out_dir / "video.webm").stat().st_size > 0
    duration = video_duration_s(out_dir / "video.webm")
    assert duration > 5
    assert video_duration_s(out_dir / "video.mp4") > 5
    assert (out_dir / "preview.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")

    titles = [c["title"] for c in recorder.chapters]
    assert titles == ["Log in", "Verify your identity", "Consumer key and secret", "Consumer details in a new tab",
                      "Done"]
    times = [c["t"] for c in recorder.chapters]
    assert times == sorted(times) and times[-1] < duration + 1

    # tracing stopped around each secret moment: one trace per span without secrets
    assert recorder.traces == ["trace-1.zip", "trace-2.zip", "trace-3.zip", "trace-4.zip"]
    for name in recorder.traces:
        assert zipfile.ZipFile(out_dir / name).namelist()

    index = (out_dir / "index.html").read_text()
    assert all(html.escape(t) in index for t in titles)
    assert f'data-t="{times[2]:.3f}"' in index and 'src="video.mp4"' in index
    assert len(list((out_dir / "screenshots").glob("*.png"))) == 6
    assert "/verify" in zipfile.ZipFile(out_dir / "trace-2.zip").read("trace.trace").decode()
    manifest = json.loads((out_dir / "recording.json").read_text())
    assert manifest["result"]["consumer_key"].endswith(CONSUMER_KEY[-4:])


@pytest.mark.e2e
def test_nothing_written_holds_a_secret_not_even_the_session_cookie(recorded):
    _, out_dir = recorded
    assert leaking_files(out_dir, [*RUN_SECRETS, SESSION_ID]) == []
    # the traces did record the logged-in requests: the cookie was there, and was scrubbed
    network = zipfile.ZipFile(out_dir / "trace-4.zip").read("trace.network").decode()
    assert "/done" in network and "sid=********" in network


def _colour_fraction(frame: tuple[int, int, bytes], box: dict, colour: tuple[int, int, int],
                     viewport_width: int = 1280) -> float:
    width, height, rgb = frame
    scale = width / viewport_width
    hits = total = 0
    # the inner part of the box (the label sits in the top-left corner)
    for fy in (0.55, 0.7, 0.85):
        for fx in (0.2, 0.35, 0.5, 0.65, 0.8):
            x = int((box["x"] + box["width"] * fx) * scale)
            y = int((box["y"] + box["height"] * fy) * scale)
            if not (0 <= x < width and 0 <= y < height):
                continue
            i = (y * width + x) * 3
            total += 1
            hits += all(abs(rgb[i + k] - colour[k]) <= 24 for k in range(3))
    return hits / total


def _cover_fraction(frame: tuple[int, int, bytes], box: dict, viewport_width: int = 1280) -> float:
    return _colour_fraction(frame, box, COVER_RGB, viewport_width)


@pytest.mark.e2e
def test_video_shows_the_cover_while_the_secret_is_on_screen(recorded):
    recorder, out_dir = recorded
    video = out_dir / "video.webm"
    covers = recorder.covers.timeline
    assert [c.kind for c in covers[:3]] == ["input", "on_screen", "on_screen"]
    code_cover, credentials_cover, late_cover = covers[:3]
    assert not credentials_cover.full_viewport and len(credentials_cover.boxes) == 2
    assert late_cover.full_viewport  # the element did not exist yet: the whole viewport was covered

    checked = set()
    for cover in covers:
        if cover.recorded_page and cover.hidden_at - cover.shown_at > 0.3:
            middle = (cover.shown_at + cover.hidden_at) / 2
            frame = frame_rgb(video, middle)
            for box in cover.boxes:
                assert _cover_fraction(frame, box.as_dict()) > 0.9, (cover.kind, middle)
                checked.add(cover.kind)
    # the loop must have looked at real frames: the typed code's cover and the credentials' cover at least
    assert checked >= {"input", "on_screen"}, checked

    # control: before the credentials cover went up, the same boxes showed the page (yellow placeholders)
    before = frame_rgb(video, max(0.0, credentials_cover.shown_at - 1.2))
    assert _cover_fraction(before, credentials_cover.boxes[1].as_dict()) < 0.2


@pytest.mark.e2e
def test_video_follows_the_new_tab_and_covers_its_code_and_secrets_on_the_joined_video(recorded):
    recorder, out_dir = recorded
    video = out_dir / "video.webm"
    # three parts (main page, the tab, the main page again) joined into one video, in order
    assert len(recorder.segments) == 3 and not list(out_dir.glob("video-part-*"))
    assert video_duration_s(video) >= sum(s.length() or 0 for s in recorder.segments[:2])
    tab_start = json.loads((out_dir / "recording.json").read_text())["parts"][1]["t"]

    on_tab = [c for c in recorder.covers.timeline if c.shown_at >= tab_start and c.recorded_page]
    code_cover = next(c for c in on_tab if c.kind == "input")
    values_cover = next(c for c in on_tab if c.kind == "on_screen" and not c.full_viewport)
    assert len(values_cover.boxes) == 2

    # the prompt was shown uncovered: the tab's own colour, between the uncover and the code cover. The screencast
    # can deliver a frame late on a loaded machine, so frames across that window are looked at, and one must show it.
    uncovered_at = max(c.hidden_at for c in on_tab if c.hidden_at is not None and c.hidden_at <= code_cover.shown_at)
    assert code_cover.shown_at - uncovered_at > 0.5
    window = [uncovered_at + (code_cover.shown_at - uncovered_at) * f for f in (0.2, 0.4, 0.6, 0.8, 0.95)]
    prompt_box = {"x": 900, "y": 450, "width": 300, "height": 200}
    assert max(_colour_fraction(frame_rgb(video, t), prompt_box, TAB_RGB) for t in window) > 0.9, window
    # the typed code and then the key and secret are covered on the joined video
    code_frame = frame_rgb(video, (code_cover.shown_at + code_cover.hidden_at) / 2)
    assert _cover_fraction(code_frame, code_cover.boxes[0].as_dict()) > 0.9
    values_frame = frame_rgb(video, (values_cover.shown_at + values_cover.hidden_at) / 2)
    for box in values_cover.boxes:  # the secret boxes
        assert _cover_fraction(values_frame, box.as_dict()) > 0.9
    # outside the boxes the details page shows (a viewer sees where the values are)
    assert _colour_fraction(values_frame, {"x": 900, "y": 550, "width": 300, "height": 150}, TAB_RGB) > 0.9


# --- a recorded provision against the simulated org --------------------------------------------------------------


@pytest.mark.e2e
def test_recorded_provision_against_the_simulated_org_is_safe_to_publish(sim, tmp_path):
    from playwright.async_api import async_playwright

    from provisioner.browser import launch_browser_async
    from provisioner.certs import generate_key_and_cert
    from provisioner.config import MailboxSettings, OrgSettings
    from provisioner.spec import load_spec
    from provisioner.provision import ProvisionRequest, provision
    from provisioner.recording import make_recorder

    info = sim.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])
    mailbox = MailboxSettings(host=info["imap_host"], port=info["imap_port"], user=info["imap_user"],
                              password=info["imap_password"], ssl=bool(info["imap_ssl"]))
    spec = load_spec(None, {"name": "Recorded Demo"}, default_contact_email=org.username)
    key, cert = generate_key_and_cert(tmp_path / "keys", common_name="recorded-demo")
    run_secrets = SecretSet([*org.secrets(), *mailbox.secrets()])
    recorder = make_recorder(org=org, spec=spec, secrets=run_secrets, trace=True, base_dir=tmp_path / "recordings",
                             chapter_ms=300, secrets_hold_ms=800, caption_ms=250,  # each caption paces the flow
                             mp4=False, gif=False)  # conversions: tested above
    assert recorder.viewport == {"width": 1280, "height": 720}  # provision.py lays the pages out at this size

    async def run():  # noqa: ANN202
        async with async_playwright() as playwright:
            browser = await launch_browser_async(playwright)
            try:
                request = ProvisionRequest(org=org, spec=spec, cert_path=cert, key_path=key, mailbox=mailbox)
                return await provision(browser, request, None, recorder)
            finally:
                await browser.close()

    result = asyncio.run(run())
    assert result.consumer_secret and result.consumer_secret in run_secrets  # learned through add_secrets
    recorder.finish({"consumer_key": result.consumer_key, "consumer_secret": result.consumer_secret,
                     "status": result.status})

    out_dir = recorder.out_dir
    assert out_dir.parent == tmp_path / "recordings" and out_dir.name.endswith("-recorded-demo")
    assert video_duration_s(out_dir / "video.webm") > 5
    titles = [c["title"] for c in recorder.chapters]
    assert titles[0] == "Log in" and "Consumer key and secret" in titles
    assert recorder.traces and all((out_dir / t).exists() for t in recorder.traces)

    everything = [org.password, org.totp_secret, mailbox.password, result.consumer_secret, result.consumer_key]
    assert leaking_files(out_dir, everything) == []
    index = (out_dir / "index.html").read_text()
    assert result.consumer_key[-4:] in index and result.consumer_key not in index

    video = out_dir / "video.webm"
    assert frame_rgb(video, 1.0)[:2] == (1280, 720)
    # the video followed the Consumer Key and Secret tab: its code input and then the key and secret were covered
    # on the recorded (joined) video
    assert len(recorder.segments) == 3
    tab_start = to_video_start(out_dir, 1)
    on_tab = [c for c in recorder.covers.timeline if c.recorded_page and c.shown_at >= tab_start]
    assert any(c.kind == "input" for c in on_tab)
    assert any(c.kind == "on_screen" and not c.full_viewport and len(c.boxes) == 2 for c in on_tab)
    boxes_checked = on_tab_checked = 0
    for cover in recorder.covers.timeline:
        if cover.recorded_page and cover.hidden_at - cover.shown_at > 0.3:
            frame = frame_rgb(video, (cover.shown_at + cover.hidden_at) / 2)
            for box in cover.boxes:
                assert _cover_fraction(frame, box.as_dict()) > 0.9, cover.as_dict()
                boxes_checked += 1
                on_tab_checked += cover.shown_at >= tab_start
    # boxes, not covers: a cover with no box (the whole viewport) checks no pixel; the key and secret must be seen
    assert on_tab_checked >= 2 and boxes_checked >= 3


def to_video_start(out_dir: Path, part: int) -> float:
    """Where a part of the joined video starts, from recording.json."""
    return json.loads((out_dir / "recording.json").read_text())["parts"][part]["t"]


# --- traces: never a live session in the recording folder, even mid-run (issue 17, item 7) ------------------------


@pytest.mark.e2e
def test_a_saved_trace_chunk_is_scrubbed_before_it_enters_the_recording(setup_site, tmp_path):
    """A run killed after a chunk was saved (a CI timeout) must not leave the session cookie in the folder meant
    for publishing: the chunk is checked while the run is still going, before stop()."""
    from playwright.async_api import async_playwright

    from provisioner.browser import find_chromium, launch_args

    out_dir = tmp_path / "recording"
    recorder = VideoRecorder(out_dir, secrets=RUN_SECRETS, chapter_ms=100, mp4=False, gif=False)
    seen: dict = {}

    async def run() -> None:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_chromium(p), args=launch_args())
            context = await browser.new_context(**recorder.context_options())
            try:
                page = await context.new_page()
                await page.goto(setup_site + "/login")
                await page.fill("#password", PASSWORD)
                await page.click("#login")  # not recorded yet: the session cookie is set before tracing
                await page.wait_for_url("**/verify")
                await recorder.attach(context, page)
                await page.goto(setup_site + "/done")  # traced, with the cookie
                async with recorder.secret_input(page):  # the first chunk is saved here
                    chunk = out_dir / "trace-1.zip"
                    seen["exists"] = chunk.exists()
                    seen["mode"] = stat.S_IMODE(chunk.stat().st_mode) if chunk.exists() else None
                    seen["leaks"] = leaking_files(out_dir, [SESSION_ID]) if chunk.exists() else None
                    seen["network"] = zipfile.ZipFile(chunk).read("trace.network").decode() if chunk.exists() else ""
                    staging = recorder._staging
                    seen["staging_mode"] = stat.S_IMODE(staging.stat().st_mode) if staging else None
                    seen["staging_outside"] = staging is not None and out_dir not in staging.parents
            finally:
                await recorder.stop()
                await context.close()
                await browser.close()

    asyncio.run(run())
    assert seen["exists"] and seen["leaks"] == [], seen
    assert "/done" in seen["network"] and "sid=********" in seen["network"]  # the cookie was there, scrubbed
    assert seen["mode"] == 0o644  # scrubbed, meant to be shared
    assert seen["staging_mode"] == 0o700 and seen["staging_outside"]
    assert recorder._staging is None  # the private staging folder is gone once the run stops


def test_the_video_recorder_implements_the_recorder_interface():
    from provisioner.flows.recorder import NullRecorder, Recorder

    members = [name for name in vars(Recorder) if not name.startswith("_")] + list(Recorder.__annotations__)
    assert {"active", "viewport", "out_dir", "follow", "add_secrets", "finish", "secret_on_screen"} <= set(members)
    assert Recorder in VideoRecorder.__mro__ and isinstance(NullRecorder(), Recorder)  # explicitly, by subclassing
    for name in members:
        assert hasattr(VideoRecorder, name) or name in VideoRecorder.__init__.__code__.co_names, name
        assert hasattr(NullRecorder, name), name
