from accounts.roles import Role

READ = {
    "documents.view_document",
    "documents.view_documentversion",
    "documents.view_recordtype",
    "documents.view_qmstemplate",
}

# Who received a document and when they read it (the distribution's history): those who run and oversee the QMS.
DISTRIBUTION_READ = {"documents.view_distribution"}

ROLE_PERMISSIONS = {
    Role.STAFF: READ | {"documents.acknowledge_document"},
    Role.ISO_SECRETARY: READ
    | DISTRIBUTION_READ
    | {
        "documents.add_document",
        "documents.change_document",
        "documents.submit_document",
        "documents.review_document",
        "documents.issue_document",
        "documents.obsolete_document",
        "documents.distribute_document",
        "documents.acknowledge_document",
        "documents.add_recordtype",
        "documents.change_recordtype",
    },
    Role.AGENCY_HEAD: READ
    | DISTRIBUTION_READ
    | {
        "documents.review_document",
        "documents.approve_document",
        "documents.issue_document",
        "documents.obsolete_document",
        "documents.acknowledge_document",
    },
    Role.OVERSIGHT: READ | DISTRIBUTION_READ | {"documents.add_qmstemplate", "documents.change_qmstemplate"},
    Role.PROVINCIAL_VIEWER: READ | DISTRIBUTION_READ,
}
