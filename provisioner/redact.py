"""Secrets we must never write anywhere: mask them in text, and scan files (and zips, e.g. trace.zip) for them."""

from __future__ import annotations

import base64
import functools
import html
import json
import os
import re
import threading
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .github_actions import announce_secret

MASK = "********"

#: called with each value a SecretSet learns (GitHub Actions: `::add-mask::` for the rest of the job). Tests and
#: other CI integrations may add theirs.
SECRET_OBSERVERS: list[Callable[[str], None]] = [announce_secret]

#: Values shorter than this are too common to scan for (they would match by accident); masking still covers them.
MIN_SCAN_LENGTH = 4


class SecretSet:
    """A set of secret strings. `mask(text)` hides them; `value in secrets` asks whether a text contains one."""

    def __init__(self, values: Iterable[str | None] = ()):
        self._values: set[str] = set()
        # one run's set is shared by threads (verify masks its lines in a worker thread while another org's flow
        # adds a secret): readers take a snapshot, never iterate the live set
        self._lock = threading.Lock()
        for value in values:
            self.add(value)

    def _snapshot(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._values)

    def add(self, value: str | None) -> None:
        if not value:
            return
        with self._lock:
            if str(value) in self._values:
                return
            self._values.add(str(value))
        for observer in SECRET_OBSERVERS:  # as soon as it is known: before anything can print it
            observer(str(value))

    def update(self, values: Iterable[str | None]) -> None:
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __iter__(self):
        return iter(sorted(self._snapshot(), key=len, reverse=True))

    def __contains__(self, text: object) -> bool:
        """True when `text` contains any secret (in any of the encodings we scan for)."""
        if not isinstance(text, str):
            return False
        return any(form in text for value in self._snapshot() for form in encodings(value))

    def mask(self, text: str) -> str:
        """Replace every secret (raw and encoded forms, longest first so overlaps are fully hidden) with MASK."""
        if not text or not self._values:
            return text
        forms = sorted({form for value in self._snapshot() for form in encodings(value)}, key=len, reverse=True)
        for form in forms:
            if len(form) < MIN_SCAN_LENGTH:
                # a two-letter password would otherwise garble every line it occurs in: mask it as a whole token
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", MASK, text)
            else:
                text = text.replace(form, MASK)
        return text

    def mask_data(self, data):  # noqa: ANN001, ANN201 - any JSON-like value
        """`data` with every string in it (dict values, list items, nested) masked; keys and non-strings as is."""
        if not self._values:
            return data
        if isinstance(data, str):
            return self.mask(data)
        if isinstance(data, dict):
            return {key: self.mask_data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.mask_data(value) for value in data]
        return data

    def forms(self) -> dict[str, list[str]]:
        """Each secret's encoded forms, for scanning bytes."""
        return {value: encodings(value) for value in self._snapshot()}


def encodings(value: str) -> list[str]:
    """The forms a secret takes in files we write: raw, URL-encoded, JSON-escaped, HTML-escaped, base64."""
    return list(_named_forms(value))


_PERCENT_HEX = re.compile(r"%[0-9A-F]{2}")


def _html_forms(text: str) -> set[str]:
    """HTML escapes as pages and tools write them: & < > always; " as itself, &quot; or &#34;; ' as itself,
    &#x27;, &#39; or &apos;."""
    base = html.escape(text, quote=False)
    return {base.replace('"', dq).replace("'", sq)
            for dq in ('"', "&quot;", "&#34;") for sq in ("'", "&#x27;", "&#39;", "&apos;")}


@functools.lru_cache(maxsize=256)  # masking runs on every log line; a run has a handful of secrets
def _named_forms(value: str) -> dict[str, str]:
    """(Read-only: cached.) Each form of `value` -> the name of its encoding (the first name wins when two encodings agree)."""
    named: dict[str, str] = {}

    def add(kind: str, forms) -> None:  # noqa: ANN001
        for form in forms:
            if form and form not in named:
                named[form] = kind

    add("raw", [value])
    url = {urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value, safe=""),
           urllib.parse.quote(value, safe="-_.!~*'()")}  # the last: JavaScript's encodeURIComponent
    url |= {_PERCENT_HEX.sub(lambda m: m.group(0).lower(), form) for form in url}  # %2f as well as %2F
    add("url-encoded", sorted(url))
    json_forms = {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    json_forms |= {form.replace("/", "\\/") for form in json_forms}  # "\/": escaped slashes (PHP, some JS)
    add("json-escaped", sorted(json_forms))
    html_forms: set[str] = set()
    for form in [value, *sorted(json_forms)]:  # a page's HTML, or JSON embedded in an HTML attribute
        html_forms |= _html_forms(form)
    add("html-escaped", sorted(html_forms))
    raw = value.encode()
    b64 = {base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    # Inside a larger base64 blob the secret may start at byte offset 0, 1 or 2 of a 3-byte group: keep only
    # the characters that depend on the secret's bytes alone (neighbouring bytes change the edge characters).
    for shift in (0, 1, 2):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = -(-shift * 8 // 6)
        end = (shift + len(raw)) * 8 // 6
        inner = encoded[start:end]
        if len(inner) >= 6:
            b64 |= {inner, inner.replace("+", "-").replace("/", "_")}
    add("base64", sorted(b64))
    return named


@dataclass(frozen=True)
class Finding:
    """A secret found in a file. `where` is the file path, plus `!member` for a file inside a zip."""

    where: str
    encoding: str
    secret_hint: str  # masked: never the secret itself

    def __str__(self) -> str:
        return f"{self.where}: contains a secret ({self.encoding}, {self.secret_hint})"


def _hint(value: str) -> str:
    return f"{value[:2]}… ({len(value)} chars)"


def _encoding_name(value: str, form: str) -> str:
    return _named_forms(value).get(form, "base64")


def scan_bytes(data: bytes, secrets: SecretSet, where: str) -> list[Finding]:
    findings = []
    text = data.decode("utf-8", errors="ignore")
    latin = data.decode("latin-1")
    for value, forms in secrets.forms().items():
        if len(value) < MIN_SCAN_LENGTH:
            continue
        for form in sorted(forms, key=len, reverse=True):
            if form in text or form in latin:
                findings.append(Finding(where, _encoding_name(value, form), _hint(value)))
                break
    return findings


def _scan_zip(path: Path, data_source, secrets: SecretSet, where: str, depth: int = 0) -> list[Finding]:
    findings = []
    with zipfile.ZipFile(data_source) as archive:
        for member in archive.infolist():
            if member.is_dir():
                continue
            inner = archive.read(member)
            inner_where = f"{where}!{member.filename}"
            findings += scan_bytes(inner, secrets, inner_where)
            if depth < 2 and inner[:4] == b"PK\x03\x04":
                import io

                findings += _scan_zip(path, io.BytesIO(inner), secrets, inner_where, depth + 1)
    return findings


def scan_paths(paths: Iterable[str | os.PathLike], secrets: SecretSet | Iterable[str], *,
               texts: dict[str, str | bytes] | None = None,
               allowed: Iterable[str | os.PathLike] = ()) -> list[Finding]:
    """The project's one secrets scanner: files and directories (recursively, inside zip files too: traces, probe
    bundles), and `texts` (name -> what a process printed: stdout, stderr), for every secret in every encoding.
    `allowed`: the files whose job is to hold secrets (the credentials written, the private key), skipped.
    [] means clean."""
    secret_set = secrets if isinstance(secrets, SecretSet) else SecretSet(secrets)
    findings: list[Finding] = []
    for name, text in (texts or {}).items():
        findings += scan_bytes(text.encode("utf-8") if isinstance(text, str) else text, secret_set, name)
    skip = {Path(p).resolve() for p in allowed}
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            if not file.exists() or file.resolve() in skip:
                continue
            data = file.read_bytes()
            findings += scan_bytes(data, secret_set, str(file))
            if data[:4] == b"PK\x03\x04":
                try:
                    findings += _scan_zip(file, file, secret_set, str(file))
                except zipfile.BadZipFile:
                    pass
    return findings
