"""SQL data access, one module per API area; functions take the open transaction's connection."""
