"""Sign-in throttling in Redis, per account and per address: every attempt is counted before the password is
checked (so a burst costs at most the limit in password hashing); a success empties the account's count and gives
the address its attempt back (an office behind one address signs in every morning); a lockout ends with its window
(15 minutes at most) or when an admin clears it."""

from core import ratelimit
from core.settings import Settings


def _account_bucket(email: str) -> str:
    """The account's bucket (emails compare case-insensitively)."""
    return f"login-account:{email.strip().lower()}"


def _address_bucket(address: str) -> str:
    """The address's bucket."""
    return f"login-address:{address}"


def attempt(*, email: str, address: str, settings: Settings) -> None:
    """Count a sign-in attempt; 429 with Retry-After when the account or the address has had too many."""
    window = settings.login_window_seconds
    ratelimit.enforce(
        bucket=_address_bucket(address),
        limit=settings.login_attempts_per_address,
        window_seconds=window,
        what="sign-in attempts from this address",
    )
    ratelimit.enforce(
        bucket=_account_bucket(email),
        limit=settings.login_attempts_per_account,
        window_seconds=window,
        what="sign-in attempts for this account",
    )


def succeeded(*, email: str, address: str) -> None:
    """A sign-in that worked: the account starts afresh, the address gets its attempt back."""
    clear(email)
    ratelimit.refund(_address_bucket(address))


def clear(email: str) -> None:
    """Forget the account's attempts (an admin lifting its lockout)."""
    ratelimit.reset(_account_bucket(email))
