"""`bankcrm knowledge_reindex`: rebuild the knowledge base's search index (after an upgrade
that changed the tokenizer or its banking dictionary, knowledge/data/knowledge_words.txt)."""

from django.core.management.base import BaseCommand

from bankcrm.knowledge.services import article_reindex_all


class Command(BaseCommand):
    help = "Rebuild the search terms of every published knowledge article."

    def handle(self, *args, **options) -> None:
        count = article_reindex_all()
        self.stdout.write(f"{count} articles reindexed.")
