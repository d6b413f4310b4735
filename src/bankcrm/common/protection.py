"""Where protected (C2) values live, found from the model registry, never from a hand list.

Every `EncryptedTextField` of every installed model is a protected field. By convention a field
`x` that can be searched exactly has a keyed blind index in the column `x_bidx`, and its
blind-index domain (`kind` in `crypto.blind_index`) is the field's name. Services writing a value,
selectors searching for one and `bankcrm rotate_keys` re-indexing them all go through
`index_digest` / `index_lookup` below, so the three cannot drift apart.

Values are normalised before they are stored (common.identifiers: resident IDs upper-case,
mobiles E.164, emails with a lower-case domain, account numbers digits only), and the index is
computed over the stored value: re-indexing a row needs only its decrypted value.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Q

from bankcrm.common import crypto
from bankcrm.common.fields import EncryptedTextField

INDEX_SUFFIX = "_bidx"


@dataclass(frozen=True)
class ProtectedField:
    model: type[models.Model]
    name: str
    index: str | None  # the blind-index column, if the field is searchable

    @property
    def kind(self) -> str:
        """The blind-index domain: the field's name, so equal values of different fields (an
        ID number that is also a passport number, say) never share a digest."""
        return self.name

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"


@cache
def protected_fields() -> tuple[ProtectedField, ...]:
    """Every encrypted field of every installed (concrete, managed) model, in a stable order."""
    found = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                index = f"{field.name}{INDEX_SUFFIX}"
                found.append(ProtectedField(model, field.name, index if index in names else None))
    return tuple(found)


def protected_field(model: type[models.Model], name: str) -> ProtectedField:
    for field in protected_fields():
        if field.model is model and field.name == name:
            return field
    raise LookupError(f"{model._meta.label}.{name} is not a protected field")


def _indexed(model: type[models.Model], name: str) -> ProtectedField:
    field = protected_field(model, name)
    if field.index is None:
        raise LookupError(f"{field.label} has no blind index ({name}{INDEX_SUFFIX})")
    return field


def index_digest(model: type[models.Model], name: str, normalized_value: str) -> str:
    """The blind index to store for a (normalised) value: under the current index key."""
    if not normalized_value:
        return ""
    return crypto.blind_index(_indexed(model, name).kind, normalized_value)


def index_lookup(model: type[models.Model], name: str, normalized_value: str) -> Q:
    """The condition that finds rows holding this value, under the current index key and, while
    an index key is being rotated (BANKCRM_INDEX_KEY_PREVIOUS set), under the previous one."""
    field = _indexed(model, name)
    digests = crypto.blind_index_candidates(field.kind, normalized_value)
    if len(digests) == 1:
        return Q(**{field.index: digests[0]})
    return Q(**{f"{field.index}__in": digests})
