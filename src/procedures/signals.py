"""Signals other apps listen to.

`procedure_changed` is sent when a procedure of the catalog is amended or annulled, with
`procedure` and `reason` (a Vietnamese sentence for the user); the documents app flags every
agency procedure document linked to it as "needs update".
"""

from django.dispatch import Signal

procedure_changed = Signal()
