"""Query codes (查询码) and SMS codes: made, kept as salted hashes, compared in constant time.

A query code is 8 digits derived from the portal form's nonce with the secret key, so a
form sent twice (a double tap, a reload of the answer) gets the same ticket and shows
the same code, and nobody without the form's nonce and the key can make it. Only a
salted PBKDF2 hash of it is stored; checking one costs the same whether or not the
ticket exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ITERATIONS = 20_000
QUERY_DIGITS = 8
SMS_DIGITS = 6
#: Compared against when there is no real hash (an unknown ticket number): same work.
_DUMMY = "pbkdf2_sha256$20000$00000000000000000000000000000000$" + "0" * 64


def query_code(secret_key: str, nonce: str) -> str:
    """The query code of the form whose nonce is ``nonce`` (8 digits)."""
    mac = hmac.new(secret_key.encode(), b"portal-query-code:" + nonce.encode(), hashlib.sha256)
    return f"{int.from_bytes(mac.digest()[:8], 'big') % 10**QUERY_DIGITS:0{QUERY_DIGITS}d}"


def ticket_key(nonce: str) -> str:
    """The idempotency key of the ticket a portal form makes (the nonce itself is not kept)."""
    return "m:" + hashlib.sha256(nonce.encode()).hexdigest()[:48]


def sms_code() -> str:
    return f"{secrets.randbelow(10**SMS_DIGITS):0{SMS_DIGITS}d}"


def hash_code(code: str) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${salt}${digest.hex()}"


def code_matches(code: str, stored: str | None) -> bool:
    """Whether ``code`` is the one hashed in ``stored`` (constant time; an absent hash
    costs the same and never matches)."""
    try:
        _scheme, rounds, salt, expected = (stored or _DUMMY).split("$")
        digest = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected) and stored is not None


def clean_code(value: str | None, digits: int) -> str:
    """What the caller typed, without spaces or dashes (full-width digits accepted)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    return text if len(text) == digits and text.isascii() and text.isdigit() else ""
