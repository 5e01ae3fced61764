"""The dossier event engine: applies one-stop-shop events to dossiers, for the API, the web forms and the
bulk import alike.

A batch is a set of columns (one list per field, as an export file gives them; a single event is a batch of
one row). The engine works on whole columns where it can — timestamps parsed and turned into UTC by numpy,
all the working-day deadlines of the batch in one vectorised calendar call — and applies the rules of each
dossier's state with times as integers (microseconds since the epoch, UTC). The batch is one transaction,
taken under a per-agency lock so that two imports for the same agency never apply a dossier's events twice. A
bad row is reported with its row number and reason and the good rows are kept; an event already stored (same
dossier and external id) is skipped, so re-sending or re-importing never duplicates.

Its stages, one module each:
- `times` — moments: parsing, UTC microseconds, local months;
- `batch` — the batch's columns and their parsing (`Batch`, `Parsed`, `BatchResult`);
- `catalog` — what a batch looks up: procedures, their processes' steps, users (`Catalog`);
- `rules` — the rules of the plain flow, once, for a row or for columns; the summaries; the deadlines;
- `columns` — the plain dossiers of a batch on whole columns (`eligible`, `apply`);
- `store` — the dossiers' state (`DossierState`), the typed `Outcome` of a path, and `write`;
- `processor` — `EventProcessor`: the stages in order, and the reference path, row by row.
"""

from .batch import Batch, BatchResult, Parsed, RowError
from .catalog import Catalog, ProcInfo, StepTable
from .processor import EventProcessor, lock_agency
from .rules import Deadlines, Summaries
from .store import DossierState, Outcome
from .times import from_us, parse_moment, to_us

__all__ = [
    "Batch",
    "BatchResult",
    "Catalog",
    "Deadlines",
    "DossierState",
    "EventProcessor",
    "Outcome",
    "Parsed",
    "ProcInfo",
    "RowError",
    "StepTable",
    "Summaries",
    "from_us",
    "lock_agency",
    "parse_moment",
    "to_us",
]
