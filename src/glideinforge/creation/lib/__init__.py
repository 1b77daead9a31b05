"""Building blocks shared by the factory and the frontend."""
