from django.db import migrations

# The starting risk matrix of every province (likelihood × impact, 1-5 each); the oversight body adjusts it.
LEVELS = [
    ("Thấp", 1, "success", True),
    ("Trung bình", 5, "warning", True),
    ("Cao", 10, "orange", False),
    ("Rất cao", 17, "danger", False),
]


def seed(apps, schema_editor):
    Province = apps.get_model("organizations", "Province")
    RiskLevel = apps.get_model("improvement", "RiskLevel")
    for province in Province.objects.all():
        if not RiskLevel.objects.filter(province=province).exists():
            RiskLevel.objects.bulk_create(
                RiskLevel(province=province, name=n, min_score=m, colour=c, acceptable=a) for n, m, c, a in LEVELS
            )


class Migration(migrations.Migration):
    dependencies = [("improvement", "0001_initial"), ("organizations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
