"""Factory configuration: model, loading, validation and compilation."""
