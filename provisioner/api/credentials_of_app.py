"""The consumer key and secret over Connect REST for an app whose id the Metadata API already gave (provisioner/api/
areas.py `app_id`): a just-made app has no OAuth usage yet, so `credentials.read_credentials` could not find it by
name. Without an id this is `credentials.read_credentials` / `credentials_allowed` as they are."""

from __future__ import annotations

from urllib.parse import quote

from ..errors import ApiUnavailableError, CredentialsApiDisabledError
from ..flows.types import ConsumerCredentials
from . import credentials as rest
from .session import ApiSession


def consumer_of(api: ApiSession, app_id: str) -> rest.Consumer:
    """The app's one OAuth consumer; CredentialsApiDisabledError when the setting or the permission is missing."""
    consumers = (rest.call(api, "GET", f"apps/oauth/credentials/{quote(app_id, safe='')}") or {}).get("consumers")
    if not consumers or len(consumers) != 1:
        raise ApiUnavailableError(f"app {app_id} has {len(consumers or [])} OAuth consumers over Connect REST, "
                                  "expected one")
    return rest.Consumer(app_id=app_id, consumer_id=str(consumers[0]["id"]))


def allowed(api: ApiSession, app_api_name: str, app_id: str = "") -> tuple[bool, str]:
    """(True, "") when this session may read the app's credentials over REST, else (False, what would allow it)."""
    if not app_id:
        return rest.credentials_allowed(api, app_api_name)
    try:
        consumer = consumer_of(api, app_id)
        rest.call(api, "GET", f"apps/oauth/credentials/{quote(app_id, safe='')}/"
                              f"{quote(consumer.consumer_id, safe='')}?part=key")
    except (CredentialsApiDisabledError, ApiUnavailableError) as exc:
        return False, str(exc)
    except rest.RestError as exc:
        return False, f"Connect REST refused the credentials ({exc.code})"
    return True, ""


def read(api: ApiSession, app_api_name: str, app_id: str = "") -> ConsumerCredentials:
    if not app_id:
        return rest.read_credentials(api, app_api_name)
    return rest.primary(api, consumer_of(api, app_id))


__all__ = ["allowed", "consumer_of", "read"]
