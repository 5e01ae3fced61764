from rest_framework import serializers

from ..models import Document


class DocumentSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # A draft has no current version yet, and a current version may have no effective date: null, as the schema says.
    revision = serializers.IntegerField(
        source="current_version.revision", read_only=True, allow_null=True, default=None
    )
    effective_date = serializers.DateField(
        source="current_version.effective_date", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "agency",
            "doc_type",
            "code",
            "title",
            "owner_unit",
            "status",
            "revision",
            "effective_date",
            "review_due",
            "needs_review",
            "needs_review_reason",
            "admin_procedure",
        ]
