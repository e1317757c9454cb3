"""Group commit: many threads' small requests answered by one batch at a time.

Upload workers each need a few small things done that cost a round trip or a file write
apiece: a duplicate look-up, a journal entry, their rows. Done one by one they queue behind
each other (500 files, 500 inserts, 1000 journal writes); batched, one query or write serves
every request that arrived while the previous batch ran. No thread is added: the first
caller to find nothing running becomes the *leader* and runs batches until the queue is
empty; the others only queue their request and, if they need the answer, wait for it. So a
lone request costs what it did, and under load the batches grow by themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Coalescer(Generic[In, Out]):
    """Runs ``run(batch)`` (which returns one answer per request, in order) over up to
    ``limit`` queued requests at a time, on the thread of whoever arrives first.

    ``submit`` returns a future that is already done when its caller led the batch that
    answered it. An exception from ``run`` fails every request of that batch (the leader
    goes on with the next batch; the exception reaches whoever waits on the futures)."""

    def __init__(self, run: Callable[[Sequence[In]], Sequence[Out]], *, limit: int) -> None:
        self._run = run
        self._limit = limit
        self._lock = threading.Lock()
        self._queue: list[tuple[In, Future[Out]]] = []
        self._leading = False

    def submit(self, request: In) -> Future[Out]:
        """Queue ``request``; lead the batches when none is running."""
        answer: Future[Out] = Future()
        with self._lock:
            self._queue.append((request, answer))
            if self._leading:
                return answer
            self._leading = True
        self._lead()
        return answer

    def __call__(self, request: In) -> Out:
        """``submit`` and wait for the answer (raising what the batch raised)."""
        return self.submit(request).result()

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch, self._queue = self._queue[: self._limit], self._queue[self._limit :]
                if not batch:
                    self._leading = False
                    return
            try:
                answers = self._run([request for request, _ in batch])
                if len(answers) != len(batch):
                    raise AssertionError(f"{len(answers)} answers for {len(batch)} requests")
            except BaseException as exc:
                for _, answer in batch:
                    answer.set_exception(exc)
                if not isinstance(exc, Exception):  # KeyboardInterrupt: fail all, stop leading
                    with self._lock:
                        waiting, self._queue, self._leading = self._queue, [], False
                    for _, answer in waiting:
                        answer.set_exception(exc)
                    raise
                continue
            for (_, answer), value in zip(batch, answers, strict=True):
                answer.set_result(value)
