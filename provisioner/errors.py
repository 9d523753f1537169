"""Errors a user can act on. Each kind has its own exit code; the CLI prints one line and exits with it."""

from __future__ import annotations


class ProvisionerError(Exception):
    """An expected failure: printed as one line (no traceback), exits with `exit_code`."""

    exit_code = 1
    #: permanent failures are not retried by the nightly job; transient ones are.
    transient = False

    def __init__(self, message: str, *, artifacts: list[str] | None = None):
        super().__init__(message)
        self.artifacts = artifacts or []


class ConfigError(ProvisionerError):
    exit_code = 2  # also click's usage-error code: "you asked for something invalid"


class SpecFileError(ConfigError):
    exit_code = 3


class UnknownSpecKeyError(ConfigError):
    exit_code = 4


class InvalidCallbackUrlError(ConfigError):
    exit_code = 5


class CertificateError(ProvisionerError):
    exit_code = 6


class LoginError(ProvisionerError):
    exit_code = 10


class TotpRejectedError(LoginError):
    exit_code = 11


class AccountLockedError(LoginError):
    exit_code = 12


class UnknownChallengeError(LoginError):
    exit_code = 13


class VerificationLockedError(ProvisionerError):
    """"The allowed number of attempts has been exceeded": Salesforce locked the user's identity verification for
    about an hour. Never retried (transient=False): another attempt would only extend the lock."""

    exit_code = 14
    transient = False


class ImapLoginError(ProvisionerError):
    exit_code = 20


class NoVerificationEmailError(ProvisionerError):
    exit_code = 21
    transient = True


class MailConnectionError(ProvisionerError):
    exit_code = 22
    transient = True


class ImapTokenRefusedError(ImapLoginError):
    """The IMAP server refused the OAuth2 access token (scope, the app not granted the mailbox, revoked)."""

    exit_code = 23


class ImapMechanismError(ImapLoginError):
    """The IMAP server does not offer the OAuth2 log-in (SASL XOAUTH2 / OAUTHBEARER) the settings ask for."""

    exit_code = 24


class ImapOAuth2RequiredError(ImapLoginError):
    """The IMAP server takes only OAuth2 tokens and the settings give a password: nothing was sent."""

    exit_code = 25


class OAuth2TokenError(ProvisionerError):
    """No IMAP access token: the token endpoint refused the app's credentials or the refresh token, or the token
    command failed. Permanent: a setting (or a new consent) must change."""

    exit_code = 26


class UnknownProfileError(ProvisionerError):
    exit_code = 30


class AppNameTakenError(ProvisionerError):
    exit_code = 31


class SetupPageError(ProvisionerError):
    """Salesforce rejected what we entered on a Setup page (a field error or toast)."""

    exit_code = 32


class ConnectedAppsDisabledError(SetupPageError):
    """The org does not allow new Connected Apps (off by default since Spring '26): an org setting, not a retry."""

    exit_code = 33


class OrgSettingConflictError(SetupPageError):
    """The spec asks for a choice an org setting takes away (e.g. "valid until revoked" refresh tokens under the
    idle refresh-token limit): change the spec or the org setting, not a retry."""

    exit_code = 35


class MetadataDeployError(SetupPageError):
    """The Metadata API refused a deploy (its componentFailures, named): the spec or the org, not a retry."""

    exit_code = 36


class ApiUnavailableError(ProvisionerError):
    """`--via api` on an org or user the API path cannot use (no "API Enabled", no metadata permission, a session
    the API refuses): the reason and what would allow it are in the message."""

    exit_code = 37


class CredentialsApiDisabledError(ProvisionerError):
    """The consumer secret cannot be read or rotated over REST: the org setting "Allow access to External Client App
    consumer secrets via REST API" is off, or the user lacks the permission to view it (named in the message)."""

    exit_code = 38


class LocatorNotFoundError(ProvisionerError):
    """A page no longer shows what a locator looks for (a relabelled release), or shows several: `provisioner probe`
    names the page and the locator and proposes an override (--locators FILE)."""

    exit_code = 34
    #: a wait that ran out can also be a page slower than the timeout: the nightly job tries again before naming it
    transient = True


class OrgUnavailableError(ProvisionerError):
    """Maintenance page, internal server error page, timeouts: worth a retry."""

    exit_code = 40
    transient = True


class VerifyError(ProvisionerError):
    """The JWT bearer token exchange failed."""

    exit_code = 50


class BrowserUnavailableError(ProvisionerError):
    exit_code = 60


class RecordingLeakError(ProvisionerError):
    exit_code = 70


class RotationError(ProvisionerError):
    """`rotate` stopped before the rotation was complete; the credentials file still holds working credentials and
    running `rotate` again finishes it."""

    exit_code = 90


class RunFailedError(ProvisionerError):
    """The nightly job finished and at least one org failed."""

    exit_code = 80


class LockedError(ProvisionerError):
    exit_code = 81
