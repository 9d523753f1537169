"""How slow the simulated org is: `fast` for tests, `realistic` for demos and timing-robustness runs.

`realistic` draws page loads from a log-normal shaped like Salesforce's Experienced Page Time buckets: most
under 3 s, some 3-5 s and 5-8 s, a rare tail past 10 s (EVIDENCE.md "Login, identity verification, mail, faults").
Page modules call `org.latency.page()` / `.api()` in their handlers; the mailer waits `mail_delay()` before
delivering.

`Latency.floor` records every delay the org imposes (page and request latency, the fault profile's slow pages,
mail delivery, propagation) so the inspection API can say how long a run had to wait on "Salesforce" at least:
the floor a client cannot go below (GET /floor, POST /floor/reset; bench/ reads it).
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


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of [start, end) intervals: overlapping waits count once."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


class Floor:
    """The waits the org imposed since the last reset, as wall-clock intervals by kind (page, api, fault, mail,
    propagation), and the page visits. The floor is the union of all intervals within the window: while one request
    sleeps and a mail travels, the client waits once. Propagation counts from the app's save to its end for every app
    a token was asked for (a verified app cannot come sooner), clipped to the window."""

    KINDS = ("page", "api", "fault", "mail", "propagation")

    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._since = self._clock()
            self._intervals: list[tuple[str, float, float]] = []
            self._once: set[object] = set()
            self._page_visits = 0
            self._requests = 0

    def add(self, kind: str, start: float, end: float, *, once: object = None) -> None:
        """One wait; `once`: a key recorded only the first time (a propagation asked about many times)."""
        with self._lock:
            if once is not None:
                if once in self._once:
                    return
                self._once.add(once)
            self._intervals.append((kind, start, end))

    def waited(self, kind: str, seconds: float) -> None:
        """A wait of `seconds` that ends now (a request handler that just slept)."""
        now = self._clock()
        self.add(kind, now - seconds, now)

    def visit(self, page: bool) -> None:
        with self._lock:
            self._requests += 1
            self._page_visits += 1 if page else 0

    def report(self) -> dict:
        now = self._clock()
        with self._lock:
            since, intervals = self._since, list(self._intervals)
            page_visits, requests = self._page_visits, self._requests
        clipped = [(kind, max(start, since), min(end, now)) for kind, start, end in intervals]
        clipped = [(kind, start, end) for kind, start, end in clipped if end > start]
        by_kind = {kind: {"count": sum(1 for k, _, _ in clipped if k == kind),
                          "sum_seconds": round(sum(e - s for k, s, e in clipped if k == kind), 3),
                          "union_seconds": round(union_seconds([(s, e) for k, s, e in clipped if k == kind]), 3)}
                   for kind in self.KINDS}
        return {"since": since, "now": now, "window_seconds": round(now - since, 3),
                "floor_seconds": round(union_seconds([(s, e) for _, s, e in clipped]), 3),
                "serial_seconds": round(sum(e - s for _, s, e in clipped), 3),
                "by_kind": by_kind, "page_visits": page_visits, "requests": requests}


class Latency:
    def __init__(self, profile: str = "fast", seed: int | None = None):
        if profile not in _SHAPES:
            raise ValueError(f"unknown latency profile {profile!r} (choose {', '.join(PROFILES)})")
        self.profile = profile
        self._shape = _SHAPES[profile]
        # Its own generator, so timing draws never change the org's ids or secrets.
        self._random = random.Random(None if seed is None else f"latency-{seed}")
        self._lock = threading.Lock()
        self.floor = Floor()

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
        self.floor.waited("page", delay)
        return delay

    def api(self) -> float:
        """Sleep like an XHR / REST call; returns the seconds slept."""
        delay = self.api_delay()
        time.sleep(delay)
        self.floor.waited("api", delay)
        return delay
