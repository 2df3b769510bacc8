"""Names and paths from input files that reach HAProxy's config, file names, URLs, Toxiproxy's
API and the environment of started processes: each a constrained type whose error says what is
allowed.

Without them a `check_path` with a newline injected HAProxy directives, a service key
`../../../tmp/x` wrote its log outside the state directory, and a health path without a leading
`/` made a URL whose host was the path (`http://127.0.0.1:8000@elsewhere`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from harness._yaml.locs import shorten

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")
_DB_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# RFC 3986 path and query characters, less those HAProxy's config reads specially: quotes,
# backslash, `#` (a comment), `$` (variables), whitespace; `%` only as an escape (%2F)
_URL_PATH = re.compile(r"/(?:[A-Za-z0-9._~!&()*+,;=:@/?-]|%[0-9A-Fa-f]{2}){0,255}")
_CLASSES = re.compile(
    r"[A-Za-z_][A-Za-z0-9_.]{0,199}:\s*[A-Za-z_][A-Za-z0-9_]{0,99}(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]{0,99}){0,49}"
)


def is_url_path(value: str) -> bool:
    """A path UrlPath accepts: one token on an HAProxy config line, the path part of a URL."""
    return bool(_URL_PATH.fullmatch(value))


def _check(pattern: re.Pattern[str], what: str, rule: str, example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError(
                "invalid_" + what.replace(" ", "_"),
                "'{value}' is not a valid {what}: {rule}",
                {"value": shorten(value), "what": what, "rule": rule, "hint": f"e.g. {example}"},
            )
        return value

    return check


def _url_path(value: str) -> str:
    _check(
        _URL_PATH,
        "URL path",
        "it starts with '/' and has no spaces, quotes, '#', '$', '\\' or control characters "
        "(percent-encode others: %20)",
        "/healthz",
    )(value)
    if urlsplit("http://127.0.0.1:1" + value).netloc != "127.0.0.1:1":  # pragma: no cover
        raise PydanticCustomError(
            "invalid_URL_path", "'{value}' changes the URL's host", {"value": shorten(value)}
        )
    return value


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError(
            "nul_character",
            "contains a NUL character (\\0), which no command line or environment can carry",
            {"hint": "remove the \\0 escape"},
        )
    return value


Name = Annotated[
    str,
    AfterValidator(
        _check(
            _NAME,
            "name",
            "lowercase letters, digits, '-' and '_', starting with a letter, at most 40",
            "payment-api",
        )
    ),
]
"""A service, dependency, profile or instance name: it names files, HAProxy servers, Toxiproxy
proxies, Compose services and environment variables."""

DbIdentifier = Annotated[
    str,
    AfterValidator(
        _check(
            _DB_IDENTIFIER,
            "database identifier",
            "lowercase letters, digits and '_', not starting with a digit, at most 63",
            "shop",
        )
    ),
]
EnvName = Annotated[
    str,
    AfterValidator(
        _check(_ENV_NAME, "environment variable name", "letters, digits and '_'", "SHOP_DB_URL")
    ),
]
UrlPath = Annotated[str, AfterValidator(_url_path)]
"""A path on an HTTP server (health checks, reconciliation endpoints): it goes into URLs and
into HAProxy's `option httpchk` line."""

UserClasses = Annotated[
    str,
    AfterValidator(
        _check(
            _CLASSES, "list of user classes", "module:Class[,Class2]", "myshop.locustfile:Shopper"
        )
    ),
]
Arg = Annotated[str, AfterValidator(_no_nul)]
"""A command-line argument or an environment value."""
