"""The database cache's table, made by `migrate` itself.

Sign-in limits and scan limits count in Django's cache (backend/accounts/throttles.py);
without CACHE_URL that is the database cache, whose table `manage.py createcachetable`
makes. A deployment, a bench or a test database that only ran `migrate` answered every
sign-in with a 500; so the table comes with the migrations. With a Redis CACHE_URL
there is no database cache and this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_accountlink_deactivation")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
