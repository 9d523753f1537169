"""A recorded run of the simulated org, start to finish through run_org (provision, write, verify), as viewers get it:
the mp4's own chapters (read back with ffmpeg) and the WebVTT captions name the manual procedure's steps in order, in
the admin's words, with no locator syntax and no secret; index.html plays the video and seeks by chapter in Chromium;
a failed recorded run still writes its index."""

from __future__ import annotations

import json
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from provisioner.config import mailbox_settings_from, org_settings_from
from provisioner.errors import LoginError
from provisioner.flows.session import Timeouts
from provisioner.one_org import CredentialTargets, KeySource, OrgTask, run_org
from provisioner.recording import leaking_files, make_recorder
from provisioner.recording.captions import read_webvtt
from provisioner.recording.chapters import read_ffmetadata
from provisioner.recording.convert import ffmpeg_exe
from provisioner.redact import SecretSet
from provisioner.sim.app import SimOptions, start_sim
from provisioner.spec import load_spec

from .support.async_browser import run_async, with_browser

pytestmark = pytest.mark.e2e

#: the manual procedure's steps a first run goes through, in order (flows/recorder.py STEPS)
STEPS = ["Log in", "Find the app", "Create the app", "OAuth settings", "Certificate", "Policies",
         "Consumer key and secret", "Verify"]
#: what would betray a caption written from code rather than for people
LOCATOR_SYNTAX = re.compile(r"get_by_|locator\(|internal:|>>|nth=|\.first\b|\[name=|aria-|css=|xpath|#[a-z]", re.I)


class Steps:
    @contextmanager
    def step(self, name, detail=""):  # noqa: ANN001
        yield

    def info(self, text):  # noqa: ANN001
        pass


def task_for(info: dict, home: Path, password: str | None = None) -> OrgTask:
    org = org_settings_from(login_url=info["login_url"], username=info["username"],
                            password=password or info["password"], totp_secret=info["totp_secret"],
                            email=info["email"], where="the simulated org")
    mailbox = mailbox_settings_from(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                    password=info["imap_password"], ssl=bool(info["imap_ssl"]))
    return OrgTask(org=org, mailbox=mailbox, spec=load_spec(default_contact_email=org.username),
                   keys=KeySource(home=home / "keys"), targets=CredentialTargets(env_file=home / "credentials.env"),
                   artifacts_dir=home / "artifacts", timeouts=Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000),
                   verify_seconds=120)


def recorder_for(task: OrgTask, secrets: SecretSet, base: Path):  # noqa: ANN201
    return make_recorder(org=task.org, spec=task.spec, secrets=secrets, base_dir=base, chapter_ms=400,
                         caption_ms=400, secrets_hold_ms=500, gif=False)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    handle = start_sim(SimOptions(mail="embedded", latency="fast"))
    try:
        info = handle.info()
        home = tmp_path_factory.mktemp("recorded-run")
        task = task_for(info, home)
        secrets = SecretSet()
        recorder = recorder_for(task, secrets, home / "recordings")
        outcome = with_browser(lambda browser: run_org(browser, task, Steps(), recorder=recorder, secrets=secrets))
    finally:
        handle.stop()
    assert outcome.status == "created" and outcome.verified
    secret_values = [info["password"], info["totp_secret"], info["imap_password"], outcome.consumer_secret]
    return outcome, recorder.out_dir, info, secret_values


def test_the_mp4s_own_chapters_are_the_procedures_steps_in_order(recorded):
    outcome, out_dir, _, secret_values = recorded
    assert outcome.recording == str(out_dir)
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(out_dir / "video.mp4"),
                           "-f", "ffmetadata", "-"], capture_output=True, text=True, check=True)
    chapters = read_ffmetadata(done.stdout)
    assert [c["title"] for c in chapters] == STEPS
    starts = [c["start"] for c in chapters]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert all(c["end"] >= c["start"] for c in chapters)
    assert not any(LOCATOR_SYNTAX.search(c["title"]) or any(s in c["title"] for s in secret_values) for c in chapters)

    manifest = json.loads((out_dir / "recording.json").read_text())
    assert [c["title"] for c in manifest["chapters"]] == STEPS  # the same names in index.html's list
    assert [round(c["t"], 1) for c in manifest["chapters"]] == [round(s, 1) for s in starts]
    # Verify happened after the browser closed: its card is the mp4's last seconds
    assert chapters[-1]["end"] - chapters[-1]["start"] >= 2.5


def test_the_webvtt_captions_say_each_step_in_the_admins_words_and_never_a_secret(recorded):
    outcome, out_dir, info, secret_values = recorded
    text = (out_dir / "video.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    cues = read_webvtt(text)
    said = [cue[2] for cue in cues]
    assert [c[0] for c in cues] == sorted(c[0] for c in cues)

    # every step, in order (chapter cues start with the step's name; Verify is said on its card)
    positions = [next(i for i, s in enumerate(said) if s.startswith(step)) for step in STEPS]
    assert positions == sorted(positions), list(zip(STEPS, positions))
    for caption in (f"Contact Email: {info['username']}", "Permitted Users → Admin approved users are pre-authorized",
                    "Upload certificate server.crt", "Enable JWT Bearer Flow: on"):
        assert caption in said, (caption, said)
    # secrets typed are said by their field, as dots
    assert any(re.fullmatch(r"Password: •+", s) for s in said), said
    assert any(re.fullmatch(r"[\w ]*(Code|code)[\w ]*: •+", s) for s in said), said

    for cue in said:
        assert not LOCATOR_SYNTAX.search(cue), cue
    assert leaking_files(out_dir, [*secret_values, outcome.consumer_key]) == []
    assert not any(s in text for s in [*secret_values, outcome.consumer_key])


def _near(frame, points, colour, tolerance=48) -> float:
    width, height, rgb = frame
    scale = width / 1280
    hits = total = 0
    for x, y in points:
        px, py = int(x * scale), int(y * scale)
        if 0 <= px < width and 0 <= py < height:
            i = (py * width + px) * 3
            total += 1
            hits += all(abs(rgb[i + k] - colour[k]) <= tolerance for k in range(3))
    return hits / max(total, 1)


def test_the_video_shows_the_caption_in_a_bar_and_outlines_the_field_it_names(recorded):
    from provisioner.recording.convert import frame_rgb

    _, out_dir, info, _ = recorded
    cues = json.loads((out_dir / "recording.json").read_text())["caption_cues"]
    i = next(n for n, c in enumerate(cues) if c["text"] == f"Contact Email: {info['username']}")
    cue, earlier = cues[i], cues[i - 1]
    box = cue["box"]
    assert box and earlier["box"] and earlier["box"]["y"] != box["y"]  # another field was outlined before
    # the outline's top border: 3 px of the highlight colour, 6 px above the field
    border = [(x, box["y"] - 5) for x in range(int(box["x"]) + 10, int(box["x"] + box["width"]) - 10, 12)]
    highlight = (0xFF, 0xB0, 0x00)
    video = out_dir / "video.mp4"
    assert _near(frame_rgb(video, (cue["t"] + cue["end"]) / 2), border, highlight) > 0.8
    assert _near(frame_rgb(video, (earlier["t"] + earlier["end"]) / 2), border, highlight) < 0.2
    # the bar: dark, across the middle of the bottom of the frame (the field sits high on the page)
    bar = [(x, 720 - 24 - 8) for x in range(560, 720, 16)]
    assert _near(frame_rgb(video, (cue["t"] + cue["end"]) / 2), bar, (0x24, 0x27, 0x39), tolerance=40) > 0.6


def test_index_html_plays_the_video_and_each_chapter_link_seeks_to_its_time(recorded):
    from playwright.async_api import async_playwright

    from provisioner.browser import launch_browser_async

    outcome, out_dir, info, secret_values = recorded
    manifest = json.loads((out_dir / "recording.json").read_text())
    assert (out_dir / "poster.jpg").read_bytes()[:3] == b"\xff\xd8\xff"

    async def drive() -> dict:
        async with async_playwright() as playwright:
            browser = await launch_browser_async(playwright)
            try:
                page = await browser.new_page()
                await page.goto((out_dir / "index.html").as_uri())
                seen: dict = {"summary": {k: await page.locator(f"#{k}").inner_text()
                                          for k in ("org", "app", "outcome", "duration")}}
                video = page.locator("#video")
                seen["poster"] = await video.get_attribute("poster")
                await page.wait_for_function("document.getElementById('video').readyState >= 1")
                seen["duration"] = await video.evaluate("v => v.duration")
                seen["tracks"] = await video.evaluate("v => [...v.textTracks].map(t => t.kind)")
                links = page.locator("ol.chapters a[data-t]")
                seen["titles"] = await page.locator("ol.chapters strong").all_inner_texts()
                seen["seeks"] = []
                for i in range(await links.count()):
                    link = links.nth(i)
                    t = float(await link.get_attribute("data-t"))
                    await link.click()  # a user's click: seeks and plays
                    await page.wait_for_function(
                        "t => { const v = document.getElementById('video'); return !v.seeking && "
                        "v.currentTime >= t - 0.1 && v.currentTime <= t + 3 }", arg=t)
                    seen["seeks"].append(t)
                # it plays: time moves on from the last seek
                start = await video.evaluate("v => v.currentTime")
                await page.wait_for_function("s => document.getElementById('video').currentTime > s + 0.2",
                                             arg=min(start, seen["duration"] - 1))
                seen["text"] = await page.content()
                return seen
            finally:
                await browser.close()

    seen = run_async(drive)
    assert seen["titles"] == STEPS
    assert seen["seeks"] == [c["t"] for c in manifest["chapters"]]
    assert abs(seen["duration"] - manifest["duration"]) < 1.0
    assert seen["poster"] == "poster.jpg" and seen["tracks"] == ["captions"]
    summary = seen["summary"]
    assert summary["app"] == outcome.app_name and summary["org"]
    assert summary["outcome"].startswith("Created") and "verified" in summary["outcome"]
    assert re.fullmatch(r"\d\d:\d\d", summary["duration"])
    assert not any(s in seen["text"] for s in [*secret_values, outcome.consumer_key])


def test_a_failed_recorded_run_still_writes_its_index_without_the_secret(sim_factory, tmp_path, secrets_scan):
    handle = sim_factory(mail="embedded")
    info = handle.info()
    wrong = "Wrong-" + info["password"][::-1]
    secrets_scan.add_secrets(wrong)  # typed into the login page: a secret all the same
    task = task_for(info, tmp_path, password=wrong)
    secrets = SecretSet()
    recorder = recorder_for(task, secrets, tmp_path / "recordings")

    with pytest.raises(LoginError) as failed:
        with_browser(lambda browser: run_org(browser, task, Steps(), recorder=recorder, secrets=secrets))
    out_dir = recorder.out_dir
    assert str(out_dir) in failed.value.artifacts  # the error line points at the recording
    index = (out_dir / "index.html").read_text()
    assert 'class=failed' in index and "Failed: login failed" in index
    manifest = json.loads((out_dir / "recording.json").read_text())
    assert manifest["summary"]["failed"] and [c["title"] for c in manifest["chapters"]] == ["Log in"]
    assert (out_dir / "video.mp4").exists() and (out_dir / "video.vtt").exists()
    assert leaking_files(out_dir, [wrong, info["totp_secret"], info["imap_password"]]) == []
