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

    def start(self, kind: str, prefix: str, caller, work: Callable[[], dict[str, Any]],  # noqa: ANN001 - ApiCaller
              **extra: Any) -> Job:
        now = time.time()
        latency = self.org.latency
        steps = [latency.api_delay() for _ in range(_STEPS)] if latency is not None else [0.0] * _STEPS
        with self._lock:
            # deploys queue: one runs at a time, a later one starts when the earlier is done [doc: deploy queue]
            queued = max((j.due_at for j in self._jobs.values() if j.kind == kind == "deploy"), default=0.0)
            started = max(now + steps[0], queued)
            job = Job(self.org.ids.sf_id(prefix), kind, now, started, started + sum(steps[1:]), caller.user.id,
                      caller.user.name, work, extra=extra)
            self._jobs[job.id] = job
        if latency is not None:
            latency.floor.add("api", now, job.due_at)
        self.org.log(f"metadata_{kind}_started", id=job.id, by=caller.user.username)
        return job

    def get(self, job_id: str, kind: str) -> Job | None:
        """The job, after every job that is due has run, in the order they were started (an org works through its
        queue in order, whoever asks first)."""
        with self._lock:
            job = self._jobs.get(job_id) or next((j for j in self._jobs.values() if j.id[:15] == job_id[:15]), None)
            if job is None or job.kind != kind:
                return None
            now = time.time()
            for due in sorted((j for j in self._jobs.values() if j.result is None and now >= j.due_at),
                              key=lambda j: j.created_at):
                due.result = due.work()
                due.completed_at = time.time()
                self.org.log(f"metadata_{due.kind}_done", id=due.id, status=due.result["status"])
        return job
