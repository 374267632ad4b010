"""The installation's secrets: the personal-data hashing key and the session key.

Each comes from an environment variable or a file in data/ (readable by its
owner only; data/ keys are ignored by git). In the demo, a missing file is
generated on first use. In production (CIVIC_MODE=production) nothing is
generated: a missing secret stops the program with a message saying where
to put it, because a new hashing key would silently stop linking people
across months, and a guessable session key would let anyone in.
"""

from __future__ import annotations

import os
import secrets as random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import config


class MissingSecret(RuntimeError):
    """Production mode and a secret is neither in the environment nor in its file."""


@dataclass(frozen=True)
class Secret:
    env: str  # the variable's name, for messages; config reads it
    file: str
    what: str
    from_env: Callable[[], str | None]


HASHING = Secret(
    "CIVIC_SECRET", "secret.key", "个人信息（身份证号、电话）加密哈希的密钥", config.hashing_secret
)
SESSION = Secret("CIVIC_SESSION_KEY", "session.key", "登录会话的签名密钥", config.session_key)
ALL = (HASHING, SESSION)


def production() -> bool:
    return config.production()


def get(secret: Secret, folder: Path | None = None) -> bytes:
    """The secret's value: its variable, else its file (made in demo mode only)."""
    value = secret.from_env()
    if value:
        return value.encode()
    path = (folder or config.data_dir()) / secret.file
    if not path.exists():
        if production():
            raise MissingSecret(
                f"缺少{secret.what}：生产模式下请设置环境变量 {secret.env}，"
                f"或把它写入 {path}（权限 600，不要提交到代码库）"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago
            return path.read_text().strip().encode()
        with os.fdopen(fd, "w") as f:
            f.write(random.token_hex(32) + "\n")
    value = path.read_text().strip()
    if not value:
        raise MissingSecret(f"{path} 是空文件：请写入{secret.what}")
    return value.encode()


def check(folder: Path | None = None) -> list[str]:
    """Problems with the secrets (empty: all present or, in the demo, creatable)."""
    problems = []
    for s in ALL:
        try:
            get(s, folder)
        except MissingSecret as e:
            problems.append(str(e))
    return problems
