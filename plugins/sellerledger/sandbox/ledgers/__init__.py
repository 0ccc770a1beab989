"""Stand-ins for the five ledgers (Xero, QuickBooks Online, MYOB, Wave, Zoho Books).

Every tenant is seeded with the demo chart in `demo_chart.yaml` (the same account codes and tax rates in
each ledger's own shape), and every accepted document posts balanced entries to the tenant's `Book`.
"""
