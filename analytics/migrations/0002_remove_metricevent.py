"""MetricEvent was never written; performance after release lives in evolution.PerformanceRecord."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
        # generation.0002_roles grants the model's permissions to Operators: it must run first.
        ("generation", "0002_roles"),
    ]

    operations = [
        migrations.DeleteModel(name="MetricEvent"),
    ]
