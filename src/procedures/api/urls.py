from rest_framework.routers import DefaultRouter

from .views import AdminProcedureViewSet, ProcessDefinitionViewSet

router = DefaultRouter()
router.register("procedures", AdminProcedureViewSet, basename="procedure")
router.register("processes", ProcessDefinitionViewSet, basename="process")
urlpatterns = router.urls
