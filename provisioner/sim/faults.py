"""The fault profile of a simulated org: what goes wrong in a real org now and then, each at its own rate.

`SimOptions(faults="server_error=0.05,mail_twice=0.2")` (or a dict, or `provisioner sim --faults ...`) sets, per
fault, the chance that one occasion meets it (a page request, a save, a mail, an IMAP login ...). The draws come from
the profile's own generator, seeded from the org's seed: the same seed and rates give the same faults in the same
order for the same sequence of occasions. `all=RATE` sets every fault at once (a name after it overrides it).

The hooks live where each fault happens (sim/http/middleware.py, mailer.py, embedded_mail.py, oauth.py) and show
what Salesforce (or the mail server) shows: its own error and maintenance pages, its login page, its answers.
`browser_killed` is the one fault the simulator cannot cause: the soak (provisioner/soak.py) kills Chromium.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from ..errors import ConfigError

#: name -> what one occurrence does (the occasion it is drawn on in brackets)
FAULTS: dict[str, str] = {
    "page_tail": "a page load takes seconds longer than usual (the latency's long tail) [page request]",
    "spinner": "a Lightning call (/aura) answers only after a long spinner [aura call]",
    "server_error": "Salesforce's internal server error page instead of the page [page request]",
    "maintenance": "the maintenance page instead of the page [page request]",
    "session_expired": "the session ends: the page request lands on the login page [signed-in page request]",
    "save_fails": "a save fails once with an internal server error, nothing saved [save]",
    "toast_missing": "the success toast never shows on the page [page]",
    "mail_late": "a verification mail arrives late [mail]",
    "mail_twice": "a verification mail arrives twice [mail]",
    "mail_out_of_order": "a verification mail arrives after the mail sent after it [mail]",
    "mail_after_newer": "the previous (superseded) code's mail arrives again after the new one [mail]",
    "imap_drop": "the IMAP server drops the connection during IDLE [IDLE]",
    "imap_refuse_login": "the IMAP server refuses logins for a few seconds ([UNAVAILABLE]) [IMAP login]",
    "propagation_long": "the token endpoint answers 'propagating' for several times longer than usual [new app]",
    "browser_killed": "Chromium's process is killed mid-step (done by the soak, not the simulator) [org run]",
}


@dataclass(frozen=True)
class FaultShape:
    """How big one occurrence is (seconds, or a factor); ranges are drawn from uniformly."""

    page_tail_seconds: tuple[float, float] = (2.0, 6.0)
    spinner_seconds: tuple[float, float] = (3.0, 8.0)
    mail_late_seconds: tuple[float, float] = (5.0, 15.0)
    mail_out_of_order_seconds: tuple[float, float] = (2.0, 5.0)
    imap_refuse_seconds: tuple[float, float] = (1.0, 4.0)
    imap_drop_after_seconds: tuple[float, float] = (0.1, 1.0)
    propagation_factor: tuple[float, float] = (2.0, 4.0)


def parse_faults(value: str | Mapping[str, float] | None) -> dict[str, float]:
    """'name=rate,...' or {name: rate} -> {name: rate}; a ConfigError names the first bad part."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, rate = part.partition("=")
            if not sep:
                raise ConfigError(f"--faults: {part!r} is not name=rate (e.g. server_error=0.05)")
            pairs.append((name.strip(), rate.strip()))
    else:
        pairs = list(value.items())
    rates: dict[str, float] = {}
    for name, rate in pairs:
        if name != "all" and name not in FAULTS:
            raise ConfigError(f"--faults: unknown fault {name!r} (known: all, {', '.join(FAULTS)})")
        try:
            number = float(rate)
        except (TypeError, ValueError):
            raise ConfigError(f"--faults: the rate of {name} must be a number from 0 to 1, not {rate!r}") from None
        if not 0.0 <= number <= 1.0:
            raise ConfigError(f"--faults: the rate of {name} must be from 0 to 1, not {number:g}")
        if name == "all":
            rates.update({fault: number for fault in FAULTS})
        else:
            rates[name] = number
    return {name: rate for name, rate in rates.items() if rate > 0}


class FaultProfile:
    """Seeded draws, one per occasion: `hit(name)` says whether this occasion meets the fault."""

    def __init__(self, rates: str | Mapping[str, float] | None = None, seed: int | str | None = None,
                 shape: FaultShape = FaultShape()):
        self.rates = parse_faults(rates)
        self.shape = shape
        # its own generator: fault draws never change the org's ids, secrets or latency
        self._random = random.Random(None if seed is None else f"faults-{seed}")
        self._lock = threading.Lock()
        #: how often each fault happened (the inspection API shows it; the soak reports it)
        self.fired: Counter[str] = Counter()
        #: saves that already failed once (a save fails once, its retry goes through)
        self._failed_saves: set[str] = set()
        #: IMAP logins are refused until this time.monotonic()
        self.imap_refused_until = 0.0
        self._propagation: dict[str, float] = {}

    def __bool__(self) -> bool:
        return bool(self.rates)

    def hit(self, name: str) -> bool:
        rate = self.rates.get(name, 0.0)
        if rate <= 0:
            return False
        with self._lock:
            happened = self._random.random() < rate
            if happened:
                self.fired[name] += 1
        return happened

    def draw(self, bounds: tuple[float, float]) -> float:
        with self._lock:
            return self._random.uniform(*bounds)

    def save_fails(self, key: str) -> bool:
        """A save of `key` fails the first time the fault is drawn for it, never again."""
        with self._lock:
            if key in self._failed_saves:
                return False
        if not self.hit("save_fails"):
            return False
        with self._lock:
            self._failed_saves.add(key)
        return True

    def propagation_seconds(self, app_key: str, usual: float) -> float:
        """How long this app propagates: usually `usual`, for some apps several times longer (the factor is drawn once
        per app and save; the org's usual time is read each time, so a test that ends propagation ends it)."""
        with self._lock:
            factor = self._propagation.get(app_key)
        if factor is None:
            factor = self.draw(self.shape.propagation_factor) if self.hit("propagation_long") else 1.0
            with self._lock:
                factor = self._propagation.setdefault(app_key, factor)
        return usual * factor

    def as_json(self) -> dict:
        with self._lock:
            return {"rates": dict(self.rates), "fired": dict(self.fired)}


NO_FAULTS = FaultProfile()


def profile_of(org) -> FaultProfile:  # noqa: ANN001 - SimOrg
    """The org's fault profile (none: an org built without one)."""
    return getattr(org, "fault_profile", None) or NO_FAULTS


def install(org, rates: str | Mapping[str, float] | None, seed: int | None) -> FaultProfile:  # noqa: ANN001
    profile = FaultProfile(rates, seed)
    org.fault_profile = profile
    return profile
