"""Disjoint sets of item indices (union-find): the one structure behind every grouping of linked items, from the parts
of a text line cut by tile edges to near-duplicate photos and faces of one person."""

from __future__ import annotations


class UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        """The representative of `item`'s set (paths are halved on the way, so later look-ups are short)."""
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> int:
        """Join the sets of `a` and `b` under `a`'s representative, which is returned."""
        keep = self.find(a)
        self.parent[self.find(b)] = keep
        return keep
