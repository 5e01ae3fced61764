from rest_framework import serializers

from ..models import Dossier, DossierEvent, EventKind, ImportJob


class EventInSerializer(serializers.Serializer):
    """One event of the one-stop-shop software. `receive` creates the dossier (needs procedure_code,
    applicant_name); the other kinds move it on. Re-sending an event (same dossier_code and event_id)
    stores it once."""

    event_id = serializers.CharField(max_length=80)
    dossier_code = serializers.CharField(max_length=60)
    event = serializers.ChoiceField(choices=EventKind.choices)
    occurred_at = serializers.DateTimeField()
    step = serializers.CharField(max_length=30, required=False, allow_blank=True)
    from_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    from_unit = serializers.CharField(max_length=255, required=False, allow_blank=True)
    to_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    to_unit = serializers.CharField(max_length=255, required=False, allow_blank=True)
    to_username = serializers.CharField(max_length=150, required=False, allow_blank=True)
    procedure_code = serializers.CharField(max_length=50, required=False, allow_blank=True)
    applicant_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    applicant_address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DossierEvent
        fields = [
            "external_id",
            "kind",
            "occurred_at",
            "step",
            "from_name",
            "to_name",
            "to_unit",
            "completed_step",
            "completed_step_due_at",
            "is_late",
            "note",
        ]


class DossierSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "id",
            "code",
            "agency",
            "procedure",
            "applicant_name",
            "received_at",
            "due_at",
            "status",
            "completed_at",
            "is_late",
            "current_step",
            "step_due_at",
            "holder_name",
            "holder_unit",
            "apology_due_at",
        ]


class DossierDetailSerializer(DossierSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(DossierSerializer.Meta):
        fields = DossierSerializer.Meta.fields + ["events"]


class EventResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["created", "duplicate"])
    dossier = DossierSerializer()


class ImportJobSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "file",
            "filename",
            "status",
            "progress",
            "rows_read",
            "rows_stored",
            "rows_duplicate",
            "rows_error",
            "message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = [f for f in fields if f != "file"]
