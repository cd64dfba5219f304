"""A progress bar with the rate and an estimate of the time left, on a terminal; elsewhere a line
every tenth of the way."""
import sys
import threading
import time


class Progress:
    def __init__(self, total, label, requests=0, stream=sys.stderr):
        self.total, self.label, self.stream = total, label, stream
        self.done, self.requests_before = 0, requests
        self.started = time.monotonic()
        self.shown = 0.0
        self.tenth = 0
        self.terminal = stream.isatty()
        self.lock = threading.Lock()

    def advance(self, requests):
        """One more item done; `requests`: how many the client has sent in all."""
        requests -= self.requests_before
        with self.lock:
            self.done += 1
            now = time.monotonic()
            finished = self.done == self.total
            if self.terminal and (now - self.shown >= 0.25 or finished):
                self.shown = now
                self.stream.write("\r" + self.line(requests, now) + ("\n" if finished else ""))
                self.stream.flush()
            elif not self.terminal and (self.done * 10 // max(1, self.total) > self.tenth or finished):
                self.tenth = self.done * 10 // max(1, self.total)
                self.stream.write(self.line(requests, now) + "\n")
                self.stream.flush()

    def line(self, requests, now):
        elapsed = max(now - self.started, 1e-6)
        share = self.done / max(1, self.total)
        left = elapsed / share - elapsed if share > 0 else 0
        bar = "#" * int(share * 30)
        return (f"{self.label} [{bar:<30}] {self.done}/{self.total} {share:6.1%}  {requests / elapsed:6.0f} req/s  "
                f"{self.done / elapsed:6.1f}/s  left {int(left // 60)}m{int(left % 60):02d}s")
