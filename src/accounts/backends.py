from django.contrib.auth.backends import BaseBackend

from . import permissions


class RoleBackend(BaseBackend):
    """Authorization by role and scope; authentication stays with ModelBackend."""

    def has_perm(self, user_obj, perm, obj=None):
        return permissions.has_perm(user_obj, perm, obj)
