"""A background worker: writes a heartbeat file every second."""

import os
import time
from pathlib import Path


def main() -> None:
    heartbeat = Path(os.environ.get("WORKER_HEARTBEAT", "worker.heartbeat"))
    while True:
        heartbeat.write_text(f"{time.time()}\n")
        time.sleep(1)


if __name__ == "__main__":
    main()
