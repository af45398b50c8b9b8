"""Demo data: 聊城 departments and policies from YAML, and a synthetic population to match."""
