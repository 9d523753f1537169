"""The nightly job's `rotate_after_days`: after an org's run succeeded, rotate its consumer key and secret once the
pair is older than that (provisioner/api/rotation.py, the same rotation as `provisioner rotate`).

A pair's age comes from the issue record beside its credentials (stored_credentials.note_issued): written when a
pair is first seen by a job that keeps the clock, and again whenever the key changes (a new app's pair, a
rotation). A rotation marks the record before its first step and clears it after its last: one that stops
(RotationError, exit 90, fails the org) or is killed stays due, and the next night's run finishes it from the org's
staged state (rotation.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .. import stored_credentials
from ..errors import ApiUnavailableError, ProvisionerError, RotationError
from ..one_org import OrgOutcome, OrgTask
from ..redact import SecretSet

#: how long each token exchange that proves a new pair is retried while the org propagates it
PROVE_SECONDS = 600.0


def due(task: OrgTask, outcome: OrgOutcome, days: int | None,
        progress) -> stored_credentials.Issued | None:  # noqa: ANN001
    """The issue record when the pair is older than `days` (None: not due, or rotation not asked for)."""
    if days is None or task.dry_run or not outcome.consumer_key:
        return None
    issued = stored_credentials.note_issued(task.targets, outcome.consumer_key, create=True)
    if issued is None:
        return None
    age = issued.age_days()
    if issued.rotating:
        progress.info("a rotation a run before this one started is not finished: finishing it")
        return issued
    if age < days:
        progress.info(f"credentials issued {age:.0f} day(s) ago: rotation due after {days}")
        return None
    progress.info(f"credentials issued {age:.0f} day(s) ago, rotation due after {days}: rotating")
    return issued


async def rotate_if_due(browser, task: OrgTask, outcome: OrgOutcome, days: int | None, progress,  # noqa: ANN001
                        secrets: SecretSet) -> None:
    """Rotate when due; the outcome then holds the new pair, `rotated` and `previous_consumer_key`. Raises the
    rotation's error (RotationError 90, CredentialsApiDisabledError 38 naming the setting, ...)."""
    from ..api import rotation

    issued = due(task, outcome, days, progress)
    if issued is None:
        return
    api = await _session(browser, task, outcome, secrets, progress)
    key_path = Path(outcome.private_key_path) if outcome.private_key_path else None
    cert_path = Path(outcome.certificate_path) if outcome.certificate_path else None
    stored_credentials.rotation_started(task.targets, issued)  # a rotation cut short stays due (exit 90, a kill)
    try:
        result = await asyncio.to_thread(
            rotation.rotate_targets, api, outcome.api_name or task.spec.api_name, task.targets, key_path=key_path,
            cert_path=cert_path, progress=progress, secrets=secrets, prove="auto", prove_seconds=PROVE_SECONDS,
            instance_url=outcome.instance_url or None)
    except ProvisionerError as exc:
        if not isinstance(exc, RotationError) and not issued.rotating:
            stored_credentials.rotation_not_started(task.targets, issued)  # refused before any change (e.g. 38)
        # the org's app is fine: the line says it is the rotation that failed (same kind, same exit code)
        exc.args = (f"rotating the credentials (rotate_after_days = {days}): {exc}",)
        raise
    secrets.add(result.consumer_secret)
    stored_credentials.rotation_finished(task.targets, result.consumer_key)
    outcome.consumer_key, outcome.consumer_secret = result.consumer_key, result.consumer_secret
    outcome.rotated, outcome.previous_consumer_key = True, result.previous_key


async def _session(browser, task: OrgTask, outcome: OrgOutcome, secrets: SecretSet, progress):  # noqa: ANN001, ANN202
    """The run's own API session while it still answers (verify may have waited out a long propagation), else a
    login of its own."""
    from ..api import via

    if outcome.api_session is not None:
        try:
            await asyncio.to_thread(via.probe, outcome.api_session, task.org.username,
                                    timeout=task.timeouts.page_ms / 1000)
            return outcome.api_session
        except ApiUnavailableError:
            progress.info("the run's API session no longer answers: logging in again for the rotation")
    return await _login_session(browser, task, secrets, progress)


async def _login_session(browser, task: OrgTask, secrets: SecretSet, progress):  # noqa: ANN001, ANN202
    """An API session of a login of its own, for a run that made none (the Setup pages' path): the Salesforce CLI's
    token with target_org, else a browser login in a context of its own, closed before this returns."""
    from ..api.from_login import api_session, from_cli

    org = task.org
    if org.sf_target_org:
        return await asyncio.to_thread(from_cli, org.sf_target_org, org.login_url, secrets)
    from ..flows.session import FlowSession
    from ..provision import enter_org

    code_waiter = None
    if task.mailbox is not None:
        from ..mail import CodeWaiter

        mailbox = task.mailbox
        recipient = org.email or (mailbox.user if "@" in mailbox.user else org.username)
        code_waiter = lambda purpose: CodeWaiter(mailbox, recipient=recipient, username=org.username)  # noqa: E731
    with progress.step("login", f"{org.username} at {org.login_url}, for the rotation's API session"):
        context = await browser.new_context()
        try:
            page = await context.new_page()
            page.set_default_timeout(task.timeouts.page_ms)
            session = FlowSession(page=page, timeouts=task.timeouts, code_waiter=code_waiter, secrets=secrets)
            instance_url = await enter_org(session, org)
            return await api_session(context, org, instance_url, secrets)
        finally:
            await context.close()
