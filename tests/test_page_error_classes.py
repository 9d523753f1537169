"""What a page's error text means for the run: Salesforce's internal error page (title or body) and the
maintenance page are transient (the job tries again); anything else on a Setup page is the page's own error."""

from __future__ import annotations

from provisioner.errors import InvalidCallbackUrlError, OrgUnavailableError, SetupPageError
from provisioner.flows.waits import classify
from provisioner.job.runner import is_transient
from provisioner.sim import messages


def test_the_internal_error_page_s_body_is_transient_like_its_title():
    for text in (messages.SERVER_ERROR, messages.SERVER_ERROR_TITLE):
        error = classify(text, where="Consumer Key and Secret")
        assert isinstance(error, OrgUnavailableError) and is_transient(error), text
        assert str(error).startswith("Consumer Key and Secret: the org is unavailable")


def test_a_page_s_own_error_is_not_retried():
    error = classify("Name: A External Client App with this name already exists", where="New app")
    assert type(error) is SetupPageError and not is_transient(error)
    assert isinstance(classify("Callback URL: invalid callback"), InvalidCallbackUrlError)
