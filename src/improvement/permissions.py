from accounts.roles import Role

READ = {
    "improvement.view_objective",
    "improvement.view_measurement",
    "improvement.view_risk",
    "improvement.view_risklevel",
    "improvement.view_nonconformity",
    "improvement.view_correctiveaction",
    "improvement.view_latepattern",
    "improvement.view_surveyresponse",
}
# Everyone of the agency may report a nonconformity they find, and does the actions given to them (the services
# check that the action is theirs).
REPORT = {"improvement.add_nonconformity", "improvement.change_correctiveaction"}
RUN_QMS = {
    "improvement.add_objective",
    "improvement.change_objective",
    "improvement.measure_objective",
    "improvement.add_risk",
    "improvement.change_risk",
    "improvement.change_nonconformity",
    "improvement.add_correctiveaction",
    "improvement.verify_correctiveaction",
    "improvement.close_nonconformity",
}

ROLE_PERMISSIONS = {
    Role.STAFF: READ | REPORT,
    # The ISO secretary decides eISO's proposals (accepts or dismisses them with the reason).
    Role.ISO_SECRETARY: READ | REPORT | RUN_QMS | {"improvement.change_latepattern"},
    Role.AGENCY_HEAD: READ | REPORT | RUN_QMS,
    # The oversight body reads every agency of the province and sets the province's risk matrix.
    Role.OVERSIGHT: READ | {"improvement.change_risklevel"},
    Role.PROVINCIAL_VIEWER: READ,
}
