"""Pure rules: facts catalog, rule DSL, amounts and identifier checks; no database, no clock."""
