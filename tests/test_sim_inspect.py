"""The inspection API answers only requests addressed to a loopback host: a web page that re-points its own name at
127.0.0.1 (DNS rebinding) can neither read the org's state nor change it."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from provisioner.sim.inspect import is_loopback_host


def call(sim, method: str, path: str, host: str, body: dict | None = None) -> tuple[int, dict]:
    url = urlsplit(sim.inspect_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True)
        conn.putheader("Host", host)
        data = b"" if body is None else json.dumps(body).encode()
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}", "192.168.1.20:{port}",
                                  "localhost.attacker.example:{port}", ""])
def test_a_foreign_host_header_is_refused(sim, host):
    port = urlsplit(sim.inspect_url).port
    status, body = call(sim, "GET", "/state", host.format(port=port))
    assert status == 403 and "loopback" in body["error"]
    assert sim.info()["password"] not in json.dumps(body)
    status, _ = call(sim, "POST", "/faults", host.format(port=port), {"maintenance": True})
    assert status == 403 and sim.org.faults["maintenance"] is False  # nothing changed


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST", "[::1]:{port}"])
def test_loopback_names_are_served(sim, host):
    port = urlsplit(sim.inspect_url).port
    status, body = call(sim, "GET", "/state", host.format(port=port))
    assert status == 200 and body["org"]["id"] == sim.org.org_id


def test_is_loopback_host():
    assert is_loopback_host("127.1.2.3:80") and is_loopback_host("localhost") and is_loopback_host("[::1]:8080")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("10.0.0.1") and not is_loopback_host("")
    assert not is_loopback_host("127.0.0.1.nip.io") and not is_loopback_host("[::1")
