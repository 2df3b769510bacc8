"""Names and paths that reach HAProxy's config, file names, URLs and the environment."""

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from harness.names import Arg, DbIdentifier, EnvName, Name, UrlPath, UserClasses, is_url_path


@pytest.mark.parametrize("ok", ["/", "/healthz", "/readyz?full=1&x=%2F", "/a/b-c_d.e~f:g@h"])
def test_url_paths_that_are_fine(ok: str) -> None:
    assert TypeAdapter(UrlPath).validate_python(ok) == ok


@pytest.mark.parametrize(
    "bad",
    [
        "readyz",  # no leading '/': http://127.0.0.1:8000readyz
        "@evil.example/x",  # would make the path the URL's host
        "/readyz\n  stats admin if TRUE",  # an HAProxy directive
        "/a b",
        "/a\tb",
        "/a#comment",
        "/a'quote",
        '/a"quote',
        "/a\\b",
        "/${HOME}",
        "/%zz",
        "/" + "a" * 300,
    ],
)
def test_url_paths_that_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="not a valid URL path"):
        TypeAdapter(UrlPath).validate_python(bad)


@given(st.text(alphabet="abcXYZ019-._~!&()*+,;=:@/%?" + " \n\t#'\"\\$é\x00", max_size=40))
def test_an_accepted_path_is_one_token_and_only_the_path_of_a_url(text: str) -> None:
    path = "/" + text
    if not is_url_path(path):
        return
    assert path.split() == [path]
    assert urlsplit("http://127.0.0.1:8000" + path).netloc == "127.0.0.1:8000"


@pytest.mark.parametrize(
    ("kind", "ok", "bad"),
    [
        (
            Name,
            ["shop", "payment-api", "a_b", "s" + "x" * 39],
            ["../x", "Shop", "1a", "a b", "", "s" * 41],
        ),
        (DbIdentifier, ["shop", "_x", "a1"], ["shop-db", "Shop", "1a", "a;b"]),
        (EnvName, ["SHOP_DB_URL", "_x", "a1"], ["A B", "1A", "A=B", ""]),
        (UserClasses, ["m:C", "pkg.mod:A, B,C"], ["m", "m:", "os.system(1)", "m:C;D"]),
        (Arg, ["anything at all\n"], ["a\x00b"]),
    ],
)
def test_names(kind: object, ok: list[str], bad: list[str]) -> None:
    adapter = TypeAdapter(kind)
    for value in ok:
        assert adapter.validate_python(value) == value
    for value in bad:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
