from django.db import migrations


def create_range(apps, schema_editor):
    NumberRange = apps.get_model("core", "NumberRange")
    NumberRange.objects.get_or_create(
        key="case",
        defaults={"prefix": "V", "next_value": 1, "max_value": 99_999_999, "width": 8},
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("core", "0002_number_ranges_and_audit_guard")]

    operations = [migrations.RunPython(create_range, migrations.RunPython.noop)]
