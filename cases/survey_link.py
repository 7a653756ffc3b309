"""The survey link in a resolved case's email: `/survey/<token>`, the token a signed reference to the case (an HMAC
with the app's secret key), so it cannot be guessed or altered to reach another case."""

import hashlib
import hmac
import re

from core.settings import get_settings

TOKEN = re.compile(r"^(\d{1,10})-([0-9a-f]{32})$")


def _signature(case_id: int) -> str:
    """The HMAC-SHA256 of the case's survey reference, 32 hex digits."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"survey-case:{case_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token(case_id: int) -> str:
    """The survey token of a case."""
    return f"{case_id}-{_signature(case_id)}"


def survey_url(case_id: int) -> str:
    """The survey page of a case, as the customer's email links it."""
    return f"{get_settings().public_url.rstrip('/')}/survey/{token(case_id)}"


def case_of(survey_token: str) -> int | None:
    """The case id a token signs, or None for a forged, altered or malformed one."""
    found = TOKEN.match(survey_token)
    if found is None or not hmac.compare_digest(found.group(2), _signature(int(found.group(1)))):
        return None
    return int(found.group(1))
