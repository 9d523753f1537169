"""Every text the simulated org shows or answers with, in Salesforce's words, in one place.

Pages, validation and the APIs take their wording from here, so a text is written once and tests can name it.
Tags as in EVIDENCE.md: [doc] Salesforce documentation, [code] seen in public automation code, [none] not found in
public sources (modelled). Untagged texts: see EVIDENCE.md, section of the page that shows them.
"""

from __future__ import annotations

# --- login -----------------------------------------------------------------------------------------------------
WRONG_CREDENTIALS = ("Error: Please check your username and password. If you still can't log in, "
                     "contact your Salesforce administrator.")
LOCKED_OUT = "Your account is locked. Contact your Salesforce administrator or try again later."  # [none]
ENTER_USERNAME = "Enter your username."  # [none]: the two-step login's first page submitted empty
LOG_IN = "Log In"
LOG_IN_TO_SANDBOX = "Log In to Sandbox"
CONTINUE = "Continue"  # [none]: the two-step login's first button (its id is #Login)

# --- identity verification (login, consumer details) ---------------------------------------------------------------
WRONG_CODE = "The verification code you entered isn't valid. Check the code and try again."  # [none]
EXPIRED_CODE = "Your verification code has expired. Click Resend Code to get a new one."  # [none]
TIMED_OUT = "Your verification attempt has timed out. Try again."  # [doc, unconfirmed]
TOO_MANY_ATTEMPTS = "You've exceeded the maximum number of verification attempts. Log in again."  # [none]
INVALID_PHONE = "Enter a valid mobile phone number."  # [none]
PHONE_SKIP = "I Don't Want to Register My Phone"  # [code]
CANNOT_SEND_CODE = "We can't send you a verification code right now. Try again later."  # [none]
#: a wrong, expired or already used code (help article 000395187) [doc]
INVALID_OR_EXPIRED_CODE = "Error: Invalid or expired verification code. Try again."
#: too many wrong codes: the user is locked out of verification for about an hour (000395187, 000395009) [doc]
ATTEMPTS_EXCEEDED = "Error: The allowed number of attempts has been exceeded."
#: the prompts of the consumer details verification, one per method [none: the page's wording is not public]
VERIFY_LEAD = "To view the consumer details for {app}, verify your identity."
TOTP_PROMPT = "Enter the verification code from your authenticator app."
EMAIL_PROMPT = "Enter the verification code we emailed to {email}."
SMS_PROMPT = "Enter the verification code we sent to {phone}."

# --- error pages ---------------------------------------------------------------------------------------------------
INVALID_PAGE = "The page you submitted was invalid for your session. Please refresh your page and try again."
INVALID_PAGE_TITLE = "Invalid Page"
MAINTENANCE_TITLE = "Salesforce is down for maintenance"  # [none] beyond the URL: modelled on maintenance notices
MAINTENANCE = ("This Salesforce org is temporarily unavailable while we perform scheduled maintenance. "
               "Please try again later.")  # [none]
SERVER_ERROR_TITLE = "An internal server error has occurred"
SERVER_ERROR = ("An error has occurred while processing your request. The salesforce.com support team has been "
                "notified of the problem. If you believe you have additional information that may be of help in "
                "reproducing or correcting the error, please contact Salesforce Support.")
NOT_FOUND_TITLE = "Data Not Available"
NOT_FOUND = ("The data you were trying to access could not be found. It may be due to another user deleting the "
             "data or a system error.")
NO_PRIVILEGES_TITLE = "Insufficient Privileges"
NO_RECORDS = "No records to display."
NO_RECORDS_RELATED = "No records to display"  # the related lists on the Manage page, without the full stop

# --- Lightning Setup (External Client Apps) ------------------------------------------------------------------------
SESSION_ENDED = "Your session has ended. Log in again to continue."
REVIEW_ERRORS = "Review the errors on this page."
NO_SUCH_ECA = "This External Client App doesn't exist or you don't have access to it."
ECA_OAUTH_OFF = "OAuth isn't enabled for this External Client App."  # [none]

# --- form validation (both Setup styles; classic words some differently, below) ----------------------------------------
REQUIRED = "Complete this field."
BAD_URL = "Enter a valid URL."
BAD_VALUE = "Select a valid value."
BAD_EMAIL = "Enter a valid email address."
BAD_API_NAME = ("The API name can only contain underscores and alphanumeric characters. It must be unique, begin "
                "with a letter, not include spaces, not end with an underscore, and not contain two consecutive "
                "underscores.")
API_NAME_TAKEN = "The API name already exists."
TOO_LONG = "Data value too large: max length = {max}"
NO_SCOPE = "Select at least one OAuth scope."
BAD_CERTIFICATE = "The certificate isn't valid. Upload an X.509 certificate in PEM format (.crt or .pem)."
NO_CERTIFICATE = "Upload a certificate to use the JWT bearer flow."
NO_SUCH_PROFILE = "Profile not found: {names}"
NO_SUCH_PERMISSION_SET = "Permission set not found: {names}"
NOT_A_POSITIVE_NUMBER = "Enter a whole number greater than 0."
# --- External Client App Edit Policies (EVIDENCE.md "External Client App policies") ---------------------------------
#: a Run As user that does not exist, is inactive or lacks API Only [code: seen for a wrong username]
INVALID_EXECUTION_USER = "Enter a valid execution user for the OAuth client credentials flow."
#: "Expire refresh token if not used for" longer than the org's idle limit [doc: a save error; none: its words]
IDLE_PERIOD_TOO_LONG = "With the idle refresh token limit on, enter a period of 30 days or less."
#: session timeout outside the range the page accepts [none: the range and the words]
TIMEOUT_OUT_OF_RANGE = "Enter a whole number of minutes from 1 to {max}."
#: turning on the Policies page's client credentials flow asks for confirmation [doc]; its words [none]
CLIENT_CREDENTIALS_CONFIRM = ("With the client credentials flow, the app gets access tokens for the Run As user "
                              "without anyone logging in. Do you want to enable it?")

# --- classic Connected App pages -----------------------------------------------------------------------------------
INVALID_DATA = "Error: Invalid Data. Review all error messages below to correct your data."
CREATION_OFF = ("You can't create connected apps in this org. To create one, turn on \"Allow creation of connected "
                "apps\" in External Client App Settings, or contact Salesforce Support.")  # [none]
CHANGES_TAKE_TIME = ("Allow from 2-10 minutes for your changes to take effect on the server before using the "
                     "connected app.")
PERMITTED_USERS_CONFIRM = ("Enabling this option will block all users who are not pre-authorized from using this "
                           "app. Are you sure?")  # [none]: the confirm() text
#: the classic pages' wording of a validation message, where it differs from Lightning's
CLASSIC_WORDING = {REQUIRED: "You must enter a value", BAD_URL: "Invalid URL",
                   NO_SCOPE: "You must select at least one OAuth scope"}

# --- OAuth token endpoint and identity (EVIDENCE.md "OAuth and REST") ------------------------------------------
NOT_APPROVED = "user hasn't approved this consumer"
INVALID_ASSERTION = "invalid assertion"
UNKNOWN_CLIENT = "client identifier invalid"
BAD_AUDIENCE = "audience is invalid"
EXPIRED_ASSERTION = "expired authorization code"
BAD_CLIENT_CREDENTIALS = "invalid client credentials"
NO_RUN_AS_USER = "no client credentials user enabled"
UNSUPPORTED_GRANT = "grant type not supported"
SESSION_INVALID = "Session expired or invalid"
BAD_ID = "Bad_Id"  # [none]: modelled on the classic identity service's plain answer
NOT_ADMIN_APPROVED = "user is not admin approved to access this app"  # error invalid_app_access
APP_NOT_INSTALLED = "External client app is not installed in this org"  # error app_not_found

# --- REST API ------------------------------------------------------------------------------------------------------
RESOURCE_NOT_FOUND = "The requested resource does not exist"
NOT_FOR_REST = "This session is not valid for use with the REST API"
API_DISABLED_FOR_USER = "API is disabled for this User"
NO_QUERY = "A query string has to be specified"
UNEXPECTED_TOKEN = "unexpected token: '{text}'"
NO_SUCH_RECORD = "Provided external ID field does not exist or is not accessible: {id}"
INVALID_TYPE = ("\n{soql}\n{pointer}^\nERROR at Row:1:Column:{column}\nsObject type '{sobject}' is not supported. If "
                "you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.")
INVALID_FIELD = ("\n{soql}\n{pointer}^\nERROR at Row:1:Column:{column}\nNo such column '{field}' on entity. If you "
                 "are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
                 "Please reference your WSDL or the describe call for the appropriate names.")

# --- toasts and notices of the Lightning pages' scripts (static/*.js get them as window.$SIM.messages) ---------------
#: {name} marks a value the script fills in
LIGHTNING = {
    "offline": "We can't reach Salesforce right now. Check your connection and try again.",  # [none]
    "sessionEnded": SESSION_ENDED,
    "serverError": "An internal server error has occurred.",
    "reviewErrors": REVIEW_ERRORS,
    "ecaCreated": 'External Client App "{name}" was created.',  # [none]
    "changesSaved": 'Your changes to "{name}" were saved.',  # [none]
    "codeResent": "We sent a new verification code to {email}.",  # [none]
    "verifyLead": VERIFY_LEAD,
    "totpPrompt": TOTP_PROMPT,
    "emailPrompt": EMAIL_PROMPT,
    "smsPrompt": SMS_PROMPT,
    "copied": "{label} copied.",  # [none]
    "copyFailed": "Couldn't copy to the clipboard.",  # [none]
    "noAppBuilder": "Lightning App Builder isn't part of the simulated org.",  # the sim's own notice
    "clientCredentialsConfirm": CLIENT_CREDENTIALS_CONFIRM,
}

# --- Dev Hub (sim/scratch.py) --------------------------------------------------------------------------------------
#: a ScratchOrgInfo create whose body is not a JSON object [none: modelled on the REST API's parser errors]
SCRATCH_BAD_BODY = "The request body must be a JSON object of ScratchOrgInfo fields."
