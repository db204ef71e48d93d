"""Encryption at rest for broker secrets and webhook tokens (Fernet from `cryptography`).

The key comes from settings (`HANTU_SECRET_KEY`) or, on embedded defaults, from
`<data_dir>/secret.key`, generated once with 0600 permissions. Losing the key makes stored
broker secrets unreadable (they must then be entered again), so the file is never rotated
silently.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from hantu.errors import ConfigError

KEY_FILE = "secret.key"


class SecretsBox:
    """Encrypt and decrypt short strings; the ciphertext is URL-safe text."""

    def __init__(self, key: bytes | str) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError("HANTU_SECRET_KEY: not a valid Fernet key") from None

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a secret for storage."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """Decrypt a stored secret; a wrong key is a configuration problem, not data loss."""
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ConfigError(
                "HANTU_SECRET_KEY: stored secrets cannot be decrypted with this key"
            ) from None


def load_or_create_key(data_dir: Path, file_name: str = KEY_FILE) -> bytes:
    """Read the key file under the data dir, creating it (0600) on first start."""
    path = data_dir / file_name
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key
