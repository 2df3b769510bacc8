"""The stack's secrets: a 0600 file, URLs with and without the password, env kept by name."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from harness.errors import StackError
from harness.platforms import _secrets
from harness.platforms._private_files import mode
from harness.platforms.base import REDACTED, StackOptions
from harness.stack.loader import load_stack


def test_the_password_file_is_private_and_round_trips(tmp_path: Path) -> None:
    state = tmp_path / "local-x"
    made = _secrets.create(state)
    assert len(made.db_password) >= 32
    assert mode(state / _secrets.SECRETS_FILE) == 0o600
    assert mode(state) == 0o700
    assert _secrets.load(state) == made
    assert _secrets.create(state) != made  # a new stack, a new password
    _secrets.remove(state)
    assert _secrets.load(state) is None
    _secrets.remove(state)  # twice is fine


def test_an_unreadable_secrets_file_is_a_stack_error(tmp_path: Path) -> None:
    (tmp_path / _secrets.SECRETS_FILE).write_text("{not json")
    with pytest.raises(StackError, match="unreadable"):
        _secrets.load(tmp_path)


def test_urls_with_and_without_the_password() -> None:
    url = "postgresql://shop@127.0.0.1:5432/shop"
    secret = "a/b:c@d%e"
    full = _secrets.with_password(url, secret)
    assert unquote(urlsplit(full).password or "") == secret
    assert full.startswith("postgresql://shop:") and full.endswith("@127.0.0.1:5432/shop")
    assert secret not in full  # quoted: it cannot break the URL apart
    assert _secrets.without_password(full) == url
    assert _secrets.without_password(url) == url
    assert _secrets.with_password("sqlite:///x.db", secret) == "sqlite:///x.db"


def test_env_values_are_kept_by_name_only() -> None:
    assert _secrets.redact_env({"TOKEN": "s3cret", "B": ""}) == {"TOKEN": REDACTED, "B": REDACTED}
    spec, _ = load_stack()
    opts = StackOptions(profile="no-breaker").resolve(spec)
    assert opts.backend_env == {"SHOP_BREAKER": "off"}
    red = opts.redacted()
    assert red.backend_env == {"SHOP_BREAKER": REDACTED}
    assert red.model_copy(update={"backend_env": opts.backend_env}) == opts  # nothing else
    assert "off" not in red.model_dump_json()
