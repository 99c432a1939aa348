"""Shared fixtures: staff users per role, each with a TOTP second factor."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from hypothesis import settings as hypothesis_settings

from kc.core import roles
from kc.core.models import User

STAFF_PASSWORD = "Kundencenter-Test-2026!"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"

# Tests never assert on time: hypothesis's 200 ms deadline per example failed property tests
# on a machine busy with other test processes.
hypothesis_settings.register_profile("kc", deadline=None)
hypothesis_settings.load_profile("kc")


def make_staff(username: str, role: str | None, *, with_mfa: bool = True) -> User:
    user = User.objects.create_user(username=username, password=STAFF_PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if with_mfa:
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # PBKDF2's deliberate slowness protects production, not test databases.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_sla_config() -> None:
    # The SLA targets are cached per process; each test starts from its own database.
    from kc.cases.sla import forget_config

    forget_config()


@pytest.fixture
def agent(db: None) -> User:
    return make_staff("agent", roles.AGENT)


@pytest.fixture
def admin_user(db: None) -> User:
    return make_staff("admin", roles.ADMIN)


@pytest.fixture
def agent_client(client, agent):  # type: ignore[no-untyped-def]
    client.force_login(agent)
    return client


# --- Added by the test tooling (Makefile, e2e/) ---------------------------------------


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):  # type: ignore[no-untyped-def]
    """Tests run with DEBUG=False, where settings pick the manifest storage that needs
    `collectstatic`; tests serve and link static files without a manifest instead."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL."""
    from django.conf import settings as django_settings

    if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test-postgres)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Letters, batch PDFs and attachments of a test land in its own folder, not in var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():  # type: ignore[no-untyped-def]
    """Every test starts in the default language: a request in English (LocaleMiddleware)
    leaves its language active in the thread for the tests that follow."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
