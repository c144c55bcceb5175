"""An app for the health-wait bench: it answers 200 only 0.3 s after it starts."""

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTUP_SECONDS = 0.3


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    time.sleep(STARTUP_SECONDS)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Health).serve_forever()
