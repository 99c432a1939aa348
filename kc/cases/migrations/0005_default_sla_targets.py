from django.db import migrations

DAY = 12 * 60  # one business day of the default calendar (8–20), in minutes

# case type: (first response, resolution) in business minutes
DEFAULT_TARGETS = {
    "general": (DAY, 5 * DAY),
    "billing_question": (DAY, 5 * DAY),
    "budget_billing_change": (DAY, 3 * DAY),
    "sepa_mandate": (DAY, 3 * DAY),
    "tariff_offer": (DAY, 5 * DAY),
    "meter_reading": (DAY, 2 * DAY),
    "move": (DAY, 5 * DAY),
    "complaint": (DAY, 15 * DAY),
    "consultation": (DAY, 10 * DAY),
    "funding": (2 * DAY, 20 * DAY),
    # Reconnection after payment must be fast (the customer has no power, gas or water).
    "reconnection": (60, DAY),
}


def create(apps, schema_editor):
    SlaTarget = apps.get_model("cases", "SlaTarget")
    for case_type, (first, resolution) in DEFAULT_TARGETS.items():
        SlaTarget.objects.get_or_create(
            case_type=case_type,
            defaults={"first_response_minutes": first, "resolution_minutes": resolution},
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_sla")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
