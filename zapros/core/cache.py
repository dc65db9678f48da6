"""Django's Redis cache, degrading instead of failing while Redis cannot be reached.

The cache only ever holds what can be had again: sessions (written through to the database:
``cached_db``), rate-limit counters and diagnostics results. So while Redis is down a read is
a miss, a write is dropped and a counter starts afresh, each logged; the page works from the
database, and rate limits count nothing until Redis is back. Errors other than an unreachable
or silent server still raise.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
_MISSING = object()


def _degrades(returns=None, *, missing_key=False):
    def wrap(method):
        @functools.wraps(method)
        def degraded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                logger.warning("The cache is unreachable (%s: %s); going on without it",
                               method.__name__, error)
                if missing_key:  # what a counter that expired meanwhile raises
                    raise ValueError("the cache is unreachable") from error
                if returns is _MISSING:
                    return kwargs.get("default", args[1] if len(args) > 1 else None)
                return returns() if callable(returns) else returns
        return degraded
    return wrap


class ResilientRedisCache(RedisCache):
    get = _degrades(_MISSING)(RedisCache.get)
    get_many = _degrades(dict)(RedisCache.get_many)
    has_key = _degrades(False)(RedisCache.has_key)
    set = _degrades(None)(RedisCache.set)
    set_many = _degrades(list)(RedisCache.set_many)
    add = _degrades(False)(RedisCache.add)
    touch = _degrades(False)(RedisCache.touch)
    delete = _degrades(False)(RedisCache.delete)
    delete_many = _degrades(None)(RedisCache.delete_many)
    incr = _degrades(missing_key=True)(RedisCache.incr)
    clear = _degrades(None)(RedisCache.clear)
