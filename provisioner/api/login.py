"""The API path's hold on the run's login: its session (from_login.py), which path the run takes (via.py), and the
API twin of the page steps' "log in again": an API step that fails because the session ended logs in again in the
browser, takes the new session and runs once more.

The engine (provisioner/provision.py) owns the browser login itself and hands it in as `relogin`.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, TypeVar

from ..errors import ApiUnavailableError, ProvisionerError
from ..flows.types import AppRef
from ..redact import SecretSet
from . import via as via_path
from .session import ApiSession

T = TypeVar("T")


class ApiLogin:
    """The API session of this run's login, renewed with the login when it ends."""

    def __init__(self, context, org, secrets: SecretSet, *, relogin: Callable[[], Awaitable[str]],  # noqa: ANN001
                 final: tuple[type[BaseException], ...], timeout: float):
        self.context, self.org, self.secrets = context, org, secrets
        self.relogin = relogin  # logs in again in the browser; returns the instance URL
        #: failures a fresh login cannot change; a refused session (ApiUnavailableError) is final only while the
        #: session still answers the check
        self.final = tuple(e for e in final if e is not ApiUnavailableError)
        self.timeout = timeout
        self.session: ApiSession | None = None
        self._app_area = None  # the last MetadataAppArea: it knows the app's id once it found or made the app

    def app_area(self, spec, certificate_pem: str | None):  # noqa: ANN001, ANN201 - api.areas.MetadataAppArea
        from .areas import MetadataAppArea

        self._app_area = MetadataAppArea(self.session, spec, certificate_pem)
        return self._app_area

    def policies_area(self, ref: AppRef | None, policies):  # noqa: ANN001, ANN201
        from .areas import MetadataPoliciesArea

        return MetadataPoliciesArea(self.session, ref, policies)

    def app_id(self, ref: AppRef) -> str:
        return self._app_area.app_id(ref) if self._app_area is not None else ""

    async def connect(self, instance_url: str) -> ApiSession:
        from . import from_login

        self.session = await from_login.api_session(self.context, self.org, instance_url, self.secrets)
        return self.session

    async def works(self) -> bool:
        try:
            await asyncio.to_thread(via_path.probe, self.session, self.org.username, timeout=self.timeout)
        except ProvisionerError:
            return False
        return True

    async def again_after_login(self, step: Callable[[], Awaitable[T]]) -> T:
        """Run an API step; when it fails and the session no longer answers (it timed out, an admin ended it), log
        in again, take the new session, run the step once more (it starts by finding the app, so a deploy cut short
        is never made twice)."""
        try:
            return await step()
        except ProvisionerError as exc:
            if isinstance(exc, self.final) or await self.works():
                raise
        await self.connect(await self.relogin())
        return await step()

    async def choose(self, requested: str, app_type: str, instance_url: str, *,
                     recording: bool = False) -> via_path.Via:
        """The path for this run: asked for, or what the org allows this login (via.py)."""
        chosen = via_path.browser_only(requested, app_type, recording=recording)
        if chosen is not None:
            return chosen
        try:
            session = await self.connect(instance_url)
            await asyncio.to_thread(via_path.probe, session, self.org.username, timeout=self.timeout)
        except ProvisionerError as exc:
            return via_path.fall_back(requested, exc)  # `api`: the error is the answer
        return via_path.api_chosen(requested, session)


__all__ = ["ApiLogin"]
