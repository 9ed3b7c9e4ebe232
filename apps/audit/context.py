"""The request being served, for the audit trail: who is acting and from which address.

``AuditContextMiddleware`` puts the current request in a context variable so that
``services.record_event`` (called deep inside services or model signals) can fill in the actor and the
client address without every service taking a request. Outside a request (management commands, Celery
tasks) both stay empty and the event is recorded as done by the system unless an actor is given.
"""
from contextvars import ContextVar

_current_request: ContextVar = ContextVar("audit_current_request", default=None)


def current_request():
    return _current_request.get()


def current_user():
    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def current_ip() -> str | None:
    request = current_request()
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
