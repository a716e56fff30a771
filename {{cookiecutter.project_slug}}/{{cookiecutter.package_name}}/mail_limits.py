"""The bound on account e-mails per address: at most MAIL_PER_ADDRESS_PER_HOUR to one
address in an hour, whoever asks for them and from however many client addresses.

mail.send_email takes an allowance before it sends, in the background job, so the
request that asked for the mail does and says the same whether or not it goes out. The
count is in the database (limit_storage.py), shared by every web process and worker.
"""

import logging

from flask import current_app

from .limit_storage import DatabaseStorage, address_key

logger = logging.getLogger(__name__)

HOUR = 3600


class MailLimit:
    def __init__(self) -> None:
        self.storage = DatabaseStorage()

    def take(self, address: str) -> bool:
        """Count a mail to `address`; False when the hour's allowance is used up, and the
        mail must be held back. The first held back in a window is logged as a warning,
        the others at DEBUG level: a flood of requests is not a flood of log lines."""
        per_hour = current_app.config["MAIL_PER_ADDRESS_PER_HOUR"]
        hits = self.storage.incr(address_key("mail", address), HOUR)
        if hits <= per_hour:
            return True
        if hits == per_hour + 1:
            logger.warning(
                "E-mails to %s held back: %d in an hour is the limit "
                "(MAIL_PER_ADDRESS_PER_HOUR); more this hour are logged at DEBUG level only",
                address,
                per_hour,
            )
        else:
            logger.debug("E-mail to %s held back (MAIL_PER_ADDRESS_PER_HOUR)", address)
        return False

    def give_back(self, address: str) -> None:
        """The mail counted by take() could not be sent (a retry will count it again)."""
        self.storage.decr(address_key("mail", address))


def mail_limit() -> MailLimit:
    """The current app's MailLimit."""
    limit = current_app.extensions.get("mail_limit")
    if limit is None:
        limit = current_app.extensions.setdefault("mail_limit", MailLimit())
    return limit
