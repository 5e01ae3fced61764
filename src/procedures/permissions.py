from accounts.roles import Role

_VIEW = {"procedures.view_adminprocedure", "procedures.view_processdefinition"}

ROLE_PERMISSIONS = {
    Role.STAFF: set(_VIEW),
    Role.ISO_SECRETARY: _VIEW | {"procedures.change_processdefinition"},
    Role.AGENCY_HEAD: _VIEW | {"procedures.change_processdefinition"},
    Role.OVERSIGHT: _VIEW | {"procedures.add_adminprocedure", "procedures.change_adminprocedure"},
    Role.PROVINCIAL_VIEWER: set(_VIEW),
}
