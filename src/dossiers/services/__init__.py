"""Dossier handling: events (one by one or in bulk), deadlines, warnings, apology letters, analytics.

Every path that changes a dossier goes through the event engine (`engine.EventProcessor`), so the API,
the bulk import and the web forms apply exactly the same rules."""

from .analytics import GROUPS, analytics_figures, analytics_xlsx, bottlenecks, on_time_rates, on_time_summary, sums_by
from .control_sheet import step_lines
from .events import (
    ACTING_ROLES,
    allowed_steps,
    check_web_action,
    holds,
    may_act_for_holder,
    next_dossier_code,
    process_steps,
    push_event,
    receive_dossier,
    web_event,
)
from .imports import (
    EVENT_COLUMNS,
    IMPORT_HEADERS,
    KEY_HEADERS,
    REQUIRED_COLUMNS,
    agency_step_codes,
    create_import_job,
    error_report,
    import_template_csv,
    recover_stale_imports,
    run_import_job,
)
from .letters import apology_signer, due_soon_horizon, issue_apology, issue_warnings
from .search import search_dossiers
from .summaries import late_at, rebuild_late_stats, rebuild_monthly_stats
