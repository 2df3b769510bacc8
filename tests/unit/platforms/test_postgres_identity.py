"""The private PostgreSQL runs as its own user with its own groups, not root's."""

from __future__ import annotations

import os
import pwd

import pytest

from harness.platforms import _postgres


def test_as_the_current_user_nothing_changes() -> None:
    assert _postgres._identity(None) == (None, None, None)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root starts PostgreSQL as another user")
def test_as_root_the_server_gets_its_users_own_group() -> None:
    user = _postgres._run_as()
    assert user is not None
    pw = pwd.getpwnam(user)
    uid, gid, groups = _postgres._identity(user)
    assert (uid, gid) == (pw.pw_uid, pw.pw_gid)
    assert gid != 0 and groups is not None and 0 not in groups
