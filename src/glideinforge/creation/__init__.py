"""Shared compiler core: configuration reading, validation, staging."""
