"""How `gh secret set --env-file` reads a file: a line-by-line port of godotenv v1.5.1's parser.

gh (cli/cli, pkg/cmd/secret/set/set.go) hands the file to `godotenv.Parse` and pins github.com/joho/godotenv
v1.5.1 in its go.mod; this is that version's parser.go (parseBytes, getStatementStart, locateKeyName,
extractVarValue, expandEscapes, expandVariables), with its quirks kept:

- unquoted values end at the line end, lose a ` #comment` and surrounding blanks, and expand $NAME / ${NAME};
- single-quoted values are literal (no escapes, no expansion) but end at the first ' not preceded by a backslash;
- double-quoted values may span lines, turn \\n and \\r into line breaks, drop the backslash of any other escape
  except \\$, and expand $NAME / ${NAME} (from earlier keys, then the environment), also ending at the first " not
  preceded by a backslash;
- keys are letters, digits, '_' and '.', after an optional `export `; `KEY: value` works too.
"""

from __future__ import annotations

import os
import re


class GodotenvError(ValueError):
    pass


_ESCAPE = re.compile(r"\\.")  # Go: "." never matches a line break
_EXPAND_VAR = re.compile(r"(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?")
_UNESCAPE_CHARS = re.compile(r"\\([^$])", re.S)


def _is_space(c: str) -> bool:  # godotenv's isSpace: a blank, never a line break
    return c in "\t\v\f\r \x85\xa0"


def parse(text: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    src = text.replace("\r\n", "\n")
    out: dict[str, str] = {}
    cutset: str | None = src
    while True:
        cutset = _statement_start(cutset)
        if cutset is None:
            return out
        key, left = _locate_key_name(cutset)
        value, cutset = _extract_var_value(left, out, env)
        out[key] = value


def _statement_start(src: str) -> str | None:
    while True:
        pos = next((i for i, c in enumerate(src) if not c.isspace()), -1)
        if pos == -1:
            return None
        src = src[pos:]
        if src[0] != "#":
            return src
        pos = src.find("\n")
        if pos == -1:
            return None
        src = src[pos:]


def _locate_key_name(src: str) -> tuple[str, str]:
    src = src.lstrip("\t\v\f\r \x85\xa0")
    if src.startswith("export"):
        trimmed = src[len("export"):]
        if trimmed[:1] and _is_space(trimmed[0]):
            src = trimmed.lstrip("\t\v\f\r \x85\xa0")
    key, offset = "", 0
    for i, char in enumerate(src):
        if _is_space(char):
            continue
        if char in "=:":
            key, offset = src[:i], i + 1
            break
        if char == "_" or char.isalpha() or char.isdigit() or char == ".":
            continue
        raise GodotenvError(f"unexpected character {char!r} in variable name near {src!r}")
    if not src:
        raise GodotenvError("zero length string")
    return key.rstrip(), src[offset:].lstrip("\t\v\f\r \x85\xa0")


def _extract_var_value(src: str, out: dict[str, str], env) -> tuple[str, str]:  # noqa: ANN001
    quote = src[:1] if src[:1] in ("'", '"') else ""
    if not quote:
        end = next((i for i, c in enumerate(src) if c in "\n\r"), -1)
        if end == -1:
            end = len(src)
            if end == 0:
                return "", ""
        line = src[:end]
        end_of_var = len(line)
        if end_of_var == 0:
            return "", src[end:]
        for i in range(end_of_var - 1, -1, -1):  # " #comment" at the end, scanning from the right
            if line[i] == "#" and i > 0 and _is_space(line[i - 1]):
                end_of_var = i
                break
        trimmed = line[:end_of_var].strip("\t\v\f\r \x85\xa0")
        return _expand_variables(trimmed, out, env), src[end:]
    for i in range(1, len(src)):
        if src[i] != quote or src[i - 1] == "\\":
            continue
        value = src[:i].rstrip(quote).lstrip(quote)
        if quote == '"':
            value = _expand_variables(_expand_escapes(value), out, env)
        return value, src[i + 1:]
    line_end = src.find("\n")
    raise GodotenvError(f"unterminated quoted value {src[:line_end if line_end != -1 else len(src)]}")


def _expand_escapes(text: str) -> str:
    def one(match: re.Match) -> str:
        c = match.group(0)[1:]
        return {"n": "\n", "r": "\r"}.get(c, match.group(0))

    return _UNESCAPE_CHARS.sub(r"\1", _ESCAPE.sub(one, text))


def _expand_variables(value: str, out: dict[str, str], env) -> str:  # noqa: ANN001
    def one(match: re.Match) -> str:
        s = match.group(0)
        sub = _EXPAND_VAR.search(s)
        if sub is None:
            return s
        if sub.group(1) == "\\" or sub.group(3) == "(":
            return sub.group(0)[1:]
        if sub.group(4):
            name = sub.group(4)
            if name in out:
                return out[name]
            if name in env:
                return env[name]
            return ""
        return s

    return _EXPAND_VAR.sub(one, value)
