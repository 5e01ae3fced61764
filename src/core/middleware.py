import time

from . import audit


class AuditActorMiddleware:
    """Makes the logged-in user the actor of every audit entry written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        with audit.acting_as(user if user is not None and user.is_authenticated else None):
            return self.get_response(request)


class LanguageMiddleware:
    """Vietnamese first: the UI is Vietnamese unless the user chose another language (the language
    cookie set by the switcher). The browser's Accept-Language is deliberately ignored: officials'
    machines often run English-language browsers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        with translation.override(language):  # restored afterwards: threads are reused
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SessionRenewalMiddleware:
    """A session's idle time (SESSION_COOKIE_AGE) starts again with each request, but the session is written for that
    at most once every RENEW_SECONDS: saving it on every request (SESSION_SAVE_EVERY_REQUEST) wrote a row per page
    viewed. A session thus ends between SESSION_COOKIE_AGE - RENEW_SECONDS and SESSION_COOKIE_AGE after its last
    request. Placed just after SessionMiddleware, whose answer then saves what is marked here."""

    RENEW_SECONDS = 60
    KEY = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(self.KEY, 0) >= self.RENEW_SECONDS:
                session[self.KEY] = now  # marks it modified: SessionMiddleware writes it with a new expiry
        return response
