"""The default spec on every way real orgs differ (provisioner/sim/variants.py): create, prove the credentials with a
real JWT bearer exchange, then run again and change nothing. Real Chromium, the simulated org, its mailbox, the
one-org path that `setup` and `run` use.

Both paths, on every variant, pinned (the default `auto` would take the API wherever the org allows it, and the Setup
pages' flows would no longer meet the variants: collapsed sections, the previous release's pages, the idle-token
limit ...):
- `browser`: the Setup pages make the app and its policies and reveal the secret;
- `api`: the Metadata API (and the REST secret where the org allows it). On `no-api-user` the API path cannot be
  taken: there `auto` is run and must fall back to the pages, saying why.
Each run asserts the path that was taken (`via` in the outcome), so a change of the default cannot move a case
silently to the other path. Cost, measured on the 2 shared cores (one worker, a loaded machine): the 16 cases took
842 s, about 60 s a case over the pages and about 45 s over the API (each case is a create and a no-change run, the
second login waiting for a fresh authenticator step); the 8 API cases add about 6 min of mostly waiting, 2-3 min at
-n 3, so every variant runs on both paths.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest

from provisioner.config import mailbox_settings_from, org_settings_from
from provisioner.flows.session import Timeouts
from provisioner.one_org import CredentialTargets, KeySource, OrgTask, run_org
from provisioner.redact import SecretSet
from provisioner.sim.variants import VARIANTS
from provisioner.spec import load_spec

from .support.async_browser import with_browser

#: every artifact these tests write is scanned for the run's secrets afterwards (tests/support/secrets_scan.py)
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("secrets_scan")]

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)


class Steps:
    def __init__(self):
        self.names: list[str] = []

    @contextmanager
    def step(self, name, detail=""):
        self.names.append(name)
        yield

    def info(self, text):
        pass


def task_for(info: dict, tmp_path) -> OrgTask:
    org = org_settings_from(login_url=info["login_url"], username=info["username"], password=info["password"],
                            totp_secret=info["totp_secret"], email=info["email"], where="the simulated org")
    mailbox = mailbox_settings_from(host=info["imap_host"], port=int(info["imap_port"]), user=info["imap_user"],
                                    password=info["imap_password"], ssl=bool(info["imap_ssl"]))
    return OrgTask(org=org, mailbox=mailbox, spec=load_spec(default_contact_email=org.username),
                   keys=KeySource(home=tmp_path / "out"),
                   targets=CredentialTargets(env_file=tmp_path / "out" / "credentials.env"),
                   artifacts_dir=tmp_path / "out" / "artifacts", timeouts=FAST, verify_seconds=120)


def requested_and_taken(path: str, variant: str) -> tuple[str, str]:
    """(the --via asked for, the path that must be taken)."""
    if path == "api" and variant == "no-api-user":
        return "auto", "browser"  # this user cannot use the API: auto falls back, `api` would stop with exit 37
    return path, path


@pytest.mark.parametrize("path", ["browser", "api"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_default_spec_creates_then_changes_nothing(sim_factory, tmp_path, variant, path):
    handle = sim_factory(mail="embedded", variant=variant)
    requested, taken = requested_and_taken(path, variant)
    task = replace(task_for(handle.info(), tmp_path), via=requested)

    async def twice(browser):  # noqa: ANN001
        first = await run_org(browser, task, Steps(), secrets=SecretSet())
        second = await run_org(browser, task, Steps(), secrets=SecretSet())
        return first, second

    first, second = with_browser(twice)
    assert (first.via, second.via) == (taken, taken), (first.via_reason, second.via_reason)
    if requested == "auto":
        assert "not available" in first.via_reason, first.via_reason  # the fallback says why
    assert first.status == "created" and first.verified, first
    assert second.status == "unchanged" and second.changes == [] and second.verified, second.changes
    apps = [a for a in handle.org.apps.values() if a.api_name == task.spec.api_name]
    assert len(apps) == 1, "a re-run must not make a second app"
    assert second.consumer_key == first.consumer_key == apps[0].consumer_key
