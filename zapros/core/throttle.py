"""Counting events per key in fixed windows of time, in the shared cache (Redis in production,
so the count is the same in every process).

A window is a slice of the clock (``[k·seconds, (k+1)·seconds)``), named in the counter's key,
so the counter needs no bookkeeping: it expires with its window, and how long until the next
one is plain arithmetic (the ``Retry-After`` an answer gives). Counting costs one round trip to
the cache when the counter exists, three when a window opens. At the border of two windows a
key can get up to twice its allowance in a short time; the limits here are against floods and
guessing, where that does not matter.
"""

import hashlib
import math
from dataclasses import dataclass

from django.core.cache import cache

from . import clock


@dataclass(frozen=True)
class Limit:
    count: int      # events allowed in a window; 0 or less: no limit
    seconds: int    # the window's length

    def window(self) -> tuple[int, int]:
        """The current window's number and the seconds until it closes (at least 1)."""
        seconds = max(int(self.seconds), 1)
        now = clock.now().timestamp()
        number = math.floor(now / seconds)
        return number, max(math.ceil((number + 1) * seconds - now), 1)


def key(kind: str, *parts) -> str:
    """A cache key for ``kind`` and ``parts``; the parts are hashed, so that what people typed
    (an e-mail address) is neither kept in the cache in clear nor limited by its key syntax."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f"zapros:throttle:{kind}:{digest[:32]}"


def _window_key(name: str, limit: Limit) -> tuple[str, int]:
    number, remaining = limit.window()
    return f"{name}:{limit.seconds}:{number}", remaining


def wait(name: str, limit: Limit) -> int | None:
    """Seconds to wait when ``name`` has used up its allowance in this window, else None.
    Counts nothing."""
    if limit.count <= 0:
        return None
    window_key, remaining = _window_key(name, limit)
    return remaining if (cache.get(window_key) or 0) >= limit.count else None


def count(name: str, limit: Limit) -> int:
    """Count one event for ``name`` in this window; the count so far, this one included."""
    window_key, remaining = _window_key(name, limit)
    try:
        return cache.incr(window_key)
    except ValueError:   # the first event of the window
        cache.add(window_key, 0, timeout=remaining + 1)
        try:
            return cache.incr(window_key)
        except ValueError:   # expired between the two calls: the next window's first event
            cache.set(window_key, 1, timeout=remaining + 1)
            return 1


def take(name: str, limit: Limit) -> int | None:
    """Count one event for ``name``; seconds to wait when it was one too many (it then does
    not count against later windows), else None."""
    if limit.count <= 0:
        return None
    if count(name, limit) > limit.count:
        return limit.window()[1]
    return None


def forget(name: str, limit: Limit) -> None:
    """Start ``name``'s count in this window again."""
    cache.delete(_window_key(name, limit)[0])
