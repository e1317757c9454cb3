"""A demo-drawing process (``python -m workbench.demo.worker``): reads (kind, spec) messages
on stdin, draws each (``render.render``) and writes (file, thumbnail, probe) on stdout, until
stdin closes. ``render.render_all`` starts one per core for a big demo."""

from __future__ import annotations

import sys

from workbench.demo.render import MediaJob, receive, render, send


def main() -> None:
    """Serve drawing requests until the parent closes the pipe."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            kind, spec = receive(requests)
        except EOFError:
            return
        drawn = render(MediaJob(kind, spec, "", "", counted=False))
        send(replies, (drawn.data, drawn.thumb, drawn.meta))


if __name__ == "__main__":
    main()
