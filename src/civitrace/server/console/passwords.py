"""Staff passwords: argon2id hashes (argon2-cffi), a length policy, and constant work for
unknown user names.

A sign-in with an unknown user name still verifies a password against a fixed hash of the same
cost, so the time taken does not tell which user names exist.
"""

from dataclasses import dataclass, field
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from civitrace.server.console.errors import ConsoleInputError
from civitrace.server.console.settings import ConsoleSettings

MAX_PASSWORD_LENGTH = 1024  # characters; argon2 takes any length, forms should not


@dataclass(frozen=True)
class Passwords:
    """Hashes and checks passwords with the configured argon2id cost."""

    settings: ConsoleSettings
    _hasher: PasswordHasher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hasher = PasswordHasher(
            time_cost=self.settings.argon2_time_cost,
            memory_cost=self.settings.argon2_memory_kib,
            parallelism=self.settings.argon2_parallelism,
            type=Type.ID,
        )
        object.__setattr__(self, "_hasher", hasher)

    def check_policy(self, password: str, field_name: str = "password") -> None:
        """Refuse a password that is too short or too long (length is what protects)."""
        minimum = self.settings.password_min_length
        if len(password) < minimum:
            raise ConsoleInputError(f"{field_name}: must be at least {minimum} characters")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ConsoleInputError(
                f"{field_name}: must be at most {MAX_PASSWORD_LENGTH} characters"
            )

    def hash(self, password: str) -> str:
        """The PHC-format argon2id hash of ``password`` (with a random salt)."""
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        """True if ``password`` matches ``stored_hash``; any malformed hash is a mismatch."""
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other parameters than today's."""
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("civitrace: no such account")

    def waste_time(self, password: str) -> None:
        """Do the work of one verification for a user name that does not exist."""
        self.verify(self._dummy_hash, password)
