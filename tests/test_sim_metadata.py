"""The simulated org's Metadata API (sim/metadata/): as strict as its pages, in Salesforce's shapes. Deploys go over
REST deployRequest and are all or nothing; their status is not done at once; retrieves go over SOAP. One model: a
deployed app is the app the pages list, a page-made app retrieves. Raw HTTP here, no client code of ours: the
shapes are what is under test."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zipfile

import pytest

from provisioner.certs import generate_key_and_cert
from provisioner.sim.api_auth import ApiCaller
from provisioner.sim.http import aura
from provisioner.sim.latency import Floor
from provisioner.sim.metadata.jobs import Jobs

VERSION = "65.0"
NS = "http://soap.sforce.com/2006/04/metadata"
MD = "{" + NS + "}"
SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


# --- helpers: raw requests ----------------------------------------------------------------------------------------

def http(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sid(handle, username: str | None = None) -> str:  # noqa: ANN001
    return handle.org.new_session(username or handle.admin.username, None).id


def xml_file(type_name: str, body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{type_name} xmlns="{NS}">{body}</{type_name}>'.encode()


def package(members: dict[str, list[str]]) -> bytes:
    types = "".join("<types>" + "".join(f"<members>{m}</members>" for m in names) + f"<name>{t}</name></types>"
                    for t, names in members.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?><Package xmlns="{NS}">{types}'
            f'<version>{VERSION}</version></Package>').encode()


def app_files(name: str = "Acme_CI", *, header: str | None = None, global_extra: str = "",
              callback: str = "http://localhost:1717/OauthRedirect", policies: str | None = None) -> dict[str, bytes]:
    """An app as the docs' samples write it: header, OAuth settings, global OAuth settings (+ policies)."""
    files = {
        f"externalClientApps/{name}.eca": xml_file("ExternalClientApplication", header or (
            "<contactEmail>admin@acme.example</contactEmail><distributionState>Local</distributionState>"
            f"<isProtected>false</isProtected><label>{name.replace('_', ' ')}</label>")),
        f"extlClntAppOauthSettings/{name}_oauth.ecaOauth": xml_file(
            "ExtlClntAppOauthSettings", f"<commaSeparatedOauthScopes>Api, Web, RefreshToken</commaSeparatedOauthScopes>"
            f"<externalClientApplication>{name}</externalClientApplication><label>{name}_oauth</label>"),
        f"extlClntAppGlobalOauthSets/{name}_glbloauth.ecaGlblOauth": xml_file(
            "ExtlClntAppGlobalOauthSettings", f"<callbackUrl>{callback}</callbackUrl>"
            f"<externalClientApplication>{name}</externalClientApplication>{global_extra}"
            f"<isConsumerSecretOptional>false</isConsumerSecretOptional><label>{name}_glbloauth</label>"),
    }
    members = {"ExternalClientApplication": [name], "ExtlClntAppOauthSettings": [f"{name}_oauth"],
               "ExtlClntAppGlobalOauthSettings": [f"{name}_glbloauth"]}
    if policies is not None:
        files[f"extlClntAppOauthPolicies/{name}_oauthPlcy.ecaOauthPlcy"] = xml_file(
            "ExtlClntAppOauthConfigurablePolicies",
            f"<externalClientApplication>{name}</externalClientApplication>{policies}")
        members["ExtlClntAppOauthConfigurablePolicies"] = [f"{name}_oauthPlcy"]
    files["package.xml"] = package(members)
    return files


def start_deploy(handle, session: str, files: dict[str, bytes],  # noqa: ANN001 - a SimHandle
                 options: dict | None = None) -> tuple[int, dict]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"json\"\r\nContent-Type: application/json\r\n\r\n"
            + json.dumps({"deployOptions": options or {"singlePackage": True}})
            + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"deploy.zip\"\r\n"
            "Content-Type: application/zip\r\n\r\n").encode() + buffer.getvalue() + f"\r\n--{boundary}--\r\n".encode()
    status, raw = http(f"{handle.base_url}/services/data/v{VERSION}/metadata/deployRequest", body,
                       {"Authorization": f"Bearer {session}",
                        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    return status, json.loads(raw)


def deploy_status(handle, session: str, deploy_id: str) -> dict:  # noqa: ANN001
    status, raw = http(f"{handle.base_url}/services/data/v{VERSION}/metadata/deployRequest/{deploy_id}"
                       "?includeDetails=true", headers={"Authorization": f"Bearer {session}"})
    assert status == 200, raw
    return json.loads(raw)["deployResult"]


def deploy(handle, files: dict[str, bytes], options: dict | None = None) -> dict:  # noqa: ANN001
    """Deploy and poll (soon, then backing off) until done; the final deployResult."""
    session = sid(handle)
    status, started = start_deploy(handle, session, files, options)
    assert status == 201, started
    wait = 0.01
    for _ in range(200):
        result = deploy_status(handle, session, started["id"])
        if result["done"]:
            return result
        time.sleep(wait)
        wait = min(wait * 1.5, 0.5)
    raise AssertionError("the deploy never finished")


def soap(handle, session: str, call: str, inner: str) -> tuple[int, ET.Element]:  # noqa: ANN001
    envelope = (f'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:met="{NS}">'
                f"<soapenv:Header><met:SessionHeader><met:sessionId>{session}</met:sessionId></met:SessionHeader>"
                f"</soapenv:Header><soapenv:Body><met:{call}>{inner}</met:{call}></soapenv:Body></soapenv:Envelope>")
    status, raw = http(f"{handle.base_url}/services/Soap/m/{VERSION}", envelope.encode(),
                       {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": call})
    return status, ET.fromstring(raw)


def retrieve(handle, members: dict[str, list[str]]) -> ET.Element:  # noqa: ANN001
    session = sid(handle)
    types = "".join("<met:types>" + "".join(f"<met:members>{m}</met:members>" for m in names)
                    + f"<met:name>{t}</met:name></met:types>" for t, names in members.items())
    status, answer = soap(handle, session, "retrieve",
                          f"<met:retrieveRequest><met:apiVersion>{VERSION}</met:apiVersion>"
                          f"<met:unpackaged>{types}</met:unpackaged></met:retrieveRequest>")
    assert status == 200
    job = answer.findtext(f"{SOAP}Body/{MD}retrieveResponse/{MD}result/{MD}id")
    assert answer.findtext(f"{SOAP}Body/{MD}retrieveResponse/{MD}result/{MD}done") == "false"
    for _ in range(200):
        _, answer = soap(handle, session, "checkRetrieveStatus", f"<met:asyncProcessId>{job}</met:asyncProcessId>")
        result = answer.find(f"{SOAP}Body/{MD}checkRetrieveStatusResponse/{MD}result")
        if result.findtext(MD + "done") == "true":
            return result
        time.sleep(0.02)
    raise AssertionError("the retrieve never finished")


def zip_files(result: ET.Element) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(result.findtext(MD + "zipFile"))))
    return {name: archive.read(name) for name in archive.namelist()}


def element(data: bytes, name: str) -> str | None:
    return ET.fromstring(data).findtext(MD + name)


def aura_action(handle, name: str, params: dict) -> dict:  # noqa: ANN001
    """One /aura action as the Setup pages' scripts send it (the pages' own save and list)."""
    session = sid(handle)
    message = json.dumps({"actions": [{"id": "1", "descriptor": f"apex://Setup/ACTION${name}", "params": params}]})
    body = urllib.parse.urlencode({"message": message, "aura.token": aura.token(handle.org, session)}).encode()
    status, raw = http(f"{handle.base_url}/aura?r=1", body, {"Cookie": f"sid={session}",
                                                             "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, raw
    action = json.loads(raw)["actions"][0]
    assert action["state"] == "SUCCESS", action
    return action["returnValue"]


def eca_apps(handle) -> dict:  # noqa: ANN001
    with handle.org.lock:
        return {a.api_name: a for a in handle.org.apps.values() if a.kind == "external_client_app"}


# --- deploy ---------------------------------------------------------------------------------------------------------

def test_a_deploy_is_not_done_at_once_and_then_creates_the_app_the_pages_list(sim_factory):
    handle = sim_factory()
    session = sid(handle)
    floor_before = handle.org.latency.floor.report()["by_kind"]["api"]["count"]
    status, started = start_deploy(handle, session, app_files())
    assert status == 201
    assert started["id"].startswith("0Af") and started["url"].endswith(started["id"])
    assert started["deployResult"]["status"] == "Pending" and started["deployResult"]["done"] is False
    assert started["deployOptions"]["rollbackOnError"] is True  # all or nothing unless asked otherwise
    assert "Acme_CI" not in eca_apps(handle)  # nothing applied before the deploy is done
    result = deploy(handle, app_files(name="Acme_CI"))  # a second deploy of the same app: updates it
    first = deploy_status(handle, session, started["id"])
    assert first["done"] and first["status"] == "Succeeded" and first["success"] is True
    successes = {s["fullName"]: s for s in first["details"]["componentSuccesses"]}
    assert set(successes) == {"Acme_CI", "Acme_CI_oauth", "Acme_CI_glbloauth", "package.xml"}
    header = successes["Acme_CI"]
    assert header["componentType"] == "ExternalClientApplication" and header["created"] is True
    assert header["fileName"] == "externalClientApps/Acme_CI.eca"
    app = eca_apps(handle)["Acme_CI"]
    assert header["id"] == app.id and app.id.startswith("0xI")
    # generated as the New form does: a consumer key and secret, once
    assert app.consumer_key.startswith("3MVG9") and len(app.consumer_key) == 85
    assert len(app.consumer_secret) == 64
    assert app.oauth_enabled and app.scopes == ["api", "web", "refresh_token offline_access"]
    assert app.callback_urls == ["http://localhost:1717/OauthRedirect"] and not app.jwt_enabled
    assert result["status"] == "Succeeded"
    assert {s["fullName"]: s["created"] for s in result["details"]["componentSuccesses"]}["Acme_CI"] is False
    # the waits are on the floor: each request and each deploy's run time
    assert handle.org.latency.floor.report()["by_kind"]["api"]["count"] > floor_before + 2
    # the External Client App Manager (its list action, as the page's script calls it) shows the deployed app
    rows = aura_action(handle, "eca.list", {})["rows"]
    assert {"id": app.id, "name": "Acme CI", "apiName": "Acme_CI"}.items() <= next(
        r for r in rows if r["apiName"] == "Acme_CI").items()


def test_status_goes_pending_then_in_progress_then_done_on_a_realistic_org(sim_factory):
    handle = sim_factory(latency="realistic")
    session = sid(handle)
    _, started = start_deploy(handle, session, app_files())
    seen = [started["deployResult"]["status"]]
    while not (result := deploy_status(handle, session, started["id"]))["done"]:
        seen.append(result["status"])
        assert "details" in result and result["details"]["componentSuccesses"] == []
    seen.append(result["status"])
    assert seen[0] == "Pending" and seen[-1] == "Succeeded" and set(seen) <= {"Pending", "InProgress", "Succeeded"}


class _FixedLatency:
    """Every API call takes one second: a job of three calls is Pending for 1 s, then InProgress for 2 s."""

    def __init__(self):
        self.floor = Floor()

    def api_delay(self) -> float:
        return 1.0


def test_a_job_is_pending_then_in_progress_then_runs_once_when_due_in_start_order(sim_factory):
    handle = sim_factory()
    handle.org.latency = _FixedLatency()
    jobs = Jobs(handle.org)
    caller = ApiCaller(handle.admin, "session")
    ran: list[str] = []
    first = jobs.start("deploy", "0Af", caller, lambda: ran.append("first") or {"status": "Succeeded"})
    second = jobs.start("deploy", "0Af", caller, lambda: ran.append("second") or {"status": "Failed"})
    assert first.status(first.created_at + 0.5) == "Pending"
    assert first.status(first.created_at + 1.5) == "InProgress"
    assert first.due_at == pytest.approx(first.created_at + 3.0)
    assert second.started_at >= first.due_at  # deploys queue: one at a time
    assert jobs.get(first.id, "deploy").result is None and ran == []  # not due yet: nothing ran
    second.due_at = first.due_at = time.time() - 1  # both due now: they run in the order they were started
    assert jobs.get(second.id, "deploy").result == {"status": "Failed"} and ran == ["first", "second"]
    assert jobs.get(first.id, "deploy").status(time.time()) == "Succeeded" and ran == ["first", "second"]
    assert jobs.get(first.id, "retrieve") is None
    report = handle.org.latency.floor.report()["by_kind"]["api"]
    assert report["count"] == 2  # each job's run time is a wait on the floor


def test_a_deploy_changes_the_app_as_a_page_save_does(sim_factory, tmp_path):
    handle = sim_factory()
    deploy(handle, app_files())
    app = eca_apps(handle)["Acme_CI"]
    before, key, secret = app.changed_at, app.consumer_key, app.consumer_secret
    _, cert = generate_key_and_cert(tmp_path, "ci")
    pem = cert.read_text().strip()
    extra = f"<certificate>{pem}</certificate><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>"
    result = deploy(handle, app_files(global_extra=extra))
    assert result["status"] == "Succeeded"
    assert app.jwt_enabled and app.certificate_pem.strip() == pem and app.client_credentials_enabled
    assert app.changed_at > before  # propagation starts again, as after a save on the pages
    assert (app.consumer_key, app.consumer_secret) == (key, secret)  # never regenerated


BAD_GLOBAL = "ExtlClntAppGlobalOauthSettings"


@pytest.mark.parametrize("files, component_type, full_name, problem", [
    pytest.param(app_files(global_extra="<isJwtFlowOn>true</isJwtFlowOn>"), BAD_GLOBAL, "Acme_CI_glbloauth",
                 "Error parsing file: Element {http://soap.sforce.com/2006/04/metadata}isJwtFlowOn invalid at this "
                 "location in type ExtlClntAppGlobalOauthSettings", id="unknown element"),
    pytest.param(app_files(policies="<permittedUsersPolicyType>Everyone</permittedUsersPolicyType>"),
                 "ExtlClntAppOauthConfigurablePolicies", "Acme_CI_oauthPlcy",
                 "'Everyone' is not a valid value for the enum 'PermittedUsersPolicyType'", id="bad enum value"),
    pytest.param(app_files(global_extra="<isPkceRequired>yes</isPkceRequired>"), BAD_GLOBAL, "Acme_CI_glbloauth",
                 "Error parsing file: 'yes' is not a valid value for the type xsd:boolean", id="bad boolean"),
    pytest.param(app_files(global_extra="<certificate></certificate>"), BAD_GLOBAL, "Acme_CI_glbloauth",
                 "certificate: The JWT bearer flow needs a certificate.", id="JWT on without a certificate"),
    pytest.param(app_files(global_extra="<certificate>not a certificate</certificate>"), BAD_GLOBAL,
                 "Acme_CI_glbloauth", "certificate: The certificate isn't valid. Provide an X.509 certificate in PEM "
                 "format.", id="not a certificate"),
    pytest.param(app_files(callback="localhost:1717 /callback"), BAD_GLOBAL, "Acme_CI_glbloauth",
                 "callbackUrl: Enter a valid URL.", id="bad callback URL"),
    pytest.param(app_files(policies="<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>"
                                    "<clientCredentialsFlowUser>admin@acme.example</clientCredentialsFlowUser>"),
                 "ExtlClntAppOauthConfigurablePolicies", "Acme_CI_oauthPlcy",
                 "clientCredentialsFlowUser: Enter a valid execution user for the OAuth client credentials flow.",
                 id="Run As not API only"),
    pytest.param(app_files(header="<contactEmail>admin@acme.example</contactEmail>"), "ExternalClientApplication",
                 "Acme_CI", "Required field is missing: label", id="required element missing"),
])
def test_each_invalid_file_fails_the_whole_deploy_in_salesforce_shape(sim_factory, files, component_type, full_name,
                                                                       problem):
    handle = sim_factory()
    result = deploy(handle, files)
    assert result["status"] == "Failed" and result["done"] and result["success"] is False
    assert result["numberComponentErrors"] == len(result["details"]["componentFailures"]) >= 1
    failure = next(f for f in result["details"]["componentFailures"] if f["fullName"] == full_name)
    assert failure["problem"] == problem
    assert failure["componentType"] == component_type and failure["problemType"] == "Error"
    assert failure["success"] is False and failure["fileName"].endswith(full_name + failure["fileName"][
        failure["fileName"].rindex("."):])
    assert result["details"]["componentSuccesses"] == []
    assert "Acme_CI" not in eca_apps(handle)  # all or nothing: the valid header was not created either


def test_a_settings_file_for_an_app_that_does_not_exist_fails(sim_factory):
    handle = sim_factory()
    files = app_files("Ghost")
    del files["externalClientApps/Ghost.eca"]
    files["package.xml"] = package({"ExtlClntAppOauthSettings": ["Ghost_oauth"],
                                    "ExtlClntAppGlobalOauthSettings": ["Ghost_glbloauth"]})
    result = deploy(handle, files)
    assert result["status"] == "Failed"
    assert {(f["fullName"], f["problem"]) for f in result["details"]["componentFailures"]} == {
        ("Ghost_oauth", "Entity of type 'ExternalClientApplication' named 'Ghost' cannot be found"),
        ("Ghost_glbloauth", "Entity of type 'ExternalClientApplication' named 'Ghost' cannot be found")}


def test_a_failing_deploy_leaves_an_existing_app_as_it_was(sim_factory):
    handle = sim_factory()
    deploy(handle, app_files())
    app = eca_apps(handle)["Acme_CI"]
    changed_at = app.changed_at
    files = app_files(callback="https://changed.example/cb",
                      policies="<refreshTokenPolicyType>Sometimes</refreshTokenPolicyType>")
    assert deploy(handle, files)["status"] == "Failed"
    assert app.callback_urls == ["http://localhost:1717/OauthRedirect"] and app.changed_at == changed_at


def test_check_only_validates_and_changes_nothing(sim_factory):
    handle = sim_factory()
    result = deploy(handle, app_files(), {"checkOnly": True, "singlePackage": True})
    assert result["status"] == "Succeeded" and result["checkOnly"] is True
    assert "Acme_CI" not in eca_apps(handle)


def test_a_named_member_missing_from_the_zip_fails(sim_factory):
    handle = sim_factory()
    files = app_files()
    files["package.xml"] = package({"ExternalClientApplication": ["Acme_CI", "Other"]})
    result = deploy(handle, files)
    assert result["status"] == "Failed"
    assert result["details"]["componentFailures"][0]["problem"] == (
        "An object 'Other' of type ExternalClientApplication was named in package.xml, but was not found in zipped "
        "directory")


# --- retrieve -------------------------------------------------------------------------------------------------------

def test_a_page_made_app_retrieves_with_its_id_and_without_its_secret(sim_factory):
    handle = sim_factory()
    made = aura_action(handle, "eca.create", {"fields": {
        "name": "Page Made", "api_name": "Page_Made", "contact_email": "admin@acme.example",
        "distribution_state": "Local", "oauth_enabled": True, "callback_urls": "https://app.example/cb",
        "scopes": ["api", "refresh_token offline_access"]}})
    app = handle.org.apps[made["id"]]
    result = retrieve(handle, {"ExternalClientApplication": ["Page_Made"],
                               "ExtlClntAppOauthSettings": ["Page_Made_oauth"],
                               "ExtlClntAppGlobalOauthSettings": ["Page_Made_glbloauth"],
                               "ExtlClntAppOauthConfigurablePolicies": ["Page_Made_oauthPlcy"]})
    assert result.findtext(MD + "status") == "Succeeded" and result.findall(MD + "messages") == []
    properties = {p.findtext(MD + "type"): p for p in result.findall(MD + "fileProperties")}
    assert properties["ExternalClientApplication"].findtext(MD + "id") == app.id
    header = properties["ExternalClientApplication"]
    assert header.findtext(MD + "fileName") == "unpackaged/externalClientApps/Page_Made.eca"
    files = zip_files(result)
    assert "unpackaged/package.xml" in files
    assert element(files["unpackaged/externalClientApps/Page_Made.eca"], "label") == "Page Made"
    glbl = files["unpackaged/extlClntAppGlobalOauthSets/Page_Made_glbloauth.ecaGlblOauth"]
    assert element(glbl, "callbackUrl") == "https://app.example/cb"
    assert element(glbl, "consumerKey") == app.consumer_key
    assert element(glbl, "consumerSecret") is None and app.consumer_secret.encode() not in glbl
    oauth = files["unpackaged/extlClntAppOauthSettings/Page_Made_oauth.ecaOauth"]
    assert element(oauth, "commaSeparatedOauthScopes") == "Api,RefreshToken,OfflineAccess"
    policies = files["unpackaged/extlClntAppOauthPolicies/Page_Made_oauthPlcy.ecaOauthPlcy"]
    assert element(policies, "permittedUsersPolicyType") == "AllSelfAuthorized"


def test_a_retrieved_app_deploys_back_unchanged(sim_factory):
    handle = sim_factory()
    deploy(handle, app_files(policies="<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"
                                      "<commaSeparatedProfile>System Administrator</commaSeparatedProfile>"))
    members = {"ExternalClientApplication": ["Acme_CI"], "ExtlClntAppOauthSettings": ["Acme_CI_oauth"],
               "ExtlClntAppGlobalOauthSettings": ["Acme_CI_glbloauth"],
               "ExtlClntAppOauthConfigurablePolicies": ["Acme_CI_oauthPlcy"]}
    files = {name.removeprefix("unpackaged/"): data for name, data in zip_files(retrieve(handle, members)).items()}
    app = eca_apps(handle)["Acme_CI"]
    before = (list(app.scopes), list(app.callback_urls), app.policies)
    assert deploy(handle, files)["status"] == "Succeeded"
    assert (app.scopes, app.callback_urls, app.policies) == before
    assert app.policies.permitted_users == "AdminApprovedPreAuthorized"
    assert app.policies.profiles == ["System Administrator"]


def test_a_missing_member_is_a_message_not_a_failure(sim_factory):
    handle = sim_factory()
    result = retrieve(handle, {"ExternalClientApplication": ["Nope"]})
    assert result.findtext(MD + "status") == "Succeeded"
    message = result.find(MD + "messages")
    assert message.findtext(MD + "problem") == "Entity of type 'ExternalClientApplication' named 'Nope' cannot be found"
    assert message.findtext(MD + "fileName") == "unpackaged/package.xml"


# --- who may call ---------------------------------------------------------------------------------------------------

def test_a_bad_session_gets_salesforce_answers(sim_factory):
    handle = sim_factory()
    status, fault = soap(handle, "00Dxx!not-a-session", "retrieve", "<met:retrieveRequest/>")
    assert status == 500
    assert fault.findtext(f"{SOAP}Body/{SOAP}Fault/faultcode") == "sf:INVALID_SESSION_ID"
    status, answer = start_deploy(handle, "00Dxx!not-a-session", app_files())
    assert status == 401 and answer[0]["errorCode"] == "INVALID_SESSION_ID"
    assert "Acme_CI" not in eca_apps(handle)


def test_a_user_without_modify_metadata_is_refused(sim_factory):
    handle = sim_factory()
    handle.admin.modify_metadata = False
    session = sid(handle)
    status, answer = start_deploy(handle, session, app_files())
    assert status == 403 and answer[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert "ModifyMetadata" in answer[0]["message"]
    status, fault = soap(handle, session, "listMetadata", "<met:queries><met:type>Profile</met:type></met:queries>")
    assert status == 500
    assert fault.findtext(f"{SOAP}Body/{SOAP}Fault/faultcode") == "sf:INSUFFICIENT_ACCESS"
    assert "ModifyAllData or ModifyMetadata" in fault.findtext(f"{SOAP}Body/{SOAP}Fault/faultstring")
