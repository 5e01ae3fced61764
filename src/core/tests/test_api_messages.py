"""What the API answers a bad request with is Vietnamese, as every page is. Django REST framework's own Vietnamese
catalogue has 20 strings: schemathesis' requests got `"AAA" is not a valid choice.`, `Ensure this field has no more
than 150 characters.` and `Null characters are not allowed.` back. The rest is translated in src/locale/vi."""

import pytest
from django.utils import translation
from rest_framework import exceptions, fields, serializers

from accounts.roles import Role


def drf_messages():
    """The messages of DRF's fields the API takes input with, of its serializers and of its refusals."""
    from dossiers.api.serializers import EventInSerializer, ImportJobSerializer

    classes = {serializers.Serializer}
    for serializer in (EventInSerializer(), ImportJobSerializer()):
        classes |= {type(field) for field in serializer.fields.values() if not field.read_only}
    messages = [
        message
        for cls in classes
        for klass in cls.__mro__
        for message in getattr(klass, "default_error_messages", {}).values()
    ]
    refusals = [
        exceptions.ParseError,
        exceptions.AuthenticationFailed,
        exceptions.NotAuthenticated,
        exceptions.PermissionDenied,
        exceptions.NotFound,
        exceptions.MethodNotAllowed,
        exceptions.NotAcceptable,
        exceptions.UnsupportedMediaType,
        exceptions.Throttled,
    ]
    messages += [refusal.default_detail for refusal in refusals]
    messages += [fields.ProhibitNullCharactersValidator.message, fields.ProhibitSurrogateCharactersValidator.message]
    return messages


def test_every_drf_message_the_api_can_answer_is_vietnamese():
    untranslated = []
    for message in drf_messages():
        with translation.override("en"):
            english = str(message)
        with translation.override("vi"):
            if str(message) == english:
                untranslated.append(english)
    with translation.override("vi"):
        throttled = str(exceptions.Throttled(wait=900).detail)
    assert untranslated == [] and "900 giây" in throttled and "Expected" not in throttled


@pytest.mark.django_db
def test_a_bad_event_is_refused_in_vietnamese(client, users):
    client.force_login(users[Role.ISO_SECRETARY], backend="django.contrib.auth.backends.ModelBackend")
    body = {"event_id": "a\x00", "dossier_code": "X", "event": "fly", "occurred_at": "hôm qua", "note": "x" * 501}
    errors = client.post("/api/dossiers/events/", body, content_type="application/json").json()
    assert errors.pop("occurred_at")[0].startswith("Thời điểm sai định dạng. Hãy dùng một trong các định dạng:")
    assert errors == {
        "event_id": ["Không được chứa ký tự NUL."],
        "event": ["“fly” không phải là một lựa chọn hợp lệ."],
        "note": ["Trường này không được dài quá 500 ký tự."],
    }
