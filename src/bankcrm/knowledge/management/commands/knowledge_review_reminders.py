"""`bankcrm knowledge_review_reminders`: e-mail article owners whose answers are due for their
periodic review or whose validity ends soon (run daily, e.g. from cron; the worker sends)."""

from django.core.management.base import BaseCommand

from bankcrm.knowledge.services import article_review_reminders_send


class Command(BaseCommand):
    help = "E-mail knowledge article owners about reviews due and validity ending."

    def handle(self, *args, **options) -> None:
        owners = article_review_reminders_send()
        self.stdout.write(f"{owners} owners reminded.")
