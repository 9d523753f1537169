"""`--shard K/N`: an even, stable share of the inventory for one of N parallel machines.

Every shard gets at most one org more than any other, and adding or removing an org moves few of the others.
Each org ranks the N shards by a hash of (shard, org name) (rendezvous hashing: the ranking depends on the org's own
name only). All (org, shard) pairs are then taken best score first, and a pair is kept while its org has no shard
yet and the shard has room: q = n // N orgs each, and q + 1 for at most n % N of them. An org keeps its first choice
unless that shard filled up with orgs that want it more, so a new org takes one place and moves at most a few others.

An org pinned in the inventory (`shard = K`) always runs in shard K and counts towards that shard's share.
The assignment depends only on the org names, their pins and N: every machine computes the same split.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, TypeVar

from ..errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based K
    total: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


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


def score(name: str, shard: int) -> int:
    """How much `name` wants `shard` (higher first); the same on every machine and Python version."""
    return int.from_bytes(hashlib.sha256(f"{shard}/{name}".encode("utf-8")).digest()[:8], "big")


def assign(names: Iterable[str], total: int, pins: Mapping[str, int] | None = None) -> dict[str, int]:
    """name -> its 1-based shard among `total`. `pins`: name -> the shard it must run in."""
    names = list(dict.fromkeys(names))
    pins = dict(pins or {})
    for name, pinned in pins.items():
        if not 1 <= pinned <= total:
            raise ConfigError(f"org {name!r} is pinned to shard {pinned} (key 'shard'), but the run has {total} "
                              f"shard(s): pin it to 1..{total} or run with --shard K/{pinned} or more")
    if total == 1:
        return {name: 1 for name in names}
    base, extra = divmod(len(names), total)
    load = {k: 0 for k in range(1, total + 1)}
    owner: dict[str, int] = {}
    for name in names:
        if name in pins:
            owner[name] = pins[name]
            load[pins[name]] += 1

    def room(shard: int) -> bool:
        at_top = sum(1 for count in load.values() if count >= base + 1)
        return load[shard] < base or (load[shard] == base and at_top < extra)

    free = [name for name in names if name not in owner]
    pairs = sorted(((score(name, k), name, k) for name in free for k in load), reverse=True)
    for _, name, shard in pairs:
        if name not in owner and room(shard):
            owner[name] = shard
            load[shard] += 1
    for name in free:  # only when pins overfilled shards: the least loaded shard, best score first
        if name not in owner:
            shard = min(load, key=lambda k: (load[k], -score(name, k)))
            owner[name] = shard
            load[shard] += 1
    return {name: owner[name] for name in names}


def select(items: Iterable[T], shard: Shard, key=lambda item: item.name,
           pin=lambda item: getattr(item, "shard", None)) -> list[T]:
    """The items of `shard`, in their given order. `pin(item)`: the shard an item is pinned to, or None."""
    items = list(items)
    pins = {key(item): pin(item) for item in items if pin(item) is not None}
    owners = assign([key(item) for item in items], shard.total, pins if shard.total > 1 else None)
    return [item for item in items if owners[key(item)] == shard.index]
