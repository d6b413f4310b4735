from django.core.management.base import BaseCommand

from bankcrm.audit.selectors import chain_head


class Command(BaseCommand):
    help = "Print the chain head (SEQ:HASH) to keep off-site; verify_audit --anchor checks it."

    def handle(self, *args, **options):
        seq, digest = chain_head() or (0, "")
        self.stdout.write(f"{seq}:{digest}")
