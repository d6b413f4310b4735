"""The analytical warehouse: the only package that talks to it.

Other apps call the public functions of these modules and get plain dataclasses back:
  queries  — the customer 360's figures (transactions, cash flow, balances, categories, channels)
  ingest   — loading extracts and real-time batches (used by bankcrm.integration)
  hooks    — subscribe to committed transactions (rules, alerts, the live balances view)
  live     — live balances per account, kept by a hook subscriber
  snapshots — writing operational snapshots (customers, holdings, interactions)
Only backends.py knows whether DuckDB or Spark runs the queries. See docs/warehouse.md.
"""
