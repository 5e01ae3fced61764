"""The lines of the process control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ)."""

from typing import Any

from procedures.models import ProcessDefinition, ProcessStep

from ..models import Dossier


def step_lines(dossier: Dossier, steps: list[ProcessStep] | None = None) -> list[dict[str, Any]]:
    """The lines of the process control sheet: one per hand-over, with due time and result per step. `steps`: the
    dossier's process steps when the caller has them already (events.process_steps)."""
    if steps is None:
        process = ProcessDefinition.objects.of(dossier.agency_id, dossier.procedure_id)
        steps = list(process.steps.all()) if process else []
    info = {s.code: s for s in steps} or None
    lines = []
    for event in dossier.events.all().order_by("occurred_at", "id"):
        step = info.get(event.completed_step) if info else None
        lines.append(
            {
                "event": event,
                "completed_step": step.name if step else event.completed_step,
                "entered_step": (info.get(event.step).name if info and event.step in info else event.step),
                "due": event.completed_step_due_at,
                "late": event.is_late,
            }
        )
    return lines
