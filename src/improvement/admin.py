from django.contrib import admin

from .models import Nonconformity, Objective, Risk, RiskLevel


@admin.register(RiskLevel)
class RiskLevelAdmin(admin.ModelAdmin):
    list_display = ["province", "name", "min_score", "colour", "acceptable"]
    list_filter = ["province"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "agency", "year", "measure", "target"]
    list_filter = ["year", "measure"]
    raw_id_fields = ["agency", "owner", "procedure"]


@admin.register(Risk)
class RiskAdmin(admin.ModelAdmin):
    list_display = ["process", "agency", "kind", "likelihood", "impact", "status"]
    raw_id_fields = ["agency", "owner", "procedure", "document"]


@admin.register(Nonconformity)
class NonconformityAdmin(admin.ModelAdmin):
    list_display = ["title", "agency", "year", "seq", "source", "status"]
    raw_id_fields = ["agency", "raised_by", "closed_by", "dossier", "objective", "feedback"]
