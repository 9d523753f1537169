"""index.html of a recording: a summary (org, app, outcome, duration), the video with its poster and captions,
chapters that seek it, masked screenshots, and the run's public result."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from provisioner.redact import MASK, SecretSet

#: result keys whose values are never shown, whatever they contain
HIDDEN_KEY_PARTS = ("secret", "password", "token", "private", "totp", "session", "pem")
#: result keys shown only by their last characters (enough to tell apps apart, not enough to use)
PARTIAL_KEY_PARTS = ("consumer_key", "client_id")


def mask_partially(value: str, keep: int = 4) -> str:
    return MASK if len(value) <= keep * 3 else MASK + value[-keep:]


def public_result(result: Any, secrets: SecretSet, key: str = "") -> Any:
    """A copy of the run's result that is safe to publish: secrets gone, the consumer key shortened."""
    lowered = key.lower()
    if isinstance(result, dict):
        return {k: public_result(v, secrets, str(k)) for k, v in result.items()}
    if isinstance(result, (list, tuple)):
        return [public_result(v, secrets, key) for v in result]
    if result is None or isinstance(result, (bool, int, float)):
        return result
    text = str(result)
    if lowered == "sid" or any(part in lowered for part in HIDDEN_KEY_PARTS):
        return MASK if text else text
    if any(part in lowered for part in PARTIAL_KEY_PARTS):
        return mask_partially(text)
    return secrets.mask(text)


@dataclass(frozen=True)
class Summary:
    """The lines at the top of index.html: which org, which app, how it ended, how long the video is."""

    org: str
    app: str
    outcome: str
    failed: bool
    duration: str

    @classmethod
    def of(cls, *, org: str, app: str, result: Any, duration_s: float, secrets: SecretSet) -> "Summary":
        result = result if isinstance(result, dict) else {}
        status = str(result.get("status") or "unknown")
        failed = status == "failed"
        if failed:
            outcome = "Failed: " + secrets.mask(str(result.get("error") or "the run stopped"))
        else:
            outcome = status.capitalize()
            if result.get("verified"):
                outcome += ", credentials verified (JWT bearer token exchange)"
        return cls(org=secrets.mask(org or "?"), app=secrets.mask(str(result.get("app_name") or app or "?")),
                   outcome=outcome, failed=failed, duration=clock(duration_s))

    def as_dict(self) -> dict:
        return asdict(self)


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1b1b}
video{width:100%;background:#000;border-radius:6px}
ol.chapters{padding-left:1.2rem} ol.chapters a{font-variant-numeric:tabular-nums;text-decoration:none}
.shots{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
.shots figure{margin:0} .shots img{width:100%;border:1px solid #ccc;border-radius:4px}
pre{background:#f4f4f6;padding:1rem;border-radius:6px;overflow:auto}
.note{color:#555;font-size:.9em}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 1.2rem}
dl.summary dt{color:#555} dl.summary dd{margin:0;font-weight:600} .failed{color:#b00020}
"""

SEEK_SCRIPT = """
document.querySelectorAll('a[data-t]').forEach(function (a) {
  a.addEventListener('click', function (e) {
    e.preventDefault();
    var v = document.getElementById('video');
    v.currentTime = parseFloat(a.dataset.t);
    v.play();
  });
});
"""


def render_index(*, title: str, video: str | None, gif: str | None, chapters: Iterable[dict],
                 screenshots: Iterable[dict], result: Any, traces: Iterable[str], notes: Iterable[str],
                 secrets: SecretSet, summary: Summary | None = None, captions: str | None = None,
                 poster: str | None = None) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{e(title)}</h1>"]
    if summary:
        outcome = f'<dd id=outcome{" class=failed" if summary.failed else ""}>{e(summary.outcome)}</dd>'
        parts.append(f"<dl class=summary><dt>Org</dt><dd id=org>{e(summary.org)}</dd><dt>App</dt>"
                     f"<dd id=app>{e(summary.app)}</dd><dt>Outcome</dt>{outcome}<dt>Duration</dt>"
                     f"<dd id=duration>{e(summary.duration)}</dd></dl>")
    if video:
        poster_attr = f' poster="{e(poster)}"' if poster else ""
        track = (f'<track kind=captions srclang=en label="Captions" src="{e(captions)}">' if captions else "")
        parts.append(f'<video id=video controls preload=metadata{poster_attr} src="{e(video)}">{track}</video>')
        if captions:
            parts.append(f'<p class=note>Captions: <a href="{e(captions)}">{e(captions)}</a> (WebVTT); the video\'s '
                         "chapters are in its own metadata too.</p>")
    if gif:
        parts.append(f'<p class=note>Animated preview: <a href="{e(gif)}">{e(gif)}</a></p>')
    parts.append("<h2>Chapters</h2><ol class=chapters>")
    for chapter in chapters:
        t = float(chapter["t"])
        description = secrets.mask(chapter.get("description") or "")
        parts.append(f'<li><a href="#t={t:.1f}" data-t="{t:.3f}">{clock(t)}</a> '
                     f'<strong>{e(secrets.mask(chapter["title"]))}</strong>'
                     + (f" <span class=note>{e(description)}</span>" if description else "") + "</li>")
    parts.append("</ol>")
    shots = list(screenshots)
    if shots:
        parts.append("<h2>Screenshots</h2><p class=note>Password fields and secrets are masked.</p><div class=shots>")
        for shot in shots:
            parts.append(f'<figure><a href="{e(shot["file"])}"><img loading=lazy src="{e(shot["file"])}" '
                         f'alt="{e(shot["name"])}"></a><figcaption>{e(shot["name"])}</figcaption></figure>')
        parts.append("</div>")
    parts.append("<h2>Result</h2><p class=note>The consumer secret is never part of a recording; the consumer key "
                 "is shortened.</p>")
    parts.append(f"<pre>{e(json.dumps(public_result(result, secrets), indent=2, sort_keys=True))}</pre>")
    trace_files = list(traces)
    if trace_files:
        parts.append("<h2>Traces</h2><p class=note>Open with <code>python -m playwright show-trace FILE</code>. "
                     "Tracing stops whenever a secret is typed or shown, so each file covers one span "
                     "without secrets; session cookies are scrubbed.</p><ul>")
        parts += [f'<li><a href="{e(t)}">{e(t)}</a></li>' for t in trace_files]
        parts.append("</ul>")
    for note in notes:
        parts.append(f"<p class=note>{e(secrets.mask(note))}</p>")
    parts.append(f"<script>{SEEK_SCRIPT}</script></body></html>\n")
    return "\n".join(parts)


def write_index(path: Path, **kwargs: Any) -> Path:
    path.write_text(render_index(**kwargs), encoding="utf-8")
    return path
