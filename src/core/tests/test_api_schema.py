"""The OpenAPI schema says what the API really does: nullable where an answer can be null.

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
