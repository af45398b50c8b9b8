"""The operator commands of `kuaixiang`, one module per family; api/cli.py registers them."""
