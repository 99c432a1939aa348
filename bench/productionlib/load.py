"""Closed-loop HTTP load without think time: N threads, each with its own keep-alive session,
request after request for a fixed time. Counts answers that are not 200 as errors."""

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Result:
    label: str
    users: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def portal_session(base: str, email: str, password: str) -> requests.Session:
    """A customer logged in through the portal's login form (a real password check)."""
    session = requests.Session()
    page = session.get(f"{base}/portal/anmelden/", timeout=30)
    found = CSRF.search(page.text)
    answer = session.post(
        f"{base}/portal/anmelden/",
        data={
            "csrfmiddlewaretoken": found.group(1) if found else "",
            "email": email,
            "password": password,
            "next": "/portal/",
        },
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"portal login of {email} answered {answer.status_code}")
    return session


def token_session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def run(
    label: str,
    sessions: list[requests.Session],
    paths: Callable[[int], str],
    base: str,
    seconds: float,
) -> Result:
    """Every session in its own thread asks for paths(i) (i counts its requests)."""
    result = Result(label, len(sessions), seconds)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(session: requests.Session) -> None:
        i = 0
        mine: list[float] = []
        bad: Counter[str] = Counter()
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                answer = session.get(base + paths(i), allow_redirects=False, timeout=30)
                status = str(answer.status_code)
            except requests.RequestException as exc:
                status = type(exc).__name__
            if status == "200":
                mine.append((time.perf_counter() - started) * 1000)
            else:
                bad[status] += 1
            i += 1
        with lock:
            result.latencies_ms.extend(mine)
            result.errors += sum(bad.values())
            result.failures.update(bad)

    threads = [threading.Thread(target=user, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
