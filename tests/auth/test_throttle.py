"""Sign-in throttling (issue 16, finding 5): nobody can lock anyone out from elsewhere, an office
behind one address is not locked out by one guesser, and a guesser waits longer and longer."""
from datetime import timedelta

import pytest

from propmgmt.auth.services import TooManyAttempts, authenticate, change_password, create_token, user_for_token

from ..factories import UserFactory

LIMITS = {"max_failures": 5, "window_minutes": 15}


def _try(user, password, address, now):
    return authenticate(user.username, password, address, now=now, **LIMITS)


def _fail(user, address, now, times=5):
    for i in range(times):
        assert _try(user, "wrong", address, now + timedelta(seconds=i)) is None


def test_failures_elsewhere_do_not_lock_the_user_out(db, now):
    user = UserFactory()
    _fail(user, "198.51.100.7", now)
    assert _try(user, "password123", "10.0.0.1", now + timedelta(seconds=10)) == user


def test_one_guesser_does_not_lock_out_the_office_behind_the_same_address(db, now):
    guessed, colleague = UserFactory(), UserFactory()
    _fail(guessed, "10.0.0.1", now)
    assert _try(colleague, "password123", "10.0.0.1", now + timedelta(seconds=10)) == colleague


def test_a_guesser_waits_longer_and_longer_and_is_told_how_long(db, now):
    user = UserFactory()
    _fail(user, "198.51.100.7", now)
    with pytest.raises(TooManyAttempts, match="1"):
        _try(user, "password123", "198.51.100.7", now + timedelta(seconds=30))
    assert _try(user, "wrong", "198.51.100.7", now + timedelta(minutes=1, seconds=5)) is None  # 6th
    with pytest.raises(TooManyAttempts):  # now two minutes
        _try(user, "password123", "198.51.100.7", now + timedelta(minutes=2, seconds=5))
    assert _try(user, "password123", "198.51.100.7", now + timedelta(minutes=3, seconds=10)) == user


def test_a_known_address_passes_the_users_ceiling(db, now):
    user = UserFactory()
    assert _try(user, "password123", "10.0.0.1", now) == user  # the office, known from now on
    for n in range(50):  # a botnet: 50 addresses, one failure each
        _try(user, "wrong", f"203.0.113.{n}", now + timedelta(seconds=n))
    later = now + timedelta(minutes=1)
    with pytest.raises(TooManyAttempts):
        _try(user, "password123", "192.0.2.1", later)
    assert _try(user, "password123", "10.0.0.1", later) == user


def test_a_password_change_revokes_api_tokens(db, now):
    user = UserFactory()
    token = create_token(user)
    assert user_for_token(token, now=now) == user
    change_password(user, "a new long password", now=now)
    assert user_for_token(token, now=now) is None
