"""Login throttling: failed password attempts counted per username and client address, in the cache.

After ``LOGIN_FAILURES_PER_USER`` failures for one username from one address (or
``LOGIN_FAILURES_PER_ADDRESS`` failures from one address over all usernames) within
``LOGIN_THROTTLE_SECONDS``, the login form refuses to check more passwords until the window ends. A
successful login clears the username's counter. The counters live in the default cache: set
``CACHE_URL`` to Redis so that every gunicorn worker shares them.

When the cache cannot be reached (Redis down), throttling fails open: logins are checked as if no
attempt had been counted, and each cache error is logged as a warning. A cache outage must not lock
everybody out; the password check itself still applies.
"""
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lockout:
    retry_after: int  # seconds until attempts are counted afresh

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        return (f"Too many failed login attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
                "or ask an admin to reset your password.")


def client_address(request) -> str:
    """The address the request came from (REMOTE_ADDR: a proxy in front must pass the real one)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(*parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def _keys(username: str, address: str) -> tuple[tuple[str, int], tuple[str, int]]:
    return (
        (_key("user", username.strip().lower(), address), settings.LOGIN_FAILURES_PER_USER),
        (_key("address", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    )


def lockout_for(username: str, address: str) -> Lockout | None:
    """A Lockout when this username from this address (or this address) has used up its attempts."""
    now = time.time()
    for key, limit in _keys(username, address):
        entry = _cache_call(cache.get, key)
        if entry and entry[0] >= limit and entry[1] > now:
            return Lockout(retry_after=int(entry[1] - now) + 1)
    return None


def record_failure(username: str, address: str) -> None:
    """Counts one failed attempt; the window starts at the first failure."""
    window = settings.LOGIN_THROTTLE_SECONDS
    now = time.time()
    for key, _limit in _keys(username, address):
        entry = _cache_call(cache.get, key)
        if not entry or entry[1] <= now:
            entry = (0, now + window)
        _cache_call(cache.set, key, (entry[0] + 1, entry[1]), timeout=max(1, int(entry[1] - now) + 1))


def record_success(username: str, address: str) -> None:
    _cache_call(cache.delete, _keys(username, address)[0][0])


def _cache_call(operation, *args, **kwargs):
    """``operation(*args, **kwargs)``, or None with a warning when the cache is unreachable (fail open)."""
    try:
        return operation(*args, **kwargs)
    except Exception as error:  # redis ConnectionError/TimeoutError, OSError: whatever the backend raises
        log.warning("Login throttling skipped: the cache is unavailable (%s: %s).", type(error).__name__, error)
        return None
