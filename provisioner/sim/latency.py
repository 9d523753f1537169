"""How slow the simulated org is: `fast` for tests, `realistic` for demos and timing-robustness runs.

`realistic` draws page loads from a log-normal shaped like Salesforce's Experienced Page Time buckets: most
under 3 s, some 3-5 s and 5-8 s, a rare tail past 10 s (FIDELITY.md, Timing). Page modules call
`org.latency.page()` / `.api()` in their handlers; the mailer waits `mail_delay()` before delivering.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass

PROFILES = ("fast", "realistic")


@dataclass(frozen=True)
class _Shape:
    page_min: float  # seconds (EPT counts page loads from 150 ms)
    page_median: float
    page_sigma: float  # log-normal spread
    page_max: float
    api_median: float
    api_sigma: float
    api_max: float
    mail_min: float
    mail_max: float
    propagation_min: float  # a changed app is refused by JWT logins for this long
    propagation_max: float


_SHAPES = {
    # Tiny but non-zero: responses still arrive asynchronously, spinners still show. Propagation outlasts the
    # reveal of key and secret, so every verify meets the propagation answers (real orgs: 2-10 min, up to 30).
    "fast": _Shape(0.002, 0.008, 0.5, 0.05, 0.006, 0.5, 0.04, 0.05, 0.2, 5.0, 6.0),
    # median 1.2 s, sigma 0.6: ~94 % under 3 s, ~0.5 % over 5 s, EPT counts up to 90 s; cap the tail at 20 s.
    "realistic": _Shape(0.15, 1.2, 0.6, 20.0, 0.35, 0.5, 6.0, 2.0, 8.0, 20.0, 40.0),
}


class Latency:
    def __init__(self, profile: str = "fast", seed: int | None = None):
        if profile not in _SHAPES:
            raise ValueError(f"unknown latency profile {profile!r} (choose {', '.join(PROFILES)})")
        self.profile = profile
        self._shape = _SHAPES[profile]
        # Its own generator, so timing draws never change the org's ids or secrets.
        self._random = random.Random(None if seed is None else f"latency-{seed}")
        self._lock = threading.Lock()

    def _lognormal(self, median: float, sigma: float, cap: float, floor: float | None = None) -> float:
        with self._lock:
            value = self._random.lognormvariate(math.log(median), sigma)
        return min(max(value, median / 10 if floor is None else floor), cap)

    # --- delays (seconds), for callers that schedule rather than sleep --------------------------------
    def page_delay(self) -> float:
        shape = self._shape
        return self._lognormal(shape.page_median, shape.page_sigma, shape.page_max, shape.page_min)

    def api_delay(self) -> float:
        return self._lognormal(self._shape.api_median, self._shape.api_sigma, self._shape.api_max)

    def mail_delay(self) -> float:
        with self._lock:
            return self._random.uniform(self._shape.mail_min, self._shape.mail_max)

    def propagation_seconds(self) -> float:
        with self._lock:
            return self._random.uniform(self._shape.propagation_min, self._shape.propagation_max)

    # --- sleeps, for request handlers ---------------------------------------------------------------
    def page(self) -> float:
        """Sleep like a page load (an HTML navigation); returns the seconds slept."""
        delay = self.page_delay()
        time.sleep(delay)
        return delay

    def api(self) -> float:
        """Sleep like an XHR / REST call; returns the seconds slept."""
        delay = self.api_delay()
        time.sleep(delay)
        return delay
