"""Shift model: end after start, no overlap per user and day (model check and, on PostgreSQL,
the exclusion constraint)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from conftest import make_staff
from kc.core import roles
from kc.desk.models import Location, PresenceEvent, Shift

DAY = datetime.date(2026, 12, 1)


def shift(user, start, end, *, day=DAY, location=Location.HOME_OFFICE):
    return Shift(
        user=user,
        day=day,
        start=datetime.time(*start),
        end=datetime.time(*end),
        location=location,
    )


@pytest.mark.django_db
def test_end_must_follow_start():
    user = make_staff("a1", roles.AGENT)
    with pytest.raises(ValidationError) as exc:
        shift(user, (12, 0), (12, 0)).full_clean()
    assert "end" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        shift(user, (12, 0), (8, 0)).save()


@pytest.mark.django_db
def test_overlap_of_one_user_on_one_day_is_refused_touching_is_fine():
    user = make_staff("a1", roles.AGENT)
    other = make_staff("a2", roles.AGENT)
    shift(user, (8, 0), (12, 0)).save()
    with pytest.raises(ValidationError, match="Überschneidet"):
        shift(user, (11, 30), (14, 0)).full_clean()
    shift(user, (12, 0), (16, 0)).full_clean()  # back to back
    shift(other, (9, 0), (13, 0)).full_clean()  # someone else
    shift(user, (9, 0), (13, 0), day=DAY + datetime.timedelta(days=1)).full_clean()


@pytest.mark.django_db
def test_absent_is_no_shift_location():
    user = make_staff("a1", roles.AGENT)
    with pytest.raises(ValidationError) as exc:
        shift(user, (8, 0), (12, 0), location=Location.ABSENT).full_clean()
    assert "location" in exc.value.message_dict


@pytest.mark.django_db
def test_presence_events_are_append_only():
    user = make_staff("a1", roles.AGENT)
    event = PresenceEvent.objects.create(
        user=user,
        at=datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC),
        location=Location.HOME_OFFICE,
        state="available",
        source="manual",
    )
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_refuses_overlap_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraint only on PostgreSQL")
    user = make_staff("a1", roles.AGENT)
    shift(user, (8, 0), (12, 0)).save()
    shift(user, (12, 0), (13, 0)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        shift(user, (11, 0), (12, 30)).save()
