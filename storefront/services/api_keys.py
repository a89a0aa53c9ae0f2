"""Service layer: the stores' Sendy API keys, re-read from ``SENDY_API_KEYS_FILE`` when the file changes.

A store whose key is added to the file takes orders within seconds, in every worker, without a
restart. Each process looks at the file (one ``stat``) at most every ``CHECK_EVERY`` seconds, and
reads it again only when its modification time, size or inode changed (an editor's rename or an
in-place write alike). A file that cannot be read or is malformed keeps the last good keys, and the
log says why — never a key: only slugs and the shape of the mistake.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping

from storefront.config import ConfigError, parse_api_keys

log = logging.getLogger("storefront.keys")
#: Seconds between two looks at the file (per process).
CHECK_EVERY = 2.0


class KeyFile(Mapping[str, str]):
    """slug → key, as the file says now (checked at most every ``CHECK_EVERY`` seconds)."""

    def __init__(self, path: str, keys: Mapping[str, str], *, extra: Mapping[str, str] | None = None,
                 check_every: float = CHECK_EVERY, now: Callable[[], float] = time.time) -> None:
        self.path = path
        self._extra = dict(extra or {})  # the demo's sandbox keys, under the file's
        self._keys = {**self._extra, **keys}
        self._check_every = check_every
        self._now = now
        self._checked = now()
        self._seen = self._signature()
        self._lock = threading.Lock()

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _current(self) -> dict[str, str]:
        elapsed = self._now() - self._checked
        if not 0 <= elapsed < self._check_every and self._lock.acquire(blocking=False):
            try:  # one thread looks; the others go on with the keys they have
                self._checked = self._now()
                signature = self._signature()
                if signature != self._seen:
                    self._seen = signature
                    self._reload()
            finally:
                self._lock.release()
        return self._keys

    def _reload(self) -> None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                keys = parse_api_keys(handle.read().strip())
        except OSError as exc:
            log.error("SENDY_API_KEYS_FILE %s cannot be read (%s): keeping the last good keys of %d stores",
                      self.path, exc.strerror, len(self._keys))
            return
        except (ConfigError, UnicodeDecodeError) as exc:  # the messages never echo a key
            reason = str(exc) if isinstance(exc, ConfigError) else "not UTF-8 text"
            log.error("SENDY_API_KEYS_FILE %s is malformed (%s): keeping the last good keys of %d stores",
                      self.path, reason, len(self._keys))
            return
        before = set(self._keys)
        self._keys = {**self._extra, **keys}
        added, removed = sorted(set(self._keys) - before), sorted(before - set(self._keys))
        log.info("SENDY_API_KEYS_FILE re-read: keys for %d stores (added: %s; removed: %s)", len(self._keys),
                 ", ".join(added) or "none", ", ".join(removed) or "none")

    def __getitem__(self, slug: str) -> str:
        return self._current()[slug]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:  # never the keys
        return f"KeyFile({self.path!r}, {len(self._keys)} stores)"
