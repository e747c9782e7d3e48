"""A simulated workstation for the concurrency tests: its own process, its own login, many audit appends."""

from __future__ import annotations


def append_events(url: str, username: str, password: str, count: int) -> int:
    """Log in, then append `count` events, each in its own transaction, as a busy workstation does."""
    from hhdesk.services.agency import ServerAddress, login

    app = login(ServerAddress.parse(url), username, password)
    try:
        for number in range(count):
            with app.work(None) as uow:
                uow.audit("member_viewed", "member", number, detail=f"{username} event {number}")
    finally:
        app.close()
    return count
