from rest_framework import serializers

from ..models import Agency


class AgencySerializer(serializers.ModelSerializer):
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "province",
            "parent",
            "kind",
            "obligation",
            "unit_code",
            "status",
            "established_on",
            "ended_on",
            "scope_review_required",
        ]
