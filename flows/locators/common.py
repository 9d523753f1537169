"""What every Lightning / classic Setup page shares: spinners, error elements, the maintenance page."""

from . import css

#: present while Lightning loads or saves
SPINNERS = "lightning-spinner, .slds-spinner_container, [aria-busy=\"true\"]"

#: where Salesforce puts an error: classic pages, Lightning field errors, alerts and toasts (success ones excluded)
ERRORS = css(
    "#error, #errorDesc, #validationError, .errorMsg, .pbError, .slds-has-error, "
    "[role=alert]:not(.slds-theme_success), .slds-notify_toast:not(.slds-theme_success), lightning-toast:not(.slds-theme_success)"
)
#: a field in error (SLDS), its label and its message
FIELD_ERROR = css(".slds-has-error")
FIELD_ERROR_LABEL = css(".slds-form-element__label, legend")
FIELD_ERROR_HELP = css(".slds-form-element__help")

MAINTENANCE_PATH = "/msg/maintenanceandavailable.jsp"
#: texts of the pages Salesforce serves when it cannot answer
UNAVAILABLE_TEXTS = ("An internal server error has occurred", "Service Unavailable", "Down for Maintenance",
                     "is down for maintenance", "temporarily unavailable",
                     # the internal error page's body, which is what an error element shows when a frame or an
                     # action got that page: the same transient failure as its title
                     "An error has occurred while processing your request")

#: words in an error that point at the callback URL
CALLBACK_ERROR_WORDS = ("callback",)

#: the modal dialog (confirmations) and its confirming button [none: labels vary]
DIALOG = css("[role=dialog], [role=alertdialog], lightning-modal")
