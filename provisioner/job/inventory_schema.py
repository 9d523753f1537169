"""The inventory's JSON Schema (schemas/inventory.schema.json), for editors. A test holds its keys against the keys
provisioner/job/inventory.py accepts, so the two cannot drift; the parser stays the judge of values it can check
only with the file system (paths, certificates) or other keys."""

from __future__ import annotations

from typing import Any

STRING = {"type": "string", "minLength": 1}
PATH = {"type": "string", "minLength": 1, "description": "relative to the inventory file"}
PATH_WITH_NAME = {**PATH, "description": "relative to the inventory file; {name} is the org's name"}
BOOLEAN = {"type": "boolean"}
ENV_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "an environment variable"}
STYLE = {"enum": ["provisioner", "sf-cli", "sfdx-hardis"]}
EMBED_KEY = {"enum": ["pem", "base64"]}
VIA = {"enum": ["auto", "api", "browser"],
       "description": "how the app is made: the Setup pages, the Metadata API, or the API where the org allows it"}
ROTATE_AFTER_DAYS = {"type": "integer", "minimum": 1,
                     "description": "rotate the consumer key and secret once they are older than this many days"}

MAILBOX_OAUTH2 = {
    "client_id": STRING, "tenant": STRING, "token_url": STRING, "scope": STRING,
    "client_secret_env": ENV_NAME, "client_secret_file": PATH, "client_certificate": PATH, "client_key": PATH,
    "refresh_token_env": ENV_NAME, "refresh_token_file": PATH, "token_command": STRING,
    "mechanism": {"enum": ["auto", "XOAUTH2", "OAUTHBEARER"]},
}
MAILBOX = {
    "host": STRING, "port": {"type": "integer", "minimum": 1, "maximum": 65535}, "user": STRING,
    "password_env": ENV_NAME, "password_file": PATH, "ssl": BOOLEAN, "folder": STRING, "allow_plaintext": BOOLEAN,
    "ca_file": PATH, "oauth2": {"type": "object", "additionalProperties": False, "properties": MAILBOX_OAUTH2},
}
CREDENTIALS = {"env_file": PATH_WITH_NAME, "json_file": PATH_WITH_NAME, "style": STYLE, "embed_key": EMBED_KEY,
               "branch": STRING}
DEFAULT_CREDENTIALS = {"style": STYLE, "embed_key": EMBED_KEY}
DEFAULTS = {
    "spec": PATH, "concurrency": {"type": "integer", "minimum": 1},
    "budget_seconds": {"type": "number", "exclusiveMinimum": 0}, "retries": {"type": "integer", "minimum": 0},
    "output_dir": PATH, "mailbox": {"$ref": "#/$defs/mailbox"}, "key_file": PATH, "cert_file": PATH,
    "credentials": {"type": "object", "additionalProperties": False, "properties": DEFAULT_CREDENTIALS},
    "via": VIA, "rotate_after_days": ROTATE_AFTER_DAYS,
}
ORG = {
    "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
    "login_url": {"type": "string", "pattern": "^https?://"}, "username": STRING,
    "password_env": ENV_NAME, "password_file": PATH,
    "password": {**STRING, "description": "inline: local experiments only (a warning)"},
    "totp_secret_env": ENV_NAME, "mailbox": {"$ref": "#/$defs/mailbox"}, "spec": PATH,
    "credentials": {"type": "object", "additionalProperties": False, "properties": CREDENTIALS},
    "sandbox": BOOLEAN, "key_file": PATH_WITH_NAME, "cert_file": PATH_WITH_NAME,
    "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"},
    "shard": {"type": "integer", "minimum": 1, "description": "pin the org to shard K of `run --shard K/N`"},
    "target_org": {**STRING, "description": "an org the Salesforce CLI is logged in to (alias or username): its "
                                            "session logs in, instead of login_url and a password"},
    "via": VIA, "rotate_after_days": ROTATE_AFTER_DAYS,
}


def json_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "provisioner inventory (provisioner run)",
        "type": "object",
        "additionalProperties": False,
        "required": ["org"],
        "properties": {
            "defaults": {"type": "object", "additionalProperties": False, "properties": DEFAULTS},
            "org": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["name"], "properties": ORG,
                # who logs in: a password source at a login URL, or the Salesforce CLI's session
                "oneOf": [{"required": ["login_url", "username"], "not": {"required": ["target_org"]}},
                          {"required": ["target_org"], "not": {"required": ["login_url"]}}]}},
        },
        "$defs": {"mailbox": {"type": "object", "additionalProperties": False, "required": ["host", "user"],
                              "properties": MAILBOX}},
    }
