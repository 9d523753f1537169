"""`--shard K/N`: a stable share of the inventory for one of N parallel machines.

An org belongs to shard (sha256(name) mod N) + 1, so it depends on its own name only: adding or removing an org
never moves the others to another shard (a position-based split would).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, TypeVar

from ..errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based K
    total: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def owns(self, name: str) -> bool:
        return shard_of(name, self.total) == self.index


ALL = Shard(1, 1)


def parse_shard(text: str | None) -> Shard:
    if text is None or text == "":
        return ALL
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ConfigError(f"--shard {text!r}: expected K/N, e.g. 2/4")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1:
        raise ConfigError(f"--shard {text!r}: N must be at least 1")
    if not 1 <= index <= total:
        raise ConfigError(f"--shard {text!r}: K must be between 1 and {total} (shards are numbered from 1)")
    return Shard(index, total)


def shard_of(name: str, total: int) -> int:
    """The 1-based shard that owns `name` among `total` shards."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % total + 1


def select(items: Iterable[T], shard: Shard, key=lambda item: item.name) -> list[T]:
    return [item for item in items if shard.owns(key(item))]
