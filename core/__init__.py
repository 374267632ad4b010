"""The floor: what every layer above may use and nothing here imports from above.

Paths and environment (config), the export contract, the county registry and
its settings, the database store, the audit log, keys, accounts and access
rules, labels and month names, and the blank templates.
"""
