"""GET / answers the greeting: the watch suite's Python service."""

import http.server
import signal
import socket
import sys

from greeting import GREETING


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{GREETING} served_by={socket.gethostname()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # a request every 10 ms would flood the container's log


def main():
    # As PID 1 the interpreter ignores SIGTERM unless it handles it: exit
    # at once, so a restart does not wait out the stop timeout.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
