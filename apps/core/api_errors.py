"""One JSON shape for every API error: ``{"error": {"code", "message", "details"}}``."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _message(value)
            return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
        return "Invalid request."
    if isinstance(detail, list):
        return _message(detail[0]) if detail else "Invalid request."
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
    response.data = {"error": {"code": code, "message": _message(detail), "details": detail}}
    return response


def bad_request(request, exception):
    """handler400: Django's refusals before a view runs (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many
    fields, a bad Host) answer API clients in the same JSON shape; pages get the normal 400 page."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.http import JsonResponse
    from django.views.defaults import bad_request as page

    if not request.path.startswith("/api/"):
        return page(request, exception)
    if isinstance(exception, RequestDataTooBig):
        body = {"code": "request_too_large", "message": "The request body is larger than the server accepts."}
        status = 413
    elif isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        body = {"code": "too_many_fields", "message": "The request has more fields or files than the server accepts."}
        status = 400
    else:
        body = {"code": "bad_request", "message": "The request could not be understood."}
        status = 400
    return JsonResponse({"error": {**body, "details": {}}}, status=status)


def not_found(request, exception):
    """handler404: an /api/ URL that matches no route (e.g. a non-numeric id) answers in the JSON error shape."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    return JsonResponse({"error": {"code": "not_found", "message": "Not found.", "details": {}}}, status=404)
