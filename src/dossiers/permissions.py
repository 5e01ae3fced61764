from accounts.roles import Role

_HANDLE = {
    "dossiers.view_dossier",
    "dossiers.add_dossier",
    "dossiers.change_dossier",
    "dossiers.add_dossierevent",
    "dossiers.add_apologyletter",
    "dossiers.view_dossierwarning",
}
# The head signs at his step and, like the ISO secretary, may act for an absent holder (services.check_web_action).
_MANAGE = {
    "dossiers.view_dossier",
    "dossiers.add_dossierevent",
    "dossiers.view_analytics",
    "dossiers.add_importjob",
    "dossiers.view_importjob",
    "dossiers.add_integrationtoken",
    "dossiers.view_integrationtoken",
    "dossiers.add_apologyletter",
    "dossiers.view_dossierwarning",
}
_PROVINCE = {"dossiers.view_dossier", "dossiers.view_analytics"}

ROLE_PERMISSIONS = {
    Role.STAFF: _HANDLE,
    Role.ISO_SECRETARY: _MANAGE,
    Role.AGENCY_HEAD: _MANAGE,
    Role.OVERSIGHT: _PROVINCE,
    Role.PROVINCIAL_VIEWER: _PROVINCE,
}
