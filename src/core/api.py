"""What every API list shares: a bounded page."""

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """`?limit=` is capped (a client asking for 300,000 rows gets `max_limit`; a number too large for the database
    no longer reaches it) and `?offset=` past the end gives an empty page."""

    default_limit = 100
    max_limit = 500
