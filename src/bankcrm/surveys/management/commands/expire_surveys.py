"""Mark the surveys whose answer link has run out (run daily, e.g. from cron).

bankcrm expire_surveys
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Mark surveys past their answer date as expired."

    def handle(self, *args, **options):
        from bankcrm.surveys.services import surveys_expire

        self.stdout.write(f"{surveys_expire()} surveys expired")
