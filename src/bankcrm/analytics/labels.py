"""Display names of the warehouse's codes (channels, categories, merchant categories)."""

from django.utils.translation import gettext_lazy as _

CHANNELS = {
    "counter": _("Counter"),
    "atm": _("ATM"),
    "mobile": _("Mobile banking"),
    "online": _("Online banking"),
    "pos": _("POS"),
    "third_party": _("Third-party payment"),
}
CATEGORIES = {
    "salary": _("Salary"),
    "transfer_in": _("Transfer in"),
    "transfer_out": _("Transfer out"),
    "consumption": _("Consumption"),
    "loan_repayment": _("Loan repayment"),
    "investment_purchase": _("Investment purchase"),
    "investment_redemption": _("Investment redemption"),
    "fee": _("Fees"),
    "interest": _("Interest"),
    "cash_deposit": _("Cash deposit"),
    "cash_withdrawal": _("Cash withdrawal"),
}
MERCHANT_CATEGORIES = {
    "dining": _("Dining"),
    "groceries": _("Groceries"),
    "shopping": _("Shopping"),
    "travel": _("Travel"),
    "transport": _("Transport"),
    "utilities": _("Utilities"),
    "entertainment": _("Entertainment"),
    "health": _("Health"),
    "education": _("Education"),
    "gifts": _("Gifts and red packets"),
    "other": _("Other spending"),
}


def spending_label(key: str) -> str:
    """A spending share's key is a merchant category or an outflow category."""
    return str(MERCHANT_CATEGORIES.get(key) or CATEGORIES.get(key) or key)
