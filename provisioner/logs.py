"""Log levels for `-v` / `-q`, with the run's secrets masked at every level.

    -q      errors only                  (ERROR)
    (none)  warnings                     (WARNING)
    -v      what each part is doing      (INFO)
    -vv     protocol detail (IMAP ...)   (DEBUG)

Every record of the `provisioner` loggers (the flows too: they load as provisioner.flows) goes through one handler
whose filter masks the message, its arguments and any traceback with the run's SecretSet, which the run keeps
filling as it learns secrets: a secret known only after the handler was set up is masked all the same.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from .redact import SecretSet

LOGGER = "provisioner"


def level_for(verbose: int = 0, quiet: bool = False) -> int:
    if quiet:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)


class MaskSecrets(logging.Filter):
    def __init__(self, secrets: SecretSet):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.secrets.mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.secrets.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.secrets.mask(record.stack_info)
        return True


def configure(verbose: int = 0, quiet: bool = False, *, secrets: SecretSet,
              stream: TextIO | None = None) -> logging.Logger:
    """(Re)configure the provisioner loggers: one masking handler to `stream` (stderr), at the level asked for."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "_provisioner", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler._provisioner = True  # type: ignore[attr-defined]  # ours to replace on the next configure
    handler.addFilter(MaskSecrets(secrets))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level_for(verbose, quiet))
    logger.propagate = False  # the root logger's handlers (if any) would print the record unmasked
    return logger
