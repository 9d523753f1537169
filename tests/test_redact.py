"""A secret is masked in every form it takes in what we write: raw, HTML-escaped (failure.html, page dumps),
URL-encoded (form posts, query strings), JSON-escaped (reports, traces) and base64 (trace blobs). Issue 17, item 8."""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse

import pytest

from provisioner.redact import MASK, SecretSet, scan_paths

SECRET = "p&ss<w0rd>\"it's\"/+ é~!*(x)"


def _encodeuricomponent(value: str) -> str:
    """What a page's JavaScript sends: encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) alone."""
    return urllib.parse.quote(value, safe="-_.!~*'()")


FORMS = {
    "raw": SECRET,
    "html (quote=True)": html.escape(SECRET),
    "html (quote=False)": html.escape(SECRET, quote=False),
    "html, &#39; apostrophe": html.escape(SECRET).replace("&#x27;", "&#39;"),
    "html, &apos; and &#34;": html.escape(SECRET).replace("&#x27;", "&apos;").replace("&quot;", "&#34;"),
    "url quote": urllib.parse.quote(SECRET, safe=""),
    "url quote_plus": urllib.parse.quote_plus(SECRET, safe=""),
    "url encodeURIComponent": _encodeuricomponent(SECRET),
    "url, lower-case hex": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(SECRET, safe="")),
    "json": json.dumps(SECRET)[1:-1],
    "json, ensure_ascii=False": json.dumps(SECRET, ensure_ascii=False)[1:-1],
    "json, escaped slash": json.dumps(SECRET)[1:-1].replace("/", "\\/"),
    "json inside html": html.escape(json.dumps(SECRET)[1:-1]),
    "base64": base64.b64encode(SECRET.encode()).decode(),
    "base64 inside a blob": base64.b64encode(b"xy" + SECRET.encode() + b"z").decode(),
}


@pytest.mark.parametrize("name", FORMS)
def test_every_encoded_form_is_masked_and_detected(name):
    form = FORMS[name]
    text = f"<p>before {form} after</p>"
    secrets = SecretSet([SECRET])
    assert text in secrets, name
    masked = secrets.mask(text)
    assert masked.startswith("<p>before ") and masked.endswith(" after</p>") and MASK in masked
    for piece in ("w0rd", "p&amp;ss", "p%26ss", "cCZzc"):
        assert piece not in masked.replace(MASK, ""), (name, masked)


def test_an_html_page_holding_the_escaped_secret_is_found_by_the_scan(tmp_path):
    page = tmp_path / "failure.html"
    page.write_text(f'<input type="password" value="{html.escape(SECRET)}">')
    findings = scan_paths([tmp_path], SecretSet([SECRET]))
    assert [f.where for f in findings] == [str(page)]
    assert findings[0].encoding == "html-escaped" and SECRET not in str(findings[0])


def test_plain_text_without_the_secret_is_left_alone():
    secrets = SecretSet([SECRET])
    text = "p&amp;ss is a different thing; &lt;w0rd&gt; too"
    assert text not in secrets and secrets.mask(text) == text
