from rest_framework.routers import DefaultRouter

from .views import DossierViewSet, EventViewSet, ImportJobViewSet

router = DefaultRouter()
router.register("dossiers", DossierViewSet, basename="dossier")
router.register("events", EventViewSet, basename="dossier-event")
router.register("imports", ImportJobViewSet, basename="dossier-import")
urlpatterns = router.urls
