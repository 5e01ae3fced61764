"""What the engine looks up for a batch: the agency's procedures and their processes' steps, and its users.

One `Catalog` per EventProcessor (kept across its batches), handed to both paths of the rules."""

from itertools import repeat

import numpy as np
from django.utils.translation import gettext as _

from procedures.models import AdminProcedure, ProcessDefinition


class StepInfo:
    __slots__ = ("code", "name", "unit", "days", "order", "halves")

    def __init__(self, step):
        self.code, self.name, self.unit, self.days, self.order = (
            step.code,
            step.name,
            step.responsible_unit,
            step.days,
            step.order,
        )
        self.halves = max(1, int(step.days * 2))  # the step's time limit in half days (at least one)


class ProcInfo:
    """A procedure and the agency's process for it (None when it has none)."""

    def __init__(self, procedure: AdminProcedure, process: ProcessDefinition | None):
        self.procedure = procedure
        self.process = process
        # Read once per row by the rules: plain attributes (the model's `pk` is a property).
        self.id, self.field_id, self.processing_days = procedure.pk, procedure.field_id, procedure.processing_days
        self.code = procedure.code
        self.annulled = procedure.status == AdminProcedure.Status.ANNULLED
        self.steps = {s.code: StepInfo(s) for s in process.steps.all()} if process else {}
        self.first_step = min(self.steps.values(), key=lambda s: s.order).code if self.steps else ""
        self.due_halves = int(procedure.processing_days * 2)


def unknown_step(step: str, info: ProcInfo) -> str:
    """The refusal of a step code the procedure's process does not have, naming the valid ones."""
    valid = ", ".join(f"{code} ({s.name})" for code, s in sorted(info.steps.items(), key=lambda kv: kv[1].order))
    return _("Bước “%(step)s” không có trong quy trình của thủ tục “%(code)s”; các bước hợp lệ: %(valid)s.") % {
        "step": step or "—",
        "code": info.code,
        "valid": valid,
    }


class StepTable:
    """The steps of the processes a Catalog knows, as arrays indexed [process row, step column]: the step's time
    in half days (`halves`) and its unit (`unit`, an index into `units`); -1 where the process has no such step.
    The last row and column stand for "no process" and "unknown step code"."""

    def __init__(self, infos: list[ProcInfo]):
        self.row = {id(info): j for j, info in enumerate(infos)}
        self.column = {code: j for j, code in enumerate(dict.fromkeys(c for info in infos for c in info.steps))}
        self.no_row, self.no_column = len(infos), len(self.column)
        self.halves = np.full((len(infos) + 1, len(self.column) + 1), -1, dtype=np.int64)
        self.unit = np.full((len(infos) + 1, len(self.column) + 1), -1, dtype=np.int64)
        units = []
        for j, info in enumerate(infos):
            for code, step in info.steps.items():
                self.halves[j, self.column[code]] = step.halves
                self.unit[j, self.column[code]] = len(units)
                units.append(step.unit[:255])
        self.units = np.array(units + [""], dtype=object)
        self.first_step = np.array([info.first_step for info in infos] + [""], dtype=object)

    def rows(self, infos) -> np.ndarray:
        """The row of each ProcInfo (the last row for None)."""
        return np.fromiter((self.no_row if info is None else self.row[id(info)] for info in infos), dtype=np.int64)

    def columns(self, codes: list[str]) -> np.ndarray:
        """The column of each step code (the last column for a code no process has)."""
        return np.fromiter(map(self.column.get, codes, repeat(self.no_column)), dtype=np.int64, count=len(codes))


class Catalog:
    """The agency's procedures (by code and by key), their processes and the agency's active users, looked up
    once each and cached."""

    def __init__(self, agency):
        self.agency = agency
        self._by_code, self._by_id = {}, {}
        self._steps = None  # StepTable of the processes in _by_id, built when first needed
        self._users = None

    def procedure(self, code: str) -> ProcInfo | None:
        """The province's procedure of that code with the agency's process, None if there is no such procedure."""
        if code not in self._by_code:
            procedure = AdminProcedure.objects.filter(province_id=self.agency.province_id, code=code).first()
            self._by_code[code] = None if procedure is None else self._add(procedure)
        return self._by_code[code]

    def of(self, procedure_id: int) -> ProcInfo:
        """The ProcInfo of a stored dossier's procedure."""
        info = self._by_id.get(procedure_id)
        if info is None:
            procedure = AdminProcedure.objects.get(pk=procedure_id)
            info = self._by_code[procedure.code] = self._add(procedure)
        return info

    def _add(self, procedure: AdminProcedure) -> ProcInfo:
        info = self._by_id[procedure.pk] = ProcInfo(procedure, ProcessDefinition.objects.of(self.agency, procedure))
        self._steps = None
        return info

    def step_table(self) -> StepTable:
        """The StepTable of every process looked up so far (rebuilt after a new one)."""
        if self._steps is None:
            self._steps = StepTable(list(self._by_id.values()))
        return self._steps

    def user_id(self, username: str) -> int | None:
        """The key of the agency's active user of that name ("" or unknown: None)."""
        if not username:
            return None
        if self._users is None:
            from accounts.models import User

            self._users = dict(User.objects.filter(agency=self.agency, is_active=True).values_list("username", "pk"))
        return self._users.get(username)
