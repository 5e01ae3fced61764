"""`field__any=[...]`: membership in a list passed as ONE parameter.

On PostgreSQL `field = ANY(%s)` with an array: the SQL text stays the same whatever the list's length, so
psycopg does not re-parse a statement with thousands of placeholders for every batch of a bulk job (and the
server can cache the plan). Other backends get the ordinary `IN (...)`.
"""

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


@ForeignObject.register_lookup
@Field.register_lookup
class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=True) for value in self.rhs]
        # The array typed as the column (psycopg would send small ints as smallint[]): same-type comparison,
        # so the planner estimates and uses the column's indexes as for an IN list.
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]
