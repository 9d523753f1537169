"""Asynchronous metadata requests (deploys, retrieves): each is Pending, then InProgress, then done, over a time
drawn from the org's latency profile like any API call, and that time is on the floor (latency.Floor, kind "api"):
a client cannot know the result sooner. The work itself happens once, at the first status check after it is due
(the org's answer does not depend on when the client asks)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..org import SimOrg

#: how many API calls' worth of time a metadata request takes (a deploy validates, then writes) [none]
_STEPS = 3


@dataclass
class Job:
    id: str
    kind: str  # "deploy" | "retrieve"
    created_at: float
    started_at: float
    due_at: float
    user_id: str
    user_name: str
    #: runs once when the job is due; returns its result (a dict the handlers render)
    work: Callable[[], dict[str, Any]]
    result: dict[str, Any] | None = None
    completed_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def status(self, now: float) -> str:
        if self.result is not None:
            return self.result["status"]
        return "Pending" if now < self.started_at else "InProgress"


class Jobs:
    def __init__(self, org: SimOrg):
        self.org = org
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, prefix: str, caller, work: Callable[[], dict[str, Any]], **extra: Any) -> Job:  # noqa: ANN001
        now = time.time()
        latency = self.org.latency
        steps = [latency.api_delay() for _ in range(_STEPS)] if latency is not None else [0.0] * _STEPS
        job = Job(self.org.ids.sf_id(prefix), kind, now, now + steps[0], now + sum(steps), caller.user.id,
                  caller.user.name, work, extra=extra)
        if latency is not None:
            latency.floor.add("api", now, job.due_at)
        with self._lock:
            self._jobs[job.id] = job
        self.org.log(f"metadata_{kind}_started", id=job.id, by=caller.user.username)
        return job

    def get(self, job_id: str, kind: str) -> Job | None:
        """The job, finished first if it is due."""
        with self._lock:
            job = self._jobs.get(job_id) or next((j for j in self._jobs.values() if j.id[:15] == job_id[:15]), None)
            if job is None or job.kind != kind:
                return None
            if job.result is None and time.time() >= job.due_at:
                job.result = job.work()
                job.completed_at = time.time()
                self.org.log(f"metadata_{kind}_done", id=job.id, status=job.result["status"])
        return job
