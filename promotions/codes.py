"""Coupon codes: unguessable, short enough to type, with a check character.

A code is 11 random characters from a CSPRNG over a 32-letter alphabet without look-alikes
(no 0/O, 1/I), 55 bits, plus one Luhn mod 32 check character: 12 characters, shown in three
groups of four (``7KQM 4XR2 P9TA``). The check character catches every single mistyped
character and almost every swap of two neighbours *before* any database lookup, so a typo or a
tampered code is told apart from an unknown one at no cost. Guessing is what the 55 random bits
are for: one valid code among 3.6 × 10^16.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 32
_INDEX = {char: n for n, char in enumerate(ALPHABET)}
RANDOM_LENGTH = 11
CODE_LENGTH = RANDOM_LENGTH + 1
# What people type for a character that is not in the alphabet, or between groups.
_SEPARATORS = str.maketrans("", "", " -_.\u3000\t")


def _luhn_sum(chars: str, double_first: bool) -> int:
    total = 0
    double = double_first
    for char in reversed(chars):
        value = _INDEX[char] * (2 if double else 1)
        total += value // BASE + value % BASE
        double = not double
    return total


def check_char(body: str) -> str:
    """The Luhn mod 32 check character of ``body`` (characters of :data:`ALPHABET`)."""
    return ALPHABET[(BASE - _luhn_sum(body, double_first=True) % BASE) % BASE]


def code_new() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_char(body)


def code_normalise(text: str) -> str:
    """What was typed or scanned, without spaces and dashes, in capitals."""
    return (text or "").strip().translate(_SEPARATORS).upper()[:40]


def code_well_formed(code: str) -> bool:
    """Whether ``code`` (normalised) has the right length, alphabet and check character."""
    return (len(code) == CODE_LENGTH and all(char in _INDEX for char in code)
            and _luhn_sum(code, double_first=False) % BASE == 0)


def code_display(code: str) -> str:
    return " ".join(code[n:n + 4] for n in range(0, len(code), 4))


def code_masked(code: str) -> str:
    """What staff see of a code (``**** **** P9TA``): the code is the coupon itself, shown whole
    only to its holder. The one masked form, for the API, the admin and ``str(coupon)``."""
    return f"**** **** {code[-4:]}"
