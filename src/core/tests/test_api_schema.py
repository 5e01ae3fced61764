"""The OpenAPI schema says what the API really does: nullable where an answer can be null, as strict as the server on
what it accepts, and every error answer declared with the body DRF gives it (core.openapi.AutoSchema).

Each test here pins one mismatch schemathesis found (test_api_contract.py) or the class of it."""

import jsonschema
import pytest
from django.db import models
from django.urls import URLPattern, URLResolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def json_schema(schema):
    """OpenAPI 3.0's `nullable` in JSON Schema's words (what jsonschema reads)."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: json_schema(value) for key, value in schema.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if schema.get("nullable") else converted


def resolve(openapi, schema):
    """The schema, with the components its $refs point to."""
    return json_schema({**schema, "components": openapi["components"]})


def validates(openapi, schema, value):
    try:
        jsonschema.validate(value, resolve(openapi, schema))
    except jsonschema.ValidationError:
        return False
    return True


# -- nullable where the model allows null -------------------------------------------------------
def api_views(patterns):
    """(viewset class, action) of every route under these patterns."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "actions"):
            for action in set(pattern.callback.actions.values()):
                yield pattern.callback.cls, action


def answer_serializers():
    """Every serializer the API answers with, nested ones included (one instance of each class)."""
    found = {}

    def walk(serializer):
        serializer = getattr(serializer, "child", serializer)
        if type(serializer) in found:
            return
        found[type(serializer)] = serializer
        for field in serializer.fields.values():
            if isinstance(getattr(field, "child", field), serializers.BaseSerializer):
                walk(field)

    from eiso import api_urls

    for cls, action in api_views(api_urls.urlpatterns):
        view = cls(action=action, request=None, format_kwarg=None, kwargs={})
        if hasattr(view, "get_serializer_class"):
            walk(view.get_serializer_class()())
    from dossiers.api.serializers import EventResultSerializer  # the events' answer, named only in their schema

    walk(EventResultSerializer())
    return found.values()


def nullable_source(model, source):
    """Whether following `source` (dotted) from `model` can meet a null: a nullable field or relation on the way."""
    for name in source.split("."):
        try:
            field = model._meta.get_field(name)
        except Exception:
            return False  # a property or a method: not the model's to say
        if field.one_to_many or field.many_to_many:
            return False  # a list, empty rather than null
        if field.null:
            return True
        if not isinstance(field, models.ForeignKey | models.OneToOneField):
            return False
        model = field.related_model
    return False


def test_every_answer_field_is_nullable_where_the_model_allows_null():
    checked, mismatches = 0, []
    for serializer in answer_serializers():
        model = getattr(getattr(serializer, "Meta", None), "model", None)
        if model is None:
            continue
        for name, field in serializer.fields.items():
            if field.write_only or field.source == "*":
                continue
            checked += 1
            if nullable_source(model, field.source) and not field.allow_null:
                mismatches.append(f"{type(serializer).__name__}.{name} ({field.source})")
    assert checked > 50 and mismatches == []


def test_a_document_without_current_version_answers_null_revision_and_date_as_the_schema_allows(
    openapi, users, province
):
    from django.test import Client

    from documents import services

    land = province["agencies"]["land"]
    services.create_document(
        agency=land, user=users[Role.ISO_SECRETARY], code="QT-01", title="Quy trình", doc_type="procedure", body="x"
    )
    client = Client()
    client.force_login(users[Role.ISO_SECRETARY], backend="django.contrib.auth.backends.ModelBackend")
    document = client.get("/api/documents/documents/").json()["results"][0]
    assert document["revision"] is None and document["effective_date"] is None
    assert validates(openapi, {"$ref": "#/components/schemas/Document"}, document)


# -- as strict as the server on what it accepts --------------------------------------------------
VALUES = ["", " ", "\t\n", "\u3000", "\x1c", "\x00", "a\x00", "a", " a ", "HS-001"]


@pytest.mark.parametrize("name", ["event_id", "dossier_code", "step", "note"])
def test_the_event_schema_refuses_exactly_the_strings_the_server_refuses(openapi, name):
    from dossiers.api.serializers import EventInSerializer

    schema = openapi["components"]["schemas"]["EventInRequest"]["properties"][name]
    base = {"event_id": "1", "dossier_code": "HS-1", "event": "receive", "occurred_at": "2026-03-02T09:00:00+07:00"}
    for value in VALUES:
        serializer = EventInSerializer(data={**base, name: value})
        server_accepts = serializer.is_valid() or name not in serializer.errors
        assert validates(openapi, schema, value) == server_accepts, (name, value, serializer.errors)


def test_an_empty_event_id_is_refused_by_the_schema(openapi):
    event_id = openapi["components"]["schemas"]["EventInRequest"]["properties"]["event_id"]
    assert event_id["minLength"] == 1 and not validates(openapi, event_id, "")


def test_an_import_is_sent_as_a_file_and_answered_without_one(openapi):
    schemas = openapi["components"]["schemas"]
    assert schemas["ImportJobRequest"]["properties"]["file"]["format"] == "binary"
    assert "file" not in schemas["ImportJob"]["properties"]
    errors = openapi["paths"]["/api/dossiers/imports/{id}/errors/"]["get"]["responses"]["200"]
    assert list(errors["content"]) == ["text/csv"]


# -- every error declared, with DRF's body -------------------------------------------------------
def operations(openapi):
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_declares_its_error_answers(openapi):
    token_views = ("/api/dossiers/",)
    for label, operation in operations(openapi):
        codes = set(operation["responses"])
        takes_input = "requestBody" in operation or any(p["in"] != "path" for p in operation.get("parameters", []))
        assert {"403", "404", "429"} <= codes, label
        assert ("400" in codes) == takes_input, label
        assert ("401" in codes) == (label.split(" ")[1].startswith(token_views)), label  # Bearer: 401, session: 403
        for code in codes - {"200", "201"}:
            assert list(operation["responses"][code]["content"]) == ["application/json"], (label, code)
    assert len(list(operations(openapi))) == 15


@pytest.fixture
def secretary(client, users):
    client.force_login(users[Role.ISO_SECRETARY], backend="django.contrib.auth.backends.ModelBackend")
    client.raise_request_exception = False
    return client


def error_schema(openapi, path, method, code):
    return openapi["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


def test_drf_error_bodies_match_the_declared_schemas(openapi, secretary, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    documents = "/api/documents/documents/"
    cases = [
        (documents, documents, {"agency": "999999"}, "400"),  # a filter value that does not validate: by field
        (documents, documents, {"format": "xml"}, "404"),  # a format DRF cannot render
        (documents + "999999/", documents + "{id}/", {}, "404"),
    ]
    for url, path, query, code in cases:
        response = secretary.get(url, query)
        assert str(response.status_code) == code, (url, query, response.content)
        assert validates(openapi, error_schema(openapi, path, "get", code), response.json()), response.json()
    # an event that does not validate (messages by field), one the service refuses (one reason)
    events = "/api/dossiers/events/"
    unknown = {"event_id": "1", "dossier_code": "X", "event": "transfer", "occurred_at": "2026-03-02T09:00:00Z"}
    for body in ({"event_id": ""}, unknown):
        response = secretary.post(events, body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert validates(openapi, error_schema(openapi, events, "post", "400"), response.json()), response.json()
    # an import of a file that is not one: a plain list of messages
    upload = SimpleUploadedFile("anh.png", b"\x89PNG", content_type="image/png")
    response = secretary.post("/api/dossiers/imports/", {"file": upload})
    assert response.status_code == 400, response.content
    assert validates(openapi, error_schema(openapi, "/api/dossiers/imports/", "post", "400"), response.json())
    # no session: 403 on a session-only view, 401 with a wrong token on a token view
    anonymous = client.__class__()
    response = anonymous.get("/api/organizations/agencies/")
    assert response.status_code == 403
    assert validates(openapi, error_schema(openapi, "/api/organizations/agencies/", "get", "403"), response.json())
    response = anonymous.get("/api/dossiers/dossiers/", headers={"Authorization": "Bearer abc.def"})
    assert response.status_code == 401
    assert validates(openapi, error_schema(openapi, "/api/dossiers/dossiers/", "get", "401"), response.json())


@pytest.mark.parametrize("path", ["/api/khong-co/", "/api/dossiers/imports/abc/", "/api/documents/documents/1.5/"])
def test_an_api_address_that_names_nothing_answers_json_not_the_page(secretary, path):
    response = secretary.get(path)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Không tìm thấy."}
