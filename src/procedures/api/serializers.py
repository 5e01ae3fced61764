from rest_framework import serializers

from ..models import AdminProcedure, ProcessDefinition, ProcessStep


class AdminProcedureSerializer(serializers.ModelSerializer):
    field = serializers.StringRelatedField()
    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = AdminProcedure
        fields = [
            "id",
            "code",
            "name",
            "field",
            "level",
            "processing_days",
            "fees",
            "legal_basis",
            "agencies",
            "status",
            "status_note",
        ]


class ProcessStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = ["order", "code", "name", "responsible_unit", "responsible_role", "days"]


class ProcessDefinitionSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    steps = ProcessStepSerializer(many=True, read_only=True)

    class Meta:
        model = ProcessDefinition
        fields = ["id", "procedure", "agency", "total_days", "steps"]
