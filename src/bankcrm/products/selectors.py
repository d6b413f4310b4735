from django.db.models import QuerySet

from bankcrm.customers.selectors import customers_visible_to
from bankcrm.products.models import Holding, Product


def holdings_visible_to(actor) -> QuerySet[Holding]:
    """Holdings of customers the actor may see."""
    if not actor.has_perm("products.view_holding"):
        return Holding.objects.none()
    return Holding.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def holdings_of(*, customer_id: int) -> QuerySet[Holding]:
    """One customer's holdings (the caller has checked the customer is in scope)."""
    return (
        Holding.objects.filter(customer_id=customer_id)
        .select_related("product")
        .order_by("status", "product__type", "-balance")
    )


def products_on_sale() -> QuerySet[Product]:
    return Product.objects.filter(active=True)
