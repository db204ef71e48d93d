"""Web sign-in sessions and password changes.

A session lives on the server: the browser's signed cookie carries only a random session
id, the database only that id's digest. Logging out deletes the row, so a copy of the
cookie taken before is refused afterwards; changing a password deletes the user's other
sessions, so whoever knew the old password is signed out everywhere.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from hantu.domain.accounts import User, UserId, check_password, token_digest
from hantu.domain.errors import NotFound
from hantu.service_layer.accounts import AccountsDeps

MAX_SESSION_ID = 128


async def start_session(deps: AccountsDeps, user_id: UserId, lifetime: timedelta) -> str:
    """Open a session for a user who has just proven their password; returns its id."""
    session_id = secrets.token_urlsafe(32)
    now = deps.clock.now()
    async with deps.uow() as uow:
        await uow.accounts.add_session(user_id, token_digest(session_id), now, now + lifetime)
        await uow.commit()
    return session_id


async def session_user(deps: AccountsDeps, session_id: str) -> User | None:
    """The user of a live session; None once it was ended, replaced or has expired."""
    if not session_id or len(session_id) > MAX_SESSION_ID:
        return None
    async with deps.uow(read_only=True) as uow:
        return await uow.accounts.user_of_session(token_digest(session_id), deps.clock.now())


async def end_session(deps: AccountsDeps, session_id: str) -> None:
    """Log out: the session is refused from now on, whoever holds a copy of the cookie."""
    async with deps.uow() as uow:
        await uow.accounts.delete_session(token_digest(session_id))
        await uow.commit()


async def change_password(
    deps: AccountsDeps, user: User, current: str, new: str, *, keep_session: str | None
) -> bool:
    """Replace a password after checking the current one; ends every other session.

    Returns False (and changes nothing) when the current password is wrong.
    """
    check_password(new)
    if not await asyncio.to_thread(deps.hasher.verify, user.password_hash, current):
        return False
    keep = token_digest(keep_session) if keep_session else None
    await _store_password(deps, user.id, new, keep=keep)
    return True


async def reset_password(deps: AccountsDeps, username: str, new: str) -> User:
    """Set a user's password without the old one (the operator's CLI); ends every session."""
    check_password(new)
    async with deps.uow(read_only=True) as uow:
        user = await uow.accounts.user_by_username(username)
    if user is None:
        raise NotFound("user")
    await _store_password(deps, user.id, new, keep=None)
    return user


async def _store_password(
    deps: AccountsDeps, user_id: UserId, new: str, *, keep: str | None
) -> None:
    password_hash = await asyncio.to_thread(deps.hasher.hash, new)  # argon2: off the loop
    async with deps.uow() as uow:
        await uow.accounts.set_password_hash(user_id, password_hash)
        await uow.accounts.delete_sessions_of(user_id, keep=keep)
        await uow.commit()
