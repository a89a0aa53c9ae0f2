"""Images: a bounded cache of files on disk (derived images, fetched originals, photo facts).

Files live under ``<root>/<kind>/<k[:2]>/<k>.<ext>``, written atomically (a temporary file,
then a rename), so workers of several processes can share one folder. Each hit refreshes the
file's modification time (at most once an hour), and when the folder grows past its cap the
least recently used files go, until it is back under 80% of the cap.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger("storefront.images")
TOUCH_AFTER = 3600.0  # seconds: a hit refreshes the file's time at most this often
LOW_WATER = 0.8


class DiskCache:
    """Files by (kind, key, ext), at most ``max_bytes`` in all (least recently used evicted)."""

    def __init__(self, root: str | os.PathLike[str], max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # bytes under root, as this process last counted

    def path(self, kind: str, key: str, ext: str) -> Path:
        """Where an entry lives (whether or not it exists)."""
        return self.root / kind / key[:2] / f"{key}.{ext}"

    def get(self, kind: str, key: str, ext: str) -> Path | None:
        """The entry's file, or None; a hit counts as a use."""
        path = self.path(kind, key, ext)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        now = time.time()
        if now - mtime > TOUCH_AFTER:
            try:
                os.utime(path, (now, now))
            except OSError:
                return None  # evicted meanwhile
        return path

    def read(self, kind: str, key: str, ext: str) -> bytes | None:
        """The entry's bytes, or None."""
        path = self.get(kind, key, ext)
        try:
            return path.read_bytes() if path else None
        except OSError:
            return None

    def put(self, kind: str, key: str, ext: str, data: bytes) -> None:
        """Store an entry (replacing any), then evict if the cache is over its cap."""
        path = self.path(kind, key, ext)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except OSError as exc:  # a full or read-only disk: the image is still served, just not kept
            log.warning("image cache: cannot write %s: %s", path, exc)
            return
        with self._lock:
            if self._total is None:
                self._total = self._count()
            else:
                self._total += len(data)
            over = self._total > self.max_bytes
        if over:
            self.evict()

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for folder, _dirs, names in os.walk(self.root):
            for name in names:
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found.append((stat.st_mtime, stat.st_size, path))
        return found

    def _count(self) -> int:
        return sum(size for _, size, _ in self._files())

    def evict(self) -> None:
        """Remove the least recently used files until the cache is under 80% of its cap."""
        with self._lock:
            files = sorted(self._files())
            total = sum(size for _, size, _ in files)
            removed = 0
            for _mtime, size, path in files:
                if total <= self.max_bytes * LOW_WATER:
                    break
                try:
                    path.unlink()
                except OSError:
                    continue
                total -= size
                removed += 1
            self._total = total
        if removed:
            log.info("image cache: evicted %d file(s), %d bytes kept", removed, total)
