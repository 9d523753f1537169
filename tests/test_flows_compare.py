"""How the flows compare a Setup page with the spec (no browser): the words a user reads in `changes`."""

from __future__ import annotations

import pytest

from provisioner.errors import OrgSettingConflictError, SetupPageError, UnknownProfileError
from provisioner.flows import app_settings
from provisioner.flows.app_settings import AppSettings, same_certificate, scope_of
from provisioner.flows.eca_form import LABELS
from provisioner.flows.eca_policies import REFRESH_TOKEN_WORDINGS, refresh_token_offered
from provisioner.flows.locators import eca_policies as P
from provisioner.flows.policy_settings import (PolicySettings, PolicyState, desired_policies, key_of_wordings,
                                               match_names, offered_label, policy_changes, timeout_label,
                                               timeout_minutes)
from provisioner.spec import load_spec


def differences(current: AppSettings, desired: AppSettings):
    """The External Client App form's comparison (the classic form's differs only in its labels)."""
    return app_settings.differences(current, desired, LABELS)


def settings(**overrides) -> AppSettings:
    base = dict(name="CI JWT", contact_email="a@b.example", description="d", oauth_enabled=True,
                callback_urls=("http://localhost:1717/OauthRedirect",), scopes=frozenset({"api", "web"}),
                client_credentials=False, auth_code_credentials=False, jwt_bearer=True,
                certificate="CN=ci (expires 01/31/2030)")
    base.update(overrides)
    return AppSettings(**base)


def test_scope_values_come_from_the_labels():
    assert scope_of("Perform requests at any time (refresh_token, offline_access)") == "refresh_token offline_access"
    assert scope_of("Manage user data via APIs (api)") == "api"


def test_only_real_differences_are_reported_in_words():
    desired = settings()
    assert differences(settings(), desired) == []
    changes = [str(c) for c in differences(settings(scopes=frozenset({"api", "full"}),
                                                    callback_urls=("https://x.example/cb",)), desired)]
    assert changes == ["Callback URL: https://x.example/cb -> http://localhost:1717/OauthRedirect",
                       "OAuth Scopes: add web; remove full"]


def test_certificate_compares_subject_and_expiry_date_whatever_the_format():
    assert same_certificate("CN=ci (expires 2030-01-31)", "CN=ci (expires 01/31/2030)")
    assert not same_certificate("CN=old (expires 01/31/2030)", "CN=ci (expires 01/31/2030)")
    assert differences(settings(certificate=None), settings()) == []  # the page did not say: not a difference
    assert [c.field for c in differences(settings(certificate=""), settings())] == ["certificate"]


def test_session_timeout_labels_round_trip():
    for minutes in (0, 15, 30, 60, 120, 1440):
        assert timeout_minutes(timeout_label(minutes)) == minutes


def test_session_timeout_reads_an_external_client_apps_number_of_minutes():
    assert timeout_minutes("45") == 45 and timeout_minutes(" 15 ") == 15 and timeout_minutes("") == 0


def test_each_release_wording_reads_as_the_same_choice():
    relax = "relax_with_second_factor"
    assert key_of_wordings(P.IP_RELAXATION_WORDINGS, "Relax IP restrictions for activated devices") == relax
    assert key_of_wordings(P.IP_RELAXATION_WORDINGS, "Relax IP restrictions with second factor") == relax
    assert key_of_wordings(P.IP_RELAXATION_WORDINGS, "Relax IP restrictions") == "relax"
    # External Client Apps say "... specific time"; the classic Connected App page "... after"
    assert key_of_wordings(REFRESH_TOKEN_WORDINGS, "Expire refresh token after specific time") == "expire_after"
    assert key_of_wordings(REFRESH_TOKEN_WORDINGS, "Expire refresh token after") == "expire_after"
    assert key_of_wordings(REFRESH_TOKEN_WORDINGS, "Expire refresh token if not used for specific time") == \
        "expire_if_unused"
    # the wording a page offers is the one clicked
    offered = ["Enforce IP restrictions", "Relax IP restrictions with second factor", "Relax IP restrictions"]
    assert offered_label(P.IP_RELAXATION_WORDINGS[relax], offered) == "Relax IP restrictions with second factor"
    assert offered_label(P.IP_RELAXATION_WORDINGS["enforce"], ["Relax IP restrictions"]) is None


IDLE_LIMITED = ("Immediately expire refresh token", "Expire refresh token after specific time",
                "Expire refresh token if not used for specific time")


def test_valid_until_revoked_under_the_idle_token_limit_is_one_line_naming_the_org_setting():
    def policies(**refresh):
        return load_spec(overrides={f"policies.refresh_token.{k}": v for k, v in refresh.items()},
                         default_contact_email="a@b.example").policies

    refresh_token_offered(policies(), IDLE_LIMITED)  # the default spec (expire_after 90 days) is offered
    refresh_token_offered(policies(policy="valid_until_revoked"), IDLE_LIMITED + ("Refresh token is valid until revoked",))
    with pytest.raises(OrgSettingConflictError) as caught:
        refresh_token_offered(policies(policy="valid_until_revoked"), IDLE_LIMITED)
    message = str(caught.value)
    assert "\n" not in message and "Limit Idle Refresh Token Time-to-Live (TTL) to 30 Days" in message
    assert "expire_if_unused" in message and caught.value.exit_code == 35
    with pytest.raises(SetupPageError, match="offers no refresh token policy"):
        refresh_token_offered(policies(policy="expire_immediately"), ("Refresh token is valid until revoked",))


def test_run_as_differs_only_when_the_user_does():
    spec = load_spec(overrides={"client_credentials": True, "run_as": "API@acme.example", "jwt_bearer": False},
                     default_contact_email="a@b.example")
    desired = desired_policies(spec.policies)
    page = PolicySettings(permitted_users="admin_approved", profiles=frozenset({"System Administrator"}),
                          permission_sets=frozenset(), refresh_token="expire_after 90 days", ip_relaxation="enforce",
                          session_timeout_minutes=15, run_as="api@acme.example")
    state = PolicyState(page, ("System Administrator",), ())
    assert policy_changes(state, desired) == []  # usernames are not case-sensitive
    off = PolicyState(PolicySettings(**{**page.__dict__, "run_as": ""}), ("System Administrator",), ())
    assert [str(c) for c in policy_changes(off, desired)] == [
        "Client Credentials Flow Run As: (none) -> API@acme.example"]


def test_profiles_match_by_label_or_api_name_and_unknown_ones_are_named():
    offered = ["System Administrator", "Salesforce CLI Access"]
    assert match_names(frozenset({"Salesforce_CLI_Access"}), offered, "permission set") == {"Salesforce CLI Access"}
    with pytest.raises(UnknownProfileError, match="Chief Button Pusher"):
        match_names(frozenset({"System Administrator", "Chief Button Pusher"}), offered, "profile")
