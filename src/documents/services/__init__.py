"""Document control logic. Each public function is one transaction: it succeeds whole or changes
nothing, and raises ValidationError (Vietnamese, naming the field) or PermissionDenied."""

from .common import DOCUMENT_FIELDS, S, separation_of_duties
from .distribution import acknowledge, agency_members, distribute, distribution_summary, pending_acknowledgements
from .drafts import create_document, reindex, revise, update_draft
from .in_force import (
    EXPORT_HEADERS,
    TYPE_ORDER,
    InForceRow,
    export_in_force_docx,
    export_in_force_xlsx,
    in_force_documents,
    in_force_versions,
    store_generated_file,
    type_rank,
)
from .previews import (
    copy_preview,
    discard_stale_preview,
    needs_preview,
    preview_max_chars,
    preview_of,
    render_missing_previews,
    render_preview,
    request_preview,
)
from .records import add_record_file, create_record_type, expiring_record_files
from .review import flag_for_review, mark_notification_read, mark_reviewed, on_procedure_changed, send_review_reminders
from .templates import create_template, instantiate_template, save_template_document
from .workflow import ACTIONS, DRAFTER_EXCLUDED, allowed_actions, drafter_excluded, transition, workflow_steps
