"""The API's OpenAPI schema, shared by every view (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS): drf-spectacular's, plus
the error answers each operation can give and request strings as strict as the server is.

Its own module, not core.api: DRF imports core.api's pagination while its generic views are being defined, and
drf-spectacular's AutoSchema imports those views."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

# The bodies DRF gives its errors: `{"detail": "…"}` for every refusal (authentication, permission, not found,
# throttled, a body that does not parse, a service's ValidationError answered as one message), and for a request that
# does not validate, the messages by field (`{"field": ["…"], "non_field_errors": ["…"]}`) or a plain list of them.
ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
MESSAGES = {"type": "array", "items": {"type": "string"}}
VALIDATION_ERROR = {
    "anyOf": [{"$ref": "#/components/schemas/Error"}, {"type": "object", "additionalProperties": MESSAGES}, MESSAGES]
}
# DRF's CharField refuses a NUL character, and, unless blank is allowed, a value that is only whitespace (it trims
# before it checks; Python's `\s` is what str.strip() removes). A field that may be blank gets `oneOf` this pattern
# or the empty string from drf-spectacular: the pattern takes at least one character, so that exactly one matches "".
NO_NUL = r"^[^\u0000]+$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, (description, component) in self._error_responses().items():
            response = responses.setdefault(code, {"description": description})
            response.setdefault("content", {"application/json": {"schema": component.ref}})
            if code == "429":
                retry = {"schema": {"type": "integer"}, "description": _("Số giây cần chờ trước khi gửi lại")}
                response.setdefault("headers", {"Retry-After": retry})
        return responses

    def _error_responses(self) -> dict[str, tuple[Any, ResolvedComponent]]:
        """The error answers of this operation, by status code: (description, body component)."""
        error = self._component("Error", ERROR)
        errors = {}
        takes_input = self._get_request_body() or any(p["in"] != "path" for p in self._get_parameters())
        if takes_input:
            validation = self._component("ValidationError", VALIDATION_ERROR)
            errors["400"] = (_("Yêu cầu không hợp lệ: lý do, hoặc lỗi theo từng trường"), validation)
        # DRF answers 401 when the first authentication class names a scheme (WWW-Authenticate), otherwise 403.
        if self.view.get_authenticate_header(self.view.request):
            errors["401"] = (_("Chưa xác thực, hoặc khóa tích hợp sai hay đã bị thu hồi"), error)
        errors["403"] = (_("Không có quyền, hoặc chưa đăng nhập"), error)
        errors["404"] = (_("Không tìm thấy"), error)
        if self.view.get_throttles():
            errors["429"] = (_("Quá nhiều yêu cầu: hãy thử lại sau"), error)
        return errors

    def _component(self, name: str, schema: dict[str, Any]) -> ResolvedComponent:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component

    def _map_serializer_field(self, field: serializers.Field, direction: str, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        constrained = any(key in schema for key in ("pattern", "format", "enum"))
        if direction == "request" and isinstance(field, serializers.CharField) and not constrained:
            if schema.get("type") == "string":
                schema["pattern"] = NOT_BLANK if not field.allow_blank and field.trim_whitespace else NO_NUL
        return schema
