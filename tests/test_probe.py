"""`provisioner probe` as a user runs it: a subprocess against a simulated org (real Chromium, the embedded mailbox).

It passes on every variant of the simulated org; it changes nothing in the org; a relabelled control is named with
its page and an override line that, written to a file, makes both probe and `setup` work; and nothing secret, no
consumer key and no e-mail address reaches the bundle.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.errors import LocatorNotFoundError, RecordingLeakError
from provisioner.sim.variants import VARIANTS

from .test_provision_e2e import seed_app

#: every artifact these tests write is scanned for the run's secrets afterwards (tests/support/secrets_scan.py)
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("secrets_scan")]
ROOT = Path(__file__).resolve().parent.parent
#: what the relabel tests rename: words added in the middle, so the code's label no longer matches
RENAMED = {"External Client App Name": "External Client App Display Name"}
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def org_env(info: dict) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFORCE_", "IMAP_", "PROVISIONER_"))}
    env.update(SALESFORCE_LOGIN_URL=info["login_url"], SALESFORCE_USERNAME=info["username"],
               SALESFORCE_PASSWORD=info["password"], SALESFORCE_TOTP_SECRET=info["totp_secret"] or "",
               IMAP_HOST=info["imap_host"], IMAP_PORT=str(info["imap_port"]), IMAP_USER=info["imap_user"],
               IMAP_PASSWORD=info["imap_password"], IMAP_SSL="false", PYTHONPATH=str(ROOT))
    return env


def cli(tmp_path: Path, info: dict, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "provisioner.cli", *args], cwd=tmp_path,
                          env={**org_env(info), **(env or {})}, capture_output=True, text=True, timeout=300)


def probe(tmp_path: Path, info: dict, bundle: str, *args: str, **kw) -> tuple[subprocess.CompletedProcess, dict]:
    proc = cli(tmp_path, info, "probe", "--bundle", str(tmp_path / bundle), "--page-timeout", "15",
               "--mail-timeout", "10", *args, **kw)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    report_file = tmp_path / bundle / "report.json"
    return proc, (json.loads(report_file.read_text()) if report_file.exists() else {})


def statuses(report: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for check in report["locators"]:
        out.setdefault(check["status"], set()).add(check["key"])
    return out


def bundle_texts(bundle: Path) -> dict[str, str]:
    return {str(p.relative_to(bundle)): p.read_text() for p in sorted(bundle.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_probe_passes_on_every_variant(sim_factory, tmp_path, variant):
    handle = sim_factory(mail="embedded", variant=variant)
    proc, report = probe(tmp_path, handle.info(), "bundle")

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report["ok"] and report["exit_code"] == 0
    assert not statuses(report).keys() - {"found", "not shown", "alternative"}, report["failures"]
    found = statuses(report)["found"]
    assert {"app_manager.NEW_APP", "eca_form.NAME", "eca_form.ENABLE_OAUTH", "eca_form.CALLBACK_URL",
            "eca_form.SCOPES", "eca_form.JWT_BEARER", "eca_form.CERTIFICATE_UPLOAD", "eca_form.CANCEL"} <= found
    assert report["org"]["api_version"] and report["org"]["release"]
    assert "probe passed" in proc.stdout and str(tmp_path / "bundle") in proc.stdout
    # a fresh org: the New form was opened and cancelled, nothing created
    assert report["app_exists"] is False and not handle.org.apps
    titles = [page["title"] for page in report["pages"]]
    assert "New External Client App" in titles
    new_form = next(p for p in report["pages"] if p["title"] == "New External Client App")
    assert "Callback URL" in (tmp_path / "bundle" / new_form["snapshot"]).read_text()


def test_probe_walks_an_existing_apps_pages_and_changes_nothing(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded")
    _, cert = generate_key_and_cert(tmp_path / "keys", common_name="CI_JWT")
    app = seed_app(handle, cert.read_text())
    before = copy.deepcopy(app)
    proc, report = probe(tmp_path, handle.info(), "bundle", "--app-name", "CI JWT", "--api-name", "CI_JWT")

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report["app_exists"] is True
    found = statuses(report)["found"]
    assert {"eca_detail.SETTINGS_TAB", "eca_detail.POLICIES_TAB", "eca_detail.CONSUMER_KEY_AND_SECRET",
            "eca_form.NAME", "eca_form.CERTIFICATE_UPLOAD", "eca_form.SAVE", "eca_policies.PERMITTED_USERS",
            "eca_policies.PROFILES", "eca_policies.REFRESH_TOKEN_POLICY", "eca_policies.REFRESH_TOKEN_PERIOD",
            "eca_policies.SESSION_TIMEOUT", "eca_policies.CANCEL"} <= found
    titles = [page["title"] for page in report["pages"]]
    assert {"CI_JWT: Settings tab", "CI_JWT: Edit Settings", "CI_JWT: Edit Policies"} <= set(titles)
    # read only: the app is as it was, and "Consumer Key and Secret" was never opened (no code was issued for it)
    assert handle.org.apps[app.id] == before
    assert not [c for c in handle.org.codes if c.purpose != "login"]


def test_probe_opens_collapsed_sections_and_finds_run_as_on_edit_policies(sim_factory, tmp_path):
    """A client credentials spec: the Run As is looked for where the run sets it (Edit Policies, behind that page's
    own box), never on the Settings form; the collapsed sections are opened as the flows open them."""
    handle = sim_factory(mail="embedded", variant="collapsed-sections")
    app = seed_app(handle, None, name="Nightly Integration", api_name="Nightly_Integration", jwt_enabled=False,
                   scopes=["api"], client_credentials_enabled=True, client_credentials_user="integration@acme.example")
    before = copy.deepcopy(app)
    proc, report = probe(tmp_path, handle.info(), "bundle", "--spec",
                         str(ROOT / "provisioner" / "specs" / "integration-client-credentials.toml"))

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report["app_exists"] is True
    found = statuses(report)["found"]
    assert {"eca_form.OAUTH_SECTION", "eca_form.CLIENT_CREDENTIALS", "eca_policies.OAUTH_POLICIES_SECTION",
            "eca_policies.PERMITTED_USERS", "eca_policies.CLIENT_CREDENTIALS", "eca_policies.RUN_AS"} <= found
    assert not [c for c in report["locators"] if c["key"] == "eca_form.RUN_AS"]
    assert handle.org.apps[app.id] == before  # opened, looked at, cancelled


def test_a_relabelled_control_is_named_and_its_override_makes_probe_and_setup_work(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded", relabel=RENAMED)
    info = handle.info()

    proc, report = probe(tmp_path, info, "broken")
    assert proc.returncode == LocatorNotFoundError.exit_code, proc.stderr[-3000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: locator eca_form.NAME ") and "New External Client App" in last
    assert str(tmp_path / "broken") in last
    assert [(c["key"], c["page"]) for c in report["locators"] if c["status"] in ("missing", "ambiguous")] == [
        ("eca_form.NAME", "New External Client App")]
    proposal = 'eca_form.NAME = { label = "External Client App Display Name" }'
    assert report["proposed_overrides"] == [proposal]
    assert proposal in (tmp_path / "broken" / "proposed-overrides.toml").read_text()

    overrides = tmp_path / "locators.toml"
    overrides.write_text(proposal + "\n")
    proc, report = probe(tmp_path, info, "fixed", "--locators", str(overrides))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report["overrides"] == {str(overrides): ["eca_form.NAME"]}

    # the Setup pages (--via browser): the API path (the default where the org allows it) never meets the control
    setup_args = ("setup", "--via", "browser", "--out-dir", str(tmp_path / "out"), "--page-timeout", "8",
                  "--mail-timeout", "10", "--verify-seconds", "60")
    # without the override setup stops on that control, naming it; with it (environment variable) setup succeeds
    failed = cli(tmp_path, info, *setup_args)
    assert failed.returncode == LocatorNotFoundError.exit_code, failed.stderr[-3000:]
    line = failed.stderr.strip().splitlines()[-1]
    assert line.startswith("error: locator eca_form.NAME ") and "page eca_form" in line and "probe" in line
    assert not handle.org.apps

    done = cli(tmp_path, info, *setup_args, env={"PROVISIONER_LOCATORS": str(overrides)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert handle.org.app_by_api_name("Salesforce_CLI_JWT") is not None
    assert "SALESFORCE_CONSUMER_KEY=" in (tmp_path / "out" / "credentials.env").read_text()


def test_no_secret_key_or_address_reaches_the_bundle(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded", admin_mfa="none")  # login by emailed code: the mailbox is used
    _, cert = generate_key_and_cert(tmp_path / "keys", common_name="CI_JWT")
    app = seed_app(handle, cert.read_text())
    # the key and an address where a page shows them, so masking has something to do
    app.description = f"Key {app.consumer_key} owned by ops-team@example.org"
    info = handle.info()
    proc, report = probe(tmp_path, info, "bundle", "--app-name", "CI JWT", "--api-name", "CI_JWT")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    bundle = tmp_path / "bundle"
    texts = bundle_texts(bundle)
    assert {"report.json", "summary.txt"} <= set(texts) and any(n.startswith("snapshots/") for n in texts)
    everything = "\n".join(texts.values())
    assert "Permitted Users" in everything and "Description" in everything  # the pages are really in there
    assert "********" in everything and "<e-mail>" in everything  # masking had something to do
    never = [info["password"], info["imap_password"], app.consumer_key, app.consumer_secret, info["username"],
             info["email"], "ops-team@example.org"]
    if handle.admin.totp_secret:
        never.append(handle.admin.totp_secret)
    for name, text in texts.items():
        for value in never:
            assert value not in text, f"{name} holds a value it must not"
        assert not ADDRESS.search(text), f"{name} holds an address: {ADDRESS.search(text).group(0)}"
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o700
    for path in bundle.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_a_file_that_still_holds_a_secret_is_deleted_and_the_probe_fails(tmp_path):
    from provisioner.config import OrgSettings
    from provisioner.flows.probe import PageVisit, ProbeWalk
    from provisioner.probe import Masker, write_bundle

    org = OrgSettings(login_url="https://login.salesforce.com", username="admin@acme.example",
                      password="Pa55-word-for-the-test", totp_secret=None)

    class Leaky(Masker):  # a masking bug: it masks nothing
        def __call__(self, text: str) -> str:
            return text

    walk = ProbeWalk("external_client_app", pages=[PageVisit("Login", "/", 'textbox "Password": Pa55-word-for-the-test'),
                                                  PageVisit("Home", "/lightning/", "heading \"Setup\"")])
    report = {"ok": True, "counts": {"found": 0, "missing": 0, "ambiguous": 0, "not shown": 0}, "org": {},
              "locators": [], "stopped": None, "notes": [], "proposed_overrides": [],
              "pages": [{"title": p.title, "path": p.path} for p in walk.pages]}
    with pytest.raises(RecordingLeakError) as caught:
        write_bundle(tmp_path / "bundle", report, walk, Leaky(org, None))
    assert "snapshots/01-login.yml" in str(caught.value) and "Pa55" not in str(caught.value)
    assert not (tmp_path / "bundle" / "snapshots" / "01-login.yml").exists()
    assert (tmp_path / "bundle" / "snapshots" / "02-home.yml").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_probe_walks_a_connected_apps_classic_pages(sim_factory, tmp_path):
    handle = sim_factory(mail="embedded", connected_apps_allowed=True)
    _, cert = generate_key_and_cert(tmp_path / "keys", common_name="CI_JWT")
    app = seed_app(handle, cert.read_text(), id=handle.org.ids.sf_id("0H4"), kind="connected_app",
                   definition_id=handle.org.ids.sf_id("06P"))
    before = copy.deepcopy(app)
    proc, report = probe(tmp_path, handle.info(), "bundle", "--app-type", "connected_app", "--app-name", "CI JWT",
                         "--api-name", "CI_JWT")

    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert report["app_exists"] is True
    found = statuses(report)["found"]
    assert {"connected_app_pages.LIST_TABLE", "connected_app_pages.MANAGE_CONSUMER_DETAILS", "connected_app_pages.EDIT",
            "connected_app_form.NAME", "connected_app_form.CALLBACK_URL", "connected_app_form.SCOPES_SELECTED",
            "connected_app_form.CERTIFICATE_UPLOAD", "connected_app_policies.EDIT_POLICIES",
            "connected_app_policies.ASSIGNMENT_CHECKBOXES", "connected_app_policies.PERMITTED_USERS",
            "connected_app_policies.SESSION_TIMEOUT"} <= found
    assert {"CI_JWT: detail page", "CI_JWT: Edit", "CI_JWT: Manage Profiles", "CI_JWT: Edit Policies"} <= {
        page["title"] for page in report["pages"]}
    assert handle.org.apps[app.id] == before
    assert not [c for c in handle.org.codes if c.purpose != "login"]


def test_relabel_renames_the_label_in_pages_and_scripts_only(sim_factory):
    import urllib.request

    handle = sim_factory(relabel=RENAMED)
    plain = sim_factory()
    for base, renamed in ((handle.base_url, True), (plain.base_url, False)):
        script = urllib.request.urlopen(base + "/static/setup-eca.js", timeout=10).read().decode()
        style = urllib.request.urlopen(base + "/static/lightning.css", timeout=10).read().decode()
        assert ("External Client App Display Name" in script) is renamed
        assert ('"External Client App Name"' in script) is not renamed
        assert "Display Name" not in style
