"""Display names of the codes the reports return (tiers, cells, product types, branch and RM
ids), in the viewer's language."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from django.utils.translation import gettext as _

from bankcrm.analytics import labels as warehouse_labels
from bankcrm.analytics.segments import AGE_GROUPS, RFM_CELLS, VALUE_TIERS, WEALTH_TIERS


class Labels:
    def __init__(self, language: str) -> None:
        self.language = language

    @staticmethod
    def _from(pairs, unknown: str | None = None) -> Callable[[str], str]:
        table = {value: str(label) for value, label in pairs}

        def label(key: str) -> str:
            if not key:
                return unknown or _("Unknown")
            return table.get(key, key)

        return label

    @cached_property
    def value_tier(self) -> Callable[[str], str]:
        return self._from(VALUE_TIERS, _("Not valued yet"))

    @cached_property
    def rfm_cell(self) -> Callable[[str], str]:
        return self._from(RFM_CELLS, _("Not valued yet"))

    @cached_property
    def wealth_tier(self) -> Callable[[str], str]:
        return self._from(WEALTH_TIERS)

    @cached_property
    def age_group(self) -> Callable[[str], str]:
        return self._from(AGE_GROUPS)

    @cached_property
    def occupation(self) -> Callable[[str], str]:
        from bankcrm.customers.models import Occupation

        return self._from(Occupation.choices)

    @cached_property
    def gender(self) -> Callable[[str], str]:
        from bankcrm.customers.models import Gender

        return self._from(Gender.choices)

    @cached_property
    def region(self) -> Callable[[str], str]:
        return self._from(())

    @cached_property
    def product(self) -> Callable[[str], str]:
        from bankcrm.products.models import ProductType

        return self._from(ProductType.choices)

    def source(self, key: str) -> str:
        return self.product(key) if key else _("No product yet")

    def product_or_fees(self, key: str) -> str:
        return _("Fee income") if key == "fees" else self.product(key)

    @cached_property
    def channel(self) -> Callable[[str], str]:
        return self._from(warehouse_labels.CHANNELS.items())

    def tenure(self, key: str) -> str:
        low, _sep, high = key.partition("-")
        if key.endswith("+"):
            return _("%(years)s years and more") % {"years": key[:-1]}
        if low == "0":
            return _("Under %(years)s year") % {"years": high}
        return _("%(low)s to %(high)s years") % {"low": low, "high": high}

    def depth(self, key: str) -> str:
        from bankcrm.analytics.reports import DEPTH_MAX

        if key == str(DEPTH_MAX):
            return _("%(n)s or more") % {"n": key}
        return key

    @cached_property
    def _branches(self) -> dict[str, str]:
        from bankcrm.org.models import Branch

        return {str(b.pk): b.display_name(self.language) for b in Branch.objects.all()}

    def branch(self, key: str) -> str:
        return self._branches.get(key, key or _("Unknown"))

    def branch_name(self, branch) -> str:
        return branch.display_name(self.language)

    @cached_property
    def _staff(self) -> dict[str, str]:
        from bankcrm.org.models import Staff

        return {
            str(pk): display or username
            for pk, display, username in Staff.objects.values_list("pk", "display_name", "username")
        }

    def rm(self, key: str) -> str:
        if not key:
            return _("No RM")
        return self._staff.get(key, key)

    def of(self, attribute: str) -> Callable[[str], str]:
        if attribute in ("province", "city"):
            return self.region
        return getattr(self, attribute)

    def drill(self, name: str, key: str) -> str:
        """What a drill-down list holds, in words."""
        parts = key.split("|")
        if name.startswith("attr:"):
            attribute = name.removeprefix("attr:")
            return f"{ATTRIBUTE_NAMES().get(attribute, attribute)}: {self.of(attribute)(key)}"
        month = parts[0]
        texts = {
            "attrition": lambda: (
                _("Churned customers, %(segment)s")
                % {"segment": self.of(parts[0])(parts[1]) if len(parts) == 2 else key}
            ),
            "cohort": lambda: (
                _("Joined in %(month)s, active %(n)s months later")
                % {"month": month, "n": parts[-1]}
            ),
            "cohort_size": lambda: _("Joined in %(month)s") % {"month": month},
            "holds": lambda: _("Holding %(product)s") % {"product": self.product(key)},
            "product_margin": lambda: (
                _("Charged fees")
                if key == "fees"
                else _("Holding %(product)s") % {"product": self.product(key)}
            ),
            "branch": lambda: _("Customers of %(branch)s") % {"branch": self.branch(key)},
            "rm": lambda: _("Customers of %(rm)s") % {"rm": self.rm(key)},
            "pareto": lambda: _("The %(n)s customers with the highest contribution") % {"n": key},
            "sales": lambda: (
                _("Opened %(product)s in %(month)s")
                % {"product": self.product(parts[-1]), "month": month}
            ),
            "sales_branch": lambda: (
                _("Opened a product in the period, at %(branch)s") % {"branch": self.branch(key)}
            ),
            "sales_rm": lambda: (
                _("Opened a product in the period, customers of %(rm)s") % {"rm": self.rm(key)}
            ),
            "channel": lambda: (
                _("Transacted through %(channel)s in %(month)s")
                % {"channel": self.channel(parts[-1]), "month": month}
            ),
            "acquired": lambda: _("Joined in %(month)s") % {"month": month},
            "lost": lambda: _("Lost in %(month)s") % {"month": month},
            "source": lambda: (
                _("Joined in %(month)s with %(product)s")
                % {"month": month, "product": self.product(parts[-1])}
            ),
            "pair": lambda: (
                _("Holding %(x)s and %(y)s")
                % {"x": self.product(parts[0]), "y": self.product(parts[-1])}
            ),
            "later": lambda: (
                _("Took %(y)s after %(x)s")
                % {"x": self.product(parts[0]), "y": self.product(parts[-1])}
            ),
        }
        found = texts.get(name)
        return found() if found else key


def ATTRIBUTE_NAMES() -> dict[str, str]:  # noqa: N802 - a table, built in the active language
    return {
        "value_tier": _("Value tier"),
        "rfm_cell": _("RFM cell"),
        "wealth_tier": _("Wealth tier"),
        "age_group": _("Age group"),
        "occupation": _("Occupation"),
        "province": _("Province"),
        "city": _("City"),
        "gender": _("Gender"),
        "tenure": _("Tenure"),
        "depth": _("Product types held"),
    }
