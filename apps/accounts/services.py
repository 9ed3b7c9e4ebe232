"""Writes for accounts: API tokens and external annotators."""
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ApiToken, User


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned once and never stored; only its digest is."""
    key = f"ap_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100] or "API token", prefix=key[:10], digest=ApiToken.digest_for(key)
    )
    return token, key


def token_revoke(*, user: User, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


EXTERNAL_PREFIX = "ext-"


class ExternalNameTaken(ValueError):
    """An imported annotator's ``ext-`` username already belongs to a registered (non-external) user."""


def external_username(name: str) -> str:
    return (EXTERNAL_PREFIX + name.strip())[:150]


def external_annotators(names: set[str]) -> dict[str, User]:
    """The users that stand for annotators named in an imported file, created as needed.

    They are ``is_external``, inactive and have no password, with username ``ext-<name>``.
    Raises ExternalNameTaken rather than hand out a registered user's account.
    """
    usernames = {name: external_username(name) for name in names}
    found = {u.username: u for u in User.objects.filter(username__in=usernames.values())}
    taken = sorted(username for username, user in found.items() if not user.is_external)
    if taken:
        raise ExternalNameTaken(f"usernames of registered users: {', '.join(taken)}")
    missing = [u for u in set(usernames.values()) if u not in found]
    for username in missing:
        try:
            with transaction.atomic():
                user = User(username=username, is_external=True, is_active=False)
                user.set_unusable_password()
                user.save()
        except IntegrityError:  # created concurrently
            user = User.objects.get(username=username)
            if not user.is_external:
                raise ExternalNameTaken(f"usernames of registered users: {username}") from None
        found[username] = user
    return {name: found[username] for name, username in usernames.items()}
