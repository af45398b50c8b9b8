"""Use cases: keyword-only functions with an explicit session; they own the transaction."""
