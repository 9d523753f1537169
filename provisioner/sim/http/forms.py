"""Form bodies: `application/x-www-form-urlencoded` by the standard library, `multipart/form-data` (the classic
Connected App form's certificate upload) by the `multipart` package, never by splitting on the boundary by hand."""

from __future__ import annotations

import io
from urllib.parse import parse_qs

import multipart


def parse_form(body: bytes, content_type: str) -> dict[str, list[str]]:
    """Field name -> values (file parts as their text). A malformed multipart body reads as an empty form."""
    mime, options = multipart.parse_options_header(content_type)
    if mime == "multipart/form-data":
        return _parse_multipart(body, options.get("boundary", ""))
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def _parse_multipart(body: bytes, boundary: str) -> dict[str, list[str]]:
    if not boundary:
        return {}
    fields: dict[str, list[str]] = {}
    parser = multipart.MultipartParser(io.BytesIO(body), boundary, content_length=len(body))
    try:
        for part in parser:
            try:
                fields.setdefault(part.name, []).append(part.raw.decode("utf-8", "replace"))
            finally:
                part.close()
    except multipart.MultipartError:
        return {}
    return fields
