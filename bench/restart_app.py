"""The bench's RESTART_COMMAND: stop the slow app if it runs, start it again, return.

restart_app.py PIDFILE PORT SERVICE
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

pidfile, port = Path(sys.argv[1]), sys.argv[2]
if pidfile.exists():
    pid = int(pidfile.read_text())
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    # A stopped app no one has reaped yet shows as a zombie: gone for our purpose.
    while stat.exists() and ") Z " not in stat.read_text():
        time.sleep(0.005)
app = Path(__file__).with_name("slow_app.py")
started = subprocess.Popen(
    [sys.executable, str(app), port],
    stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    start_new_session=True,
)
pidfile.write_text(str(started.pid))
