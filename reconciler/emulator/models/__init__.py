"""Request validation and response rendering, independent of HTTP and SQL."""
