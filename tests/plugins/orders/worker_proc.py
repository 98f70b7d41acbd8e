"""A `gateway worker`-like process for the multi-process test: runner threads over the database at argv[1].

Prints its engine session id, then works until SIGTERM (the test may also SIGKILL it).
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any


def main(url: str, secret: str) -> None:
    from gateway.app import create_app
    from gateway.jobs.runner import Node

    settings = {
        "database_url": url,
        "secret_key": secret,
        "worker_threads": 0,
        "lease_seconds": 3,
        "heartbeat_seconds": 1,
        "worker_poll_seconds": 0.05,
    }
    app = create_app(settings)
    gateway = app.extensions["gateway"].extras["gateway.facade"]
    node = Node(gateway, kind="worker", threads=2)
    done = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    node.start()
    print(node.session_id, flush=True)
    done.wait()
    node.stop(grace=5)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
