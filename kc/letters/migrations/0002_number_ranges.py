from django.db import migrations


def create_ranges(apps, schema_editor):
    NumberRange = apps.get_model("core", "NumberRange")
    for key, prefix in (("letter", "B"), ("print_batch", "D")):
        NumberRange.objects.get_or_create(
            key=key,
            defaults={"prefix": prefix, "next_value": 1, "max_value": 99_999_999, "width": 8},
        )


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial"), ("core", "0002_number_ranges_and_audit_guard")]

    operations = [migrations.RunPython(create_ranges, migrations.RunPython.noop)]
