"""The run lock never writes through a symbolic link (issue 17, item 8): a planted `<inventory>.lock` link must not
let the job truncate or overwrite another file."""

from __future__ import annotations

import os

import pytest

from provisioner.errors import ConfigError
from provisioner.job.lock import InventoryLock


def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("do not truncate me\n")
    lock_path = tmp_path / "inventory.toml.lock"
    lock_path.symlink_to(victim)
    with pytest.raises(ConfigError) as info:
        InventoryLock(lock_path).acquire()
    assert "symbolic link" in str(info.value) and str(lock_path) in str(info.value)
    assert victim.read_text() == "do not truncate me\n"


def test_a_dangling_symlink_does_not_create_its_target(tmp_path):
    target = tmp_path / "elsewhere" / "created-by-us"
    target.parent.mkdir()
    lock_path = tmp_path / "inventory.toml.lock"
    lock_path.symlink_to(target)
    with pytest.raises(ConfigError):
        InventoryLock(lock_path).acquire()
    assert not target.exists()


def test_a_lock_path_that_is_not_a_regular_file_is_refused(tmp_path):
    lock_path = tmp_path / "inventory.toml.lock"
    os.mkfifo(lock_path)
    with pytest.raises(ConfigError, match="not a regular file"):
        InventoryLock(lock_path).acquire()


def test_a_plain_lock_file_still_works_and_is_reused(tmp_path):
    lock_path = tmp_path / "inventory.toml.lock"
    with InventoryLock(lock_path):
        assert lock_path.read_text().startswith(f"pid {os.getpid()} ")
    with InventoryLock(lock_path):  # the file stays behind harmlessly and is taken again
        pass
    assert not lock_path.is_symlink()
