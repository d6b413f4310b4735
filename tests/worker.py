"""Run what is queued for the background worker, as `bankcrm db_worker` does.

The worker closes database connections: a test using it needs `django_db(transaction=True)`.
"""

from django.core.management import call_command


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
