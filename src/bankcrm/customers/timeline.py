"""The customer 360 timeline: one chronological feed of everything that happened with a customer.

Each domain app (interactions, sales, service, ...) owns its objects and registers a provider in
its AppConfig.ready(); the customers app never imports them. A provider is a selector:

    def timeline_entries(*, actor, customer, limit: int) -> Iterable[TimelineEntry]

returning at most `limit` of its newest entries for that customer (the customer is already one the
actor may see; a provider hides what the actor's role may not read). The feed merges them, newest
first.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from heapq import nlargest
from itertools import chain

Provider = Callable[..., Iterable["TimelineEntry"]]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a short machine name: "interaction", "lead", "case", ...
    kind_label: str  # what the kind is called, translated
    icon: str  # a Bootstrap Icons name, e.g. "telephone"
    title: str
    detail: str = ""
    url: str = ""
    actor: str = ""  # who did it (display name), if anyone


_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, on a second ready()) the provider called `name`."""
    _providers[name] = provider


def customer_timeline(*, actor, customer, limit: int = 50) -> list[TimelineEntry]:
    feeds = (p(actor=actor, customer=customer, limit=limit) for p in _providers.values())
    return nlargest(limit, chain.from_iterable(feeds), key=lambda e: e.at)
