"""System checks of the accounts settings (run by `manage.py check`, and so at every start)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def otp_required_names(app_configs, **kwargs):
    """EISO_OTP_REQUIRED names role codes or "admin": a misspelt name would silently require nothing of anyone."""
    from .roles import Role

    known = {*Role.values, "admin"}
    unknown = [name for name in settings.EISO.get("OTP_REQUIRED", ()) if name not in known]
    if not unknown:
        return []
    return [
        Error(
            f"EISO_OTP_REQUIRED names {', '.join(unknown)}, which is neither a role nor 'admin'.",
            hint=f"Use 1 (agency_head, oversight, admin), 0, or a comma-separated list of: {', '.join(sorted(known))}.",
            id="accounts.E001",
        )
    ]
