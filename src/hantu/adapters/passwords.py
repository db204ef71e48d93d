"""Password hashing with argon2id (argon2-cffi), behind two small functions.

argon2-cffi is imported on first use: a monitor process, which never sees a password, does
not carry it (about 1 MB resident with cffi).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


class PasswordHashing:
    """Hash and verify passwords; the parameters are argon2-cffi's RFC 9106 defaults.

    Tests may pass cheaper parameters (`time_cost=1, memory_cost=8`) to stay fast.
    """

    def __init__(self, *, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        self._time_cost = time_cost
        self._memory_cost = memory_cost

    @cached_property
    def _hasher(self) -> PasswordHasher:
        from argon2 import PasswordHasher

        if self._time_cost is None and self._memory_cost is None:
            return PasswordHasher()
        return PasswordHasher(
            time_cost=self._time_cost or 2, memory_cost=self._memory_cost or 19_456, parallelism=1
        )

    def hash(self, password: str) -> str:
        """Return a salted argon2id hash string that embeds its parameters."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Tell whether the password matches; never raises for a wrong password or bad hash."""
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def dummy_verify(self, password: str) -> None:
        """Spend the time of one verification, so an unknown username takes as long."""
        self.verify(self._dummy_hash(), password)

    def _dummy_hash(self) -> str:
        cached: str | None = getattr(self, "_dummy", None)
        if cached is None:
            cached = self._hasher.hash("dummy-password-for-timing")
            self._dummy = cached
        return cached
