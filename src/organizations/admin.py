from django.contrib import admin

from .models import Agency, AgencyChange, AgencyKind, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]


@admin.register(AgencyKind)
class AgencyKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "default_obligation", "is_commune_committee", "order"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "obligation", "status", "province"]
    list_filter = ["province", "kind", "obligation", "status"]
    search_fields = ["name", "code", "search_key"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["search_key", "sort_key"]


@admin.register(AgencyChange)
class AgencyChangeAdmin(admin.ModelAdmin):
    list_display = ["kind", "effective_on", "decision", "province"]
    list_filter = ["kind", "province"]
    filter_horizontal = ["predecessors", "successors"]
