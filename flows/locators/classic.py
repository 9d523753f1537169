"""Classic Setup pages (Visualforce / JSP) and the Lightning frame around them.
[code: EVIDENCE.md "Classic Connected App pages"]"""

from . import css

#: Lightning shows a classic page in this iframe; the same page may also be served on its own URL
FRAME = "force-aloha-page iframe[name^=vfFrameId], iframe[name^=vfFrameId]"
FRAME_NAME_PREFIX = "vfFrameId"
#: something every classic page has (and no Lightning page)
CLASSIC_PAGE = css("#bodyCell, .bPageTitle")
#: a field's error sits in its row, under the control; the row's label names the field
FIELD_ERROR = css(".errorMsg")
#: page-level errors: the edit page's summary, error pages (#error / #errorTitle / #errorDesc), validation
PAGE_ERROR = css("#errorDiv_ep, .pbError, #error, #errorDesc, #validationError")
ANY_ERROR = css(".errorMsg, #errorDiv_ep, .pbError, #error, #errorDesc, #validationError")
