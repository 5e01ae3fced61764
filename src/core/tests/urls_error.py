"""The project's URLs plus a view that fails, for the 500 page's test."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from eiso.urls import urlpatterns as project_urlpatterns


@login_not_required
def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *project_urlpatterns]
