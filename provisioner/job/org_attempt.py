"""One attempt at one inventory org: turn its entry into an OrgTask and run it through the one-org path.

The runner decides when to call `OrgAttempts.attempt`, how often, and for how long; what one org's run does is the
same as `provisioner setup` (provisioner/one_org.py).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Callable, Iterator

from ..config import mailbox_settings_from
from ..spec import AppSpec, load_spec
from ..flows.session import Timeouts
from ..one_org import CredentialTargets, KeySource, OrgOutcome, OrgTask, RecorderFactory, run_org
from ..progress import StepSetAside
from ..redact import SecretSet
from .inventory import Inventory, OrgEntry
from .rotation_due import rotate_if_due

#: the longest a nightly org waits for a new app to propagate (its budget may cut it shorter): the top of the
#: reported range (2-10 minutes, up to 30 for External Client Apps)
VERIFY_MAX_SECONDS = 1800.0

#: set by the runner around one attempt: called when the attempt's browser part is over, so the org's browser slot
#: goes to another org while this one writes and waits out propagation in verify (runner.BrowserSlot)
BROWSER_DONE: ContextVar[Callable[[], None] | None] = ContextVar("browser_done", default=None)

class OrgAttempts:
    def __init__(self, inventory: Inventory, *, dry_run: bool, provision: Callable | None = None,
                 verify: Callable | None = None, recorder_factory: RecorderFactory | None = None,
                 secrets: SecretSet | None = None):
        self.inventory = inventory
        self.dry_run = dry_run
        self.provision = provision
        self.verify = verify
        self.recorder_factory = recorder_factory
        #: every secret the run has read or learned (masked in reports and events)
        self.secrets = secrets if secrets is not None else SecretSet()
        self._specs: dict[tuple[Path, str], AppSpec] = {}
        self._attempts: dict[str, int] = {}

    async def attempt(self, browser, org: OrgEntry, events, deadline: float) -> OrgOutcome:  # noqa: ANN001
        self._attempts[org.name] = attempt = self._attempts.get(org.name, 0) + 1
        task = self.task(org, attempt)
        recorder = self.recorder_factory(task, self.secrets) if self.recorder_factory else None
        outcome = await run_org(browser, task, OrgProgress(events, org.name), recorder=recorder,
                                secrets=self.secrets, deadline=deadline, provision=self.provision,
                                verify=self.verify, browser_done=BROWSER_DONE.get())
        await rotate_if_due(browser, task, outcome, org.rotate_after_days, OrgProgress(events, org.name),
                            self.secrets)
        if outcome.credentials:
            events.step(org.name, "credentials written: " + ", ".join(outcome.credentials))
        if outcome.verified:
            events.step(org.name, "verify: JWT bearer exchange worked")
        if outcome.rotated:
            events.step(org.name, f"rotated: the previous key {outcome.previous_consumer_key[:8]}... is deleted")
        return outcome

    def task(self, org: OrgEntry, attempt: int = 1) -> OrgTask:
        secrets = org.resolve_secrets()
        self.secrets.update(secrets.values())
        settings = org.org_settings(secrets, where=f"inventory org {org.name!r}")
        mailbox = None
        if org.mailbox is not None:
            box = org.mailbox
            oauth2 = box.oauth2.settings(box.host, f"inventory org {org.name!r} mailbox.oauth2") if box.oauth2 else None
            mailbox = mailbox_settings_from(host=box.host, port=box.port, user=box.user,
                                            password=secrets.imap_password, ssl=box.ssl, folder=box.folder,
                                            allow_plaintext=box.allow_plaintext, ca_file=box.ca_file, oauth2=oauth2)
        org_dir = self.inventory.defaults.output_dir / org.name
        return OrgTask(
            name=org.name, org=settings, spec=self.spec(org, settings.username), mailbox=mailbox,
            keys=KeySource(home=org_dir / "keys", key_path=org.key_file, cert_path=org.cert_file,
                           common_name=f"provisioner {org.name}"),
            targets=CredentialTargets(env_file=org.env_file, json_file=org.json_file, format=org.credential_format),
            artifacts_dir=org_dir / "artifacts" / f"attempt-{attempt}", dry_run=self.dry_run,
            verify_seconds=VERIFY_MAX_SECONDS, timeouts=Timeouts(), via=org.via,
        )

    def spec(self, org: OrgEntry, username: str) -> AppSpec:
        """The org's spec; the contact email defaults to the user that logs in (with target_org: the CLI's user)."""
        key = (org.spec, username)
        if key not in self._specs:
            self._specs[key] = load_spec(org.spec, default_contact_email=username)
        return self._specs[key]


class OrgProgress:
    """What run_org reports, as lines naming the org (several orgs' steps interleave)."""

    def __init__(self, events, org: str):  # noqa: ANN001 - JobEvents
        self.events = events
        self.org = org

    @contextmanager
    def step(self, name: str, detail: str = "") -> Iterator[None]:
        started = time.monotonic()
        self.events.step(self.org, f"{name}: {detail}" if detail else name, step=name, state="started")
        try:
            yield
        except StepSetAside as exc:  # another way to the same result follows: not a failure
            self.events.step(self.org, f"{name}: set aside ({exc})", step=name, state="set aside")
            raise
        except BaseException:
            self.events.step(self.org, f"{name}: failed", step=name, state="failed")
            raise
        self.events.step(self.org, f"{name}: done ({time.monotonic() - started:.1f} s)", step=name, state="done")

    def info(self, text: str) -> None:
        self.events.step(self.org, text)

