"""Who holds an outbox row: one name per running bot process, and how long a claim lasts unrenewed.

A claim outlives its owner by at most `DEFAULT_LEASE`: after a crash (kill -9 included) the rows the dead
process had claimed but not sent are taken up by the next sender that looks, this process's successor or
another process sharing the database.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

DEFAULT_LEASE = timedelta(seconds=30)


def new_owner() -> str:
    """Unique per process start: a restarted bot must not mistake its predecessor's claims for its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
