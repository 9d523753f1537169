"""The default spec on every way real orgs differ (provisioner/sim/variants.py): create, prove the credentials with a
real JWT bearer exchange, then run again and change nothing. Real Chromium, the simulated org, its mailbox, the
one-org path that `setup` and `run` use."""

from __future__ import annotations

from contextlib import contextmanager

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


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_default_spec_creates_then_changes_nothing(sim_factory, tmp_path, variant):
    handle = sim_factory(mail="embedded", variant=variant)
    task = task_for(handle.info(), tmp_path)

    async def twice(browser):  # noqa: ANN001
        first = await run_org(browser, task, Steps(), secrets=SecretSet())
        second = await run_org(browser, task, Steps(), secrets=SecretSet())
        return first, second

    first, second = with_browser(twice)
    assert first.status == "created" and first.verified, first
    assert second.status == "unchanged" and second.changes == [] and second.verified, second.changes
    apps = [a for a in handle.org.apps.values() if a.api_name == task.spec.api_name]
    assert len(apps) == 1, "a re-run must not make a second app"
    assert second.consumer_key == first.consumer_key == apps[0].consumer_key
