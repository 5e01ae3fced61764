"""The API is rate-limited per caller, and a client address that keeps presenting wrong tokens is refused."""

import pytest

from .test_api import api, tokens  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
LIST = "/api/dossiers/dossiers/"


def test_wrong_tokens_from_one_address_are_refused_even_the_right_one(tokens, settings):  # noqa: F811
    settings.EISO = {**settings.EISO, "API_AUTH_FAILURES": 3}
    prefix = tokens["a"].split(".", 1)[0]
    for guess in range(3):
        assert api(f"{prefix}.guess{guess}").get(LIST, REMOTE_ADDR="10.1.1.1").status_code == 401
    refused = api(tokens["a"]).get(LIST, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429 and "thử lại sau" in refused.json()["detail"]
    assert int(refused["Retry-After"]) == settings.EISO["API_AUTH_WINDOW_SECONDS"]
    assert api(tokens["a"]).get(LIST, REMOTE_ADDR="10.1.1.2").status_code == 200  # another address is not


def test_each_caller_has_its_own_rate(tokens, settings):  # noqa: F811
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "3/min"}}
    a, b = api(tokens["a"]), api(tokens["b"])
    assert [a.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert b.get(LIST).status_code == 200  # the other agency's software keeps its own count
