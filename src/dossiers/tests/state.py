"""What the engine stores of a dossier and of an event: the fields the tests compare between two ways of making them
(the two paths of the engine, the demo and a replay)."""

STATE_FIELDS = [
    "procedure_id",
    "field_id",
    "applicant_name",
    "applicant_key",
    "received_at",
    "due_at",
    "processing_days",
    "status",
    "completed_at",
    "is_late",
    "current_step",
    "step_started_at",
    "step_due_at",
    "holder_id",
    "holder_name",
    "holder_unit",
    "last_event_at",
    "paused_at",
    "late_step",
    "late_unit",
    "apology_due_at",
]
EVENT_FIELDS = [
    "kind",
    "occurred_at",
    "step",
    "from_name",
    "to_name",
    "to_unit",
    "completed_step",
    "completed_step_due_at",
    "is_late",
]
