"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the last a check digit."""
import re

# The code's 31 characters: digits and capitals without I, O, Z, S, V (the standard's table 1).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
SHAPE = re.compile(f"^[{ALPHABET}]{{18}}$")


def check_character(first17: str) -> str:
    """The 18th character for the first 17: C18 = 31 - (Σ Ci·Wi mod 31), where 31 becomes 0."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """As typed in forms: surrounding spaces and lower case letters are accepted."""
    return (code or "").strip().upper()


def is_valid(code: str) -> bool:
    return bool(SHAPE.match(code)) and check_character(code[:17]) == code[17]
