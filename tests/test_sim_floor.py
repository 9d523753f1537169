"""The floor: the simulated org counts the waits it imposed (page and request latency, mail delivery, propagation)
and reports them through the inspection API, so a benchmark can say how far a run is from what Salesforce costs."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from provisioner.sim.latency import Floor, union_seconds
from provisioner.sim.model import ExternalClientApp


def test_union_counts_overlapping_waits_once():
    assert union_seconds([(0, 2), (1, 3), (5, 6)]) == pytest.approx(4)
    assert union_seconds([(0, 10), (2, 3)]) == pytest.approx(10)
    assert union_seconds([]) == 0


def test_floor_clips_to_the_window_and_records_a_propagation_once():
    now = [100.0]
    floor = Floor(clock=lambda: now[0])
    floor.add("propagation", 90.0, 130.0, once="app@90")  # saved before the reset: only its part after it counts
    floor.add("propagation", 90.0, 130.0, once="app@90")  # asked about again: still one wait
    floor.add("page", 101.0, 103.0)
    floor.visit(page=True)
    floor.visit(page=False)
    now[0] = 140.0
    report = floor.report()
    assert report["floor_seconds"] == pytest.approx(30.0)  # 100..130; the page load overlaps it
    assert report["by_kind"]["propagation"]["count"] == 1
    assert report["serial_seconds"] == pytest.approx(32.0)
    assert (report["page_visits"], report["requests"]) == (1, 2)
    floor.reset()
    assert floor.report()["floor_seconds"] == 0 and floor.report()["page_visits"] == 0


def _get(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_inspection_api_reports_page_mail_and_propagation_waits(sim):
    _, body = _get(sim.inspect_url + "/floor/reset", "POST", b"{}", {"Content-Type": "application/json"})
    assert json.loads(body)["floor_seconds"] == 0
    status, _ = _get(sim.login_url)  # the login page: one page visit, one page wait
    assert status == 200
    sim.org.issue_code(sim.admin.username, "login")  # mails a code: the delivery delay counts
    app = ExternalClientApp(id="0xI000000000001", name="Floor", api_name="Floor", contact_email="a@b.test",
                            consumer_key="3MVGfloor", consumer_secret="S" * 64, oauth_enabled=True)
    app.changed_at = time.time()
    with sim.org.lock:
        sim.org.apps[app.id] = app
    form = b"grant_type=client_credentials&client_id=3MVGfloor&client_secret=" + b"S" * 64
    status, answer = _get(sim.base_url + "/services/oauth2/token", "POST", form,
                          {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400  # still propagating
    report = json.loads(_get(sim.inspect_url + "/floor")[1])
    kinds = report["by_kind"]
    assert report["page_visits"] >= 1 and kinds["page"]["count"] >= 1
    assert kinds["mail"]["count"] == 1
    assert kinds["propagation"]["count"] == 1
    assert 0 < report["floor_seconds"] <= report["window_seconds"]
    assert report["profile"] == "fast"
