"""Billing: what Fargate charges for the tasks a simulation ran (reference §1, §7.2).

* :func:`price` — the price of one task (vCPU, memory, ephemeral storage above 20 GiB, Windows OS
  licence), billed per second from image-pull start to stop with a 1-minute minimum (Linux) or
  a 5-minute minimum (Windows; 15 minutes in the "2021" setting) (§1.1), at the region's
  per-second rates (§1.2); Fargate Spot is on-demand × a multiplier, default 0.30 (§1.4).
* :class:`PriceTable` — a region's per-second rates, shipped as ``prices/<region>.yaml`` with
  their source and retrieval date, overridable through the scenario's ``pricing.rates``.
* :class:`PricingSpec` — the scenario's ``pricing:`` section: Spot multiplier, Windows minimum,
  rate overrides, whether ARM64 may run on Spot (§7.2).
* :func:`charge` / :func:`cumulative_cost` — the vectorized meter: the same rule over many
  tasks at once (:class:`Usage` → :class:`Charges`), and the cost curve over time.
"""

from fargasim.billing.meter import Charges, Usage, charge, cumulative_cost
from fargasim.billing.pricing import Price, PriceTable, price
from fargasim.billing.spec import PricingSpec

__all__ = [
    "Charges",
    "Price",
    "PriceTable",
    "PricingSpec",
    "Usage",
    "charge",
    "cumulative_cost",
    "price",
]
