"""The simulated org's HTTP plumbing: routes match by specificity (never by the order they were added in), form
bodies are parsed by a real multipart parser, and pages declare the session and latency they need."""

from __future__ import annotations

import itertools
import re

import pytest

from provisioner.sim.app import build_router
from provisioner.sim.http import Request, Response, Router
from provisioner.sim.http.forms import parse_form
from provisioner.sim.http.router import AmbiguousRoute
from provisioner.sim.latency import Floor
from provisioner.sim.org import OrgConfig, SimOrg


def request(method: str, path: str, **kwargs) -> Request:
    return Request(method=method, path=path, query=kwargs.pop("query", {}), headers=kwargs.pop("headers", {}),
                   body=kwargs.pop("body", b""), cookies=kwargs.pop("cookies", {}))


def answer(name: str):
    return lambda req: Response.text(f"{name} {req.params}")


ROUTES = [("GET", "/lightning/setup/**", "shell"), ("GET", "/lightning/setup/ConnectedApplication/home", "classic"),
          ("GET", "/apps/{api_name}", "app"), ("POST", "/apps/{api_name}/drift", "drift"),
          ("GET", "/services/data/v{version}/?", "resources"), ("GET", "/services/data/v{version}/query/?", "query")]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(ROUTES))))[::97])
def test_the_same_route_answers_whatever_the_order_of_registration(order):
    router = Router()
    for i in order:
        method, template, name = ROUTES[i]
        router.add(method, template, answer(name))
    expected = {
        ("GET", "/lightning/setup/ConnectedApplication/home"): "classic {}",
        ("GET", "/lightning/setup/ConnectedApplication/other"): "shell {}",
        ("GET", "/lightning/setup"): "shell {}",
        ("GET", "/apps/CI_App"): "app {'api_name': 'CI_App'}",
        ("POST", "/apps/CI_App/drift"): "drift {'api_name': 'CI_App'}",
        ("GET", "/services/data/v66.0/"): "resources {'version': '66.0'}",
        ("GET", "/services/data/v66.0/query"): "query {'version': '66.0'}",
    }
    for (method, path), body in expected.items():
        assert router.dispatch(request(method, path)).body.decode() == body


def test_unknown_paths_and_methods():
    router = Router()
    router.add("GET", "/apps/{api_name}", answer("app"))
    assert router.dispatch(request("GET", "/apps/a/b")).status == 404  # a placeholder is one path segment
    assert router.dispatch(request("POST", "/apps/a")).status == 405
    assert router.dispatch(request("GET", "/lightning/setupX")).status == 404


def test_two_routes_that_match_equally_well_are_an_error_not_a_race():
    router = Router()
    router.add("GET", "/x/{a}", answer("a"))
    router.add("GET", "/x/{b:\\w+}", answer("b"))
    with pytest.raises(AmbiguousRoute):
        router.dispatch(request("GET", "/x/1"))
    with pytest.raises(ValueError):
        router.add("GET", "/x/{a}", answer("again"))


def test_every_route_of_the_org_answers_its_own_paths():
    """No route of the real org is shadowed by another or ties with one (resolve raises on a tie)."""
    router = build_router(SimOrg(OrgConfig()))
    samples = {"org_id": "00Dx1", "user_id": "005x1"}
    for route in router.routes():
        path = re.sub(r"\{(\w+)(?::[^}]+)?\}", lambda m: samples.get(m[1], "x1"), route.template)
        path = path.removesuffix("/**") + "/x" if path.endswith("/**") else path.removesuffix("/?")
        assert router.resolve(route.method, path)[0] is route, route.template


def test_multipart_upload_is_parsed_by_the_parser_not_by_splitting():
    pem = "-----BEGIN CERTIFICATE-----\r\nMIIB--boundary-lookalike--\r\n-----END CERTIFICATE-----\r\n"
    body = ("--XyZ\r\n"
            'Content-Disposition: form-data; name="a:name"\r\n\r\n'
            "CI App\r\n"
            "--XyZ\r\n"
            'Content-Disposition: form-data; name="cert"; filename="server.crt"\r\n'
            "Content-Type: application/x-x509-ca-cert\r\n\r\n"
            f"{pem}\r\n"
            "--XyZ\r\n"
            'Content-Disposition: form-data; name="scope"\r\n\r\napi\r\n'
            "--XyZ\r\n"
            'Content-Disposition: form-data; name="scope"\r\n\r\nweb\r\n'
            "--XyZ--\r\n").encode()
    form = parse_form(body, 'multipart/form-data; boundary="XyZ"')
    assert form == {"a:name": ["CI App"], "cert": [pem], "scope": ["api", "web"]}


def test_malformed_multipart_reads_as_an_empty_form():
    assert parse_form(b"--XyZ\r\nno headers, no end", "multipart/form-data; boundary=XyZ") == {}
    assert parse_form(b"anything", "multipart/form-data") == {}  # no boundary


def test_urlencoded_form():
    assert parse_form(b"a=1&a=2&b=", "application/x-www-form-urlencoded") == {"a": ["1", "2"], "b": [""]}


def test_pages_declare_their_session_and_latency():
    org = SimOrg(OrgConfig())
    slept: list[str] = []

    class Latency:
        floor = Floor()  # what the org imposed on the critical path (sim/latency.py)

        def page(self):
            slept.append("page")

        def api(self):
            slept.append("api")

    org.latency = Latency()
    router = build_router(org)
    # A classic page outside the protected prefixes still sends a logged-out visitor to log in, without a page load
    manage = "/_ui/core/application/force/connectedapp/ForceConnectedApplicationPage/d"
    response = router.dispatch(request("GET", manage, query={"applicationId": ["0H4x"]}))
    assert response.status == 302 and dict(response.headers)["Location"] == (
        "/?ec=302&startURL=%2F_ui%2Fcore%2Fapplication%2Fforce%2Fconnectedapp%2FForceConnectedApplicationPage%2Fd"
        "%3FapplicationId%3D0H4x")
    assert slept == []
    session = org.new_session(org.config.admin_username, None)
    response = router.dispatch(request("GET", manage, query={"applicationId": ["0H4x"]},
                                       cookies={"sid": session.id}))
    assert response.status == 404 and b"Data Not Available" in response.body  # past the guard: the page answers
    assert slept == ["page"]
