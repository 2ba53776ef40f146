"""Helpers shared by tests: OpenAPI response validation and HTTP sessions for the emulator."""
