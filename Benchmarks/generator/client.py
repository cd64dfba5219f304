"""HTTP/1.1 with keep-alive to the four services, one connection per service and thread."""
import http.client
import json
import threading
import time
from urllib.parse import urlparse


class GeneratorError(Exception):
    pass


class Client:
    """Sends JSON requests as the bearer of `token`; counts them. A 503 (the service shedding load
    or waiting for its database) is retried after its Retry-After, a dropped connection once
    (requests that create carry an Idempotency-Key, or are reads); any other answer than the
    expected statuses stops the run with what the service said."""

    def __init__(self, bases, token=None):
        self.bases = {name: urlparse(url) for name, url in bases.items()}
        self.token = token
        self.local = threading.local()
        self.lock = threading.Lock()
        self.requests = 0

    def _connection(self, service, fresh=False):
        connections = self.local.__dict__.setdefault("connections", {})
        if fresh or service not in connections:
            if service in connections:
                connections[service].close()
            url = self.bases[service]
            connections[service] = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        return connections[service]

    def call(self, service, method, path, body=None, expect=(200, 201), headers=None, retry_drop=False):
        """The decoded JSON answer (None when empty) to `method path` on `service`."""
        return self.send(service, method, path, body, expect, headers, retry_drop)[1]

    def send(self, service, method, path, body=None, expect=(200, 201), headers=None, retry_drop=False):
        """The status and the decoded JSON answer (None when empty) to `method path` on `service`."""
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            sent["Content-Type"] = "application/json"
        for attempt in range(8):
            connection = self._connection(service, fresh=attempt > 0)
            try:
                connection.request(method, path, body=data, headers=sent)
                response = connection.getresponse()
                payload = response.read()
            except (ConnectionError, http.client.HTTPException, TimeoutError) as error:
                if attempt == 0 and (method == "GET" or retry_drop):
                    continue
                raise GeneratorError(f"{method} {service}{path}: {error}") from error
            with self.lock:
                self.requests += 1
            if response.status == 503 and attempt < 7:
                time.sleep(float(response.getheader("Retry-After") or 1))
                continue
            if response.status not in expect:
                raise GeneratorError(f"{method} {service}{path} answered {response.status}: {payload[:600].decode('utf-8', 'replace')}")
            return response.status, json.loads(payload) if payload else None
        raise GeneratorError(f"{method} {service}{path}: still unavailable after retries")
