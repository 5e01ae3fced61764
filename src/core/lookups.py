"""`field__any=[...]`: membership in a list passed as ONE parameter.

The SQL text stays the same whatever the list's length, so the driver does not parse a statement with
thousands of placeholders for every batch of a bulk job, and nothing walks the list value by value:
- PostgreSQL: `field = ANY(%s)` with an array (the server can also cache the plan);
- SQLite: `field IN (SELECT value FROM json_each(%s))` with the list as JSON (plain strings and numbers);
- otherwise, or for other values (dates, decimals...), the ordinary `IN (...)`.
"""

import json

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In

# Values that need no conversion for columns of these types: passed on as they are.
PLAIN = {
    str: {"CharField", "TextField", "SlugField", "EmailField", "URLField"},
    int: {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    },
}


def _column_type(field):
    return getattr(field, "target_field", field).get_internal_type()


@ForeignObject.register_lookup
@Field.register_lookup
class Any(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        self.rhs = list(self.rhs)
        # Plain: every value is already what the column holds (str for text, int for integers): no conversion.
        types = set(map(type, self.rhs))
        column = _column_type(self.lhs.output_field)
        self.plain = len(types) <= 1 and (not types or column in PLAIN.get(next(iter(types)), ()))
        if self.plain:
            return self.rhs
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        field = self.lhs.output_field
        if connection.vendor == "sqlite" and self.plain:
            lhs, lhs_params = self.process_lhs(compiler, connection)
            return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(self.rhs)]
        if connection.vendor != "postgresql":
            return In(self.lhs, self.rhs).as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs if self.plain else [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        # The array typed as the column (psycopg would send small ints as smallint[]): same-type comparison,
        # so the planner estimates and uses the column's indexes as for an IN list.
        return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", [*lhs_params, values]
