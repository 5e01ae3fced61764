import datetime as dt

import pytest

from dossiers.tests.conftest import T0, catalog, receive_row, row  # noqa: F401
from procedures.tests.conftest import client_as  # noqa: F401


def settle(agency, code, days, at=T0):
    """A dossier received at `at` and returned `days` calendar days later (10 working days allowed)."""
    from dossiers import services

    services.push_event(agency, receive_row(code, at=at, event_id=f"{code}-r"))
    services.push_event(agency, row(code, f"{code}-x", "return", at + dt.timedelta(days=days)))


def late_at_reception(agency, code, at=T0, days=8):
    """A dossier handed over to the review step `days` days after its receipt: late at its reception step."""
    from dossiers import services

    services.push_event(agency, receive_row(code, at=at, event_id=f"{code}-r"))
    services.push_event(
        agency,
        row(code, f"{code}-t", "transfer", at + dt.timedelta(days=days), step="review", to_name="Phạm Quốc Việt"),
    )


@pytest.fixture
def land(province):
    return province["agencies"]["land"]


@pytest.fixture
def pattern_dossiers(catalog, land):  # noqa: F811
    """Three dossiers of the same procedure late at the same step in March 2026."""
    for i in range(3):
        late_at_reception(land, f"HS-L{i}", at=T0 + dt.timedelta(hours=i))
    return catalog
