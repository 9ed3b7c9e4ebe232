"""``X-DB-Queries``: how many SQL statements a request ran, for load tests and profiling.

Opt-in (``QUERY_COUNT_HEADER=1``): settings add this middleware first in ``MIDDLEWARE`` only then,
so it counts everything the request runs, authentication and other middleware included. It counts
the statements Django sends through its cursors (``connection.execute_wrapper``), on every
configured database the request touches; transaction control (BEGIN/COMMIT) is not a statement
Django executes and so is not counted.
"""
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

HEADER = "X-DB-Queries"


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class QueryCountMiddleware:
    def __init__(self, get_response):
        if not getattr(settings, "QUERY_COUNT_HEADER", False):
            raise MiddlewareNotUsed("QUERY_COUNT_HEADER is off.")
        self.get_response = get_response

    def __call__(self, request):
        counter = _Counter()
        with ExitStack() as stack:
            for alias in settings.DATABASES:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        response[HEADER] = str(counter.count)
        return response
