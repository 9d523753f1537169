"""A request as handlers see it and the response they return (HTTP messages, not Salesforce's texts)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .forms import parse_form

if TYPE_CHECKING:
    from ..org import Session


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    cookies: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # named parts of the route's path template
    #: the logged-in session, set by the session middleware for routes that need one
    session: "Session | None" = None
    _form: dict[str, list[str]] | None = field(default=None, repr=False)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, list[str]]:
        """The body as form fields (urlencoded or multipart), parsed once."""
        if self._form is None:
            self._form = parse_form(self.body, self.headers.get("content-type", ""))
        return self._form

    def form_value(self, name: str, default: str = "") -> str:
        values = self.form().get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def html(cls, text: str, status: int = 200) -> "Response":
        return cls(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def json(cls, data: Any, status: int = 200) -> "Response":
        return cls(status, json.dumps(data).encode(), [("Content-Type", "application/json;charset=UTF-8")])

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> "Response":
        return cls(status, text.encode(), [("Content-Type", content_type)])

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Response":
        return cls(status, b"", [("Location", location)])

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None, path: str = "/") -> "Response":
        cookie = f"{name}={value}; Path={path}; HttpOnly; SameSite=Lax"
        if max_age is not None:
            cookie += f"; Max-Age={max_age}"
        self.headers.append(("Set-Cookie", cookie))
        return self


Handler = Callable[[Request], Response]
