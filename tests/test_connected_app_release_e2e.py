"""A classic Connected App's Edit Policies in the previous release's wording: IP Relaxation's "Relax IP restrictions
with second factor" (now "... for activated devices"; both wordings are the Connected App's own, EVIDENCE.md). The
page shows the release's words and the flow picks whichever the page offers. Real Chromium, the simulated org."""

from __future__ import annotations

import urllib.request

import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.config import OrgSettings
from provisioner.flows.session import Timeouts
from provisioner.provision import ProvisionRequest
from provisioner.sim import paths
from provisioner.spec import load_spec

from .test_provision_e2e import run

pytestmark = pytest.mark.e2e

FAST = Timeouts(page_ms=20_000, mail_s=30, settle_ms=20_000)
PREVIOUS, CURRENT = "Relax IP restrictions with second factor", "Relax IP restrictions for activated devices"


def edit_policies_html(handle, app) -> str:  # noqa: ANN001
    session = handle.org.new_session(handle.admin.username, None)
    request = urllib.request.Request(f"{handle.base_url}{paths.CONNECTED_APP_POLICIES}?applicationId={app.id}",
                                     headers={"Cookie": f"sid={session.id}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def test_ip_relaxation_in_the_previous_release_s_words_is_set_then_left_alone(sim_factory, tmp_path):
    handle = sim_factory(variant="previous-release", connected_apps_allowed=True)
    info = handle.info()
    org = OrgSettings(login_url=info["login_url"], username=info["username"], password=info["password"],
                      totp_secret=info["totp_secret"])
    spec = load_spec(overrides={"name": "CI JWT", "app_type": "connected_app",
                                "policies.ip_relaxation": "relax_with_second_factor"},
                     default_contact_email=org.username)
    key, cert = generate_key_and_cert(tmp_path / "keys", common_name="release-check")
    # the admin signs in with an authenticator: no mail; the consumer secret is not read (reveal=False)
    request = ProvisionRequest(org=org, spec=spec, cert_path=cert, key_path=key, reveal=False,
                               artifacts_dir=tmp_path / "artifacts", timeouts=FAST)
    first, second = run(request, request)

    app = handle.org.app_by_api_name(spec.api_name)
    assert first.created and app.kind == "connected_app" and app.policies.ip_relaxation == "Bypass_2factor"
    assert second.status == "unchanged" and second.changes == [], second.changes
    page = edit_policies_html(handle, app)
    assert PREVIOUS in page and CURRENT not in page
