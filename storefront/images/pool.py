"""Images: where variants are made — a few resize processes at a lower OS priority, within budgets.

Serving pages and making images share a machine's cores. Images are made in a small pool of
processes (``concurrent.futures.ProcessPoolExecutor``, started with ``spawn``) that lower their
own priority as they start: the kernel's idle scheduling class (``SCHED_IDLE``: they run only on
a core no other process wants, and a page's wake-up takes the core back at once) and ``os.nice``
(where the idle class is not available). At nice 10 alone a pool still takes its share of the
cores beside the pages (two pool processes at 44% of a core each during the image bench); making
the demo stores' card images ahead beside a cached page, its p90 was 8.7-13.5 ms at nice 10 and
8.0-8.6 ms in the idle class (two cores, idle p50 about 5 ms). The price is paid by images: while
pages keep every core busy, no image is made, and a request for a cold one gets the placeholder
once its wait (``IMAGE_MAKE_WAIT``) is over.

The pool is created lazily in the process that uses it — after gunicorn forks its workers —
shared by the apps of that process, and a pool process whose parent is gone exits by itself.

What a worker lets into its pool is bounded twice: by count (``in_flight``: requests and the
background pre-making together, the background taking only what the requests leave) and by
memory (``MemoryBudget``: each job holds the cost its decoding plan predicts, read from the
image's header, until the job is done). A job that does not fit is refused at once (``Full``),
never queued without end.

A job names files, not bytes: the original (in the static folder or the disk cache) and where
the variant goes; the pool process writes the variant (and the photo's facts) to the disk cache
itself, so a job whose caller stopped waiting is not wasted.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from storefront.images import process
from storefront.images.diskcache import DiskCache
from storefront.images.urls import FORMATS, Variant

log = logging.getLogger("storefront.images")
NICE = 10  # how much lower than the web workers the pool processes run
CLAIM_TTL = 60.0  # seconds a background job's claim on a variant keeps the other workers off it


class Full(Exception):
    """The pool takes no more work now (count or memory): answer at once, do not queue."""


@dataclass(frozen=True)
class Job:
    """Make one variant of an original file into the disk cache."""

    source: str  # the original's file
    variant: Variant
    root: str  # the disk cache
    max_bytes: int
    derived: str  # the variant's key in the disk cache
    meta: str = ""  # the photo's facts key in the disk cache (none for og)
    background: bool = False  # pre-making: skip what is made or being made by another worker


@dataclass(frozen=True)
class Done:
    """What a job made: the bytes and the photo's facts (empty ``data``: skipped, already there)."""

    data: bytes = b""
    tone: int = 0
    width: int = 0
    height: int = 0
    error: str = ""  # not an image we make: the caller serves the placeholder
    colour: str = ""  # the photo's vivid colour (process.vivid_colour)


class MemoryBudget:
    """A weighted semaphore of bytes: a job holds its planned cost from submission until done."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, cost: int, timeout: float = 0.0) -> bool:
        """Hold ``cost`` bytes, waiting up to ``timeout`` seconds; False if they never came free."""
        if cost > self.total:
            return False
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.used + cost > self.total:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            self.used += cost
            return True

    def release(self, cost: int) -> None:
        """Give ``cost`` bytes back."""
        with self._cond:
            self.used = max(0, self.used - cost)
            self._cond.notify_all()


# -- in the pool processes -----------------------------------------------------------------------
_disks: dict[tuple[str, int], DiskCache] = {}


def _start(nice: int, parent: int) -> None:
    """A pool process starts: lower its priority, and leave when its parent is gone."""
    os.nice(nice)
    if nice > 0 and hasattr(os, "SCHED_IDLE"):
        try:  # lowering one's own priority needs no privilege
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:  # a kernel or sandbox without the idle class: nice alone
            log.warning("the image pool could not take the idle scheduling class; it runs at nice %d", nice)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def priority() -> tuple[int, int]:
    """The calling process's nice value and scheduling policy (run in the pool, they show the pool's)."""
    return os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0)


def run(job: Job) -> Done:
    """Make the job's variant and keep it (in a pool process)."""
    key = (job.root, job.max_bytes)
    disk = _disks.get(key) or _disks.setdefault(key, DiskCache(job.root, job.max_bytes))
    ext = job.variant.fmt
    if job.background:
        if disk.get("v", job.derived, ext) is not None:
            return Done()
        claim = disk.path("v", job.derived, "claim")
        try:
            if time.time() - claim.stat().st_mtime < CLAIM_TTL:
                return Done()  # another worker is making it
        except OSError:
            pass
        try:
            claim.parent.mkdir(parents=True, exist_ok=True)
            claim.touch()
        except OSError:
            return Done()
    try:
        made = process.make(job.source, job.variant)
    except (process.BadImage, process.Image.DecompressionBombError, OSError) as exc:
        return Done(error=str(exc)[:300] or exc.__class__.__name__)
    finally:
        if job.background:
            disk.path("v", job.derived, "claim").unlink(missing_ok=True)
    disk.put("v", job.derived, ext, made.data)
    if job.meta:
        disk.put("m", job.meta, "txt", facts(made.tone, made.width, made.height).encode())
        if made.colour:
            disk.put("c", job.meta, "txt", made.colour.encode())
    return Done(made.data, made.tone, made.width, made.height, colour=made.colour)


def facts(tone: int, width: int, height: int) -> str:
    """A photo's facts as kept (disk and data cache): "tone width height". The format never changes:
    workers of the release before, sharing the cache during a deploy, parse exactly these three
    integers. Anything new goes in a key of its own (the vivid colour: kind "c", ``colour_key``)."""
    return f"{tone} {width} {height}"


# -- in the web worker -----------------------------------------------------------------------------
_executors: dict[tuple[int, int, int], ProcessPoolExecutor] = {}  # (pid, processes, nice): one per process
_executors_lock = threading.Lock()


def _executor(workers: int, nice: int) -> ProcessPoolExecutor:
    """This process's pool of that shape (made on first use; again after a fork or a crash)."""
    key = (os.getpid(), workers, nice)
    with _executors_lock:
        found = _executors.get(key)
        if found is None:
            found = _executors[key] = ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                initargs=(nice, os.getpid()))
        return found


def _drop(executor: ProcessPoolExecutor) -> None:
    with _executors_lock:
        for key, found in list(_executors.items()):
            if found is executor:
                del _executors[key]
    executor.shutdown(wait=False, cancel_futures=True)


class ResizePool:
    """This process's resize processes and what may be asked of them (see the module docstring)."""

    def __init__(self, workers: int, in_flight: int, memory: int, nice: int = NICE) -> None:
        self.workers, self.in_flight, self.nice = max(1, workers), max(1, in_flight), nice
        self.budget = MemoryBudget(memory)
        self.busy = 0  # jobs submitted and not yet done
        self._lock = threading.Lock()

    def executor(self) -> ProcessPoolExecutor:
        """The resize processes of this process (shared by its apps: one in production)."""
        return _executor(self.workers, self.nice)

    def _broken(self, executor: ProcessPoolExecutor) -> None:
        _drop(executor)

    def room(self, background: bool = False) -> bool:
        """Whether a job would be let in now (the background takes only an idle process's share)."""
        return self.busy < (self.workers if background else self.in_flight)

    def submit(self, job: Job, plan: process.Plan, wait: float = 0.0) -> Future[Done]:
        """Hand a job to the pool within the budgets, or Full (waiting up to ``wait`` s for memory)."""
        with self._lock:
            if not self.room(job.background):
                raise Full("in flight")
            self.busy += 1
        if not self.budget.acquire(plan.cost, wait):
            with self._lock:
                self.busy -= 1
            raise Full("memory")
        executor = self.executor()

        def done(future: Future[Done]) -> None:
            self.budget.release(plan.cost)
            with self._lock:
                self.busy -= 1
            if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
                log.error("image pool: a resize process died (%s); a new pool is started", job.source)
                self._broken(executor)

        try:
            future = executor.submit(run, job)
        except (BrokenProcessPool, RuntimeError):  # broken, or shut down meanwhile: start again once
            self._broken(executor)
            try:
                executor = self.executor()
                future = executor.submit(run, job)
            except (BrokenProcessPool, RuntimeError):
                self.budget.release(plan.cost)
                with self._lock:
                    self.busy -= 1
                raise Full("pool unavailable") from None
        future.add_done_callback(done)
        return future

    def priority(self) -> tuple[int, int]:
        """The nice value and scheduling policy of a pool process."""
        return self.executor().submit(priority).result(timeout=30)


def content_type(variant: Variant) -> str:
    """The variant's content type."""
    return FORMATS[variant.fmt][1]
