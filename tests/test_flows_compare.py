"""How the flows compare a Setup page with the spec (no browser): the words a user reads in `changes`."""

from __future__ import annotations

import pytest

from provisioner.errors import UnknownProfileError
from provisioner.flows import app_settings
from provisioner.flows.app_settings import AppSettings, same_certificate, scope_of
from provisioner.flows.eca_form import LABELS
from provisioner.flows.policy_settings import match_names, timeout_label, timeout_minutes


def differences(current: AppSettings, desired: AppSettings):
    """The External Client App form's comparison (the classic form's differs only in its labels)."""
    return app_settings.differences(current, desired, LABELS)


def settings(**overrides) -> AppSettings:
    base = dict(name="CI JWT", contact_email="a@b.example", description="d", oauth_enabled=True,
                callback_urls=("http://localhost:1717/OauthRedirect",), scopes=frozenset({"api", "web"}),
                client_credentials=False, run_as="", auth_code_credentials=False, jwt_bearer=True,
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


def test_profiles_match_by_label_or_api_name_and_unknown_ones_are_named():
    offered = ["System Administrator", "Salesforce CLI Access"]
    assert match_names(frozenset({"Salesforce_CLI_Access"}), offered, "permission set") == {"Salesforce CLI Access"}
    with pytest.raises(UnknownProfileError, match="Chief Button Pusher"):
        match_names(frozenset({"System Administrator", "Chief Button Pusher"}), offered, "profile")
