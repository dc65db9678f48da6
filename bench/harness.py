"""What both benchmarks share: gunicorn on 127.0.0.1, a signed-in browser over http.client,
and the timing of sequential and concurrent requests.

Standard library only: ``bench/run.py`` (Zapros) and ``bench/helpdesk/run.py`` (django-helpdesk,
in a virtualenv of its own) measure with the same code.
"""

import http.client
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

# Every server the benchmarks start: two processes of four threads each.
GUNICORN_OPTIONS = ["--bind", "127.0.0.1:0", "--workers", "2", "--threads", "4",
                    "--worker-class", "gthread", "--log-level", "info"]


class Server:
    """gunicorn serving ``app`` from ``directory`` on 127.0.0.1, on a port the system picks."""

    def __init__(self, gunicorn: Path, app: str, directory: Path, env: dict):
        self.command = [str(gunicorn), app, "--chdir", str(directory), *GUNICORN_OPTIONS]
        self.directory = directory
        # The code this checkout holds, whatever else the environment points at.
        self.env = {**os.environ, **env, "PYTHONPATH": str(directory)}
        self.process = None
        self.port = None

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=self.directory, env=self.env,
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                break
        else:
            raise RuntimeError("gunicorn did not say where it listens")
        # Keep reading its log so that it never blocks on a full pipe.
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        time.sleep(1.0)  # let both workers boot
        return self

    def workers(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.process.pid}$", status, re.M):
                pids.append(int(entry))
        return sorted(pids)

    def memory(self) -> dict:
        """Peak (VmHWM) and current (VmRSS) resident memory of each worker, in MiB."""
        out = {}
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            hwm = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
            rss = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
            out[str(pid)] = {"peak_mib": round(hwm / 1024, 1), "rss_mib": round(rss / 1024, 1)}
        out["max_peak_mib"] = max((v["peak_mib"] for v in out.values()), default=None)
        return out

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """Cookies and CSRF for one signed-in person, over http.client."""

    def __init__(self, port, *, timeout: float = 60):
        self.port = port
        self.timeout = timeout
        self.cookies = {}

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def request(self, method, path, body=None, headers=None, connection=None):
        own = connection is None
        connection = connection or self.connect()
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        if own:
            connection.close()
        return response.status, content, response

    def csrf(self, path):
        _status, content, _response = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        return match.group(1).decode()

    def sign_in(self, path: str, username: str, password: str, next: str = ""):
        """Through the site's own login form at ``path``."""
        token = self.csrf(path)
        status, _content, _response = self.request("POST", path, {
            "csrfmiddlewaretoken": token, "username": username, "password": password,
            "next": next,
        }, headers={"Referer": f"http://127.0.0.1:{self.port}{path}"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"could not sign in as {username}: {status}")
        return self


def timed(browser, method, path, count, headers=None, body=None, expect=(200,)):
    """Latencies in ms of ``count`` sequential requests on one kept-alive connection."""
    connection = browser.connect()
    times = []
    for _ in range(count):
        began = time.perf_counter()
        status, _content, _response = browser.request(method, path, body=body, headers=headers,
                                                      connection=connection)
        times.append((time.perf_counter() - began) * 1000)
        if status not in expect:
            raise RuntimeError(f"{method} {path} answered {status}")
    connection.close()
    return times


def throughput(browser, path, total, concurrency, headers=None):
    """Requests per second of ``total`` GETs spread over ``concurrency`` threads."""
    per_thread = max(1, total // concurrency)
    errors = []

    def worker():
        try:
            timed(browser, "GET", path, per_thread, headers=headers)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return per_thread * concurrency / (time.perf_counter() - began)


def summary(times) -> dict:
    ordered = sorted(times)
    return {"n": len(times), "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "max_ms": round(ordered[-1], 2)}


def rate(times) -> float:
    """Operations per second of sequential ``times`` (ms): 1 / their mean."""
    return round(len(times) / (sum(times) / 1000), 1)


def cpu_reference() -> float:
    """Milliseconds this machine takes for a fixed piece of pure Python (the best of three).

    A shared virtual machine's speed changes from hour to hour: recorded beside each run, it
    tells whether two runs' latencies differ because of the code or because of the machine.
    """
    def work():
        words = {}
        for i in range(400_000):
            key = f"w{i % 997}"
            words[key] = words.get(key, 0) + i
        return sum(words.values())

    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        work()
        best = min(best, (time.perf_counter() - began) * 1000)
    return round(best, 1)
